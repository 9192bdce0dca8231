// Idempotent and transactional producer state of one partition: per producer id, its
// epoch, the metadata of its last 5 batches, its ongoing transaction's first offset and
// the coordinator epoch of its last marker, checked on every append (Kafka's
// ProducerStateManager/ProducerAppendInfo rules) and persisted in snapshot files. The
// first offsets of the ongoing transactions give the last stable offset.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/txn_index.h"

namespace samsa::storage {

struct ProducerBatchMeta {
  int32_t first_seq = -1;
  int32_t last_seq = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;  // the batch's max timestamp
};

struct ProducerEntry {
  static constexpr size_t kMaxBatches = 5;  // as many as in-flight requests a producer may have
  int64_t producer_id = -1;
  int16_t epoch = -1;
  std::array<ProducerBatchMeta, kMaxBatches> batches{};  // oldest first
  uint8_t batch_count = 0;
  // First offset of the producer's ongoing transaction on this partition, or -1.
  int64_t current_txn_first_offset = -1;
  int32_t coordinator_epoch = -1;  // of the last marker written for this producer
  // Of its last batch or transaction marker (what DescribeProducers reports, as Kafka).
  int64_t last_timestamp = -1;

  const ProducerBatchMeta* last() const {
    return batch_count ? &batches[batch_count - 1] : nullptr;
  }
  const ProducerBatchMeta* find(int32_t first_seq, int32_t last_seq) const;
  // Records a batch; a higher epoch drops the batches of the old one.
  void add(int16_t new_epoch, const ProducerBatchMeta& meta);
};

// A transaction ended by a marker that was applied (commit() or replay()).
struct CompletedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;  // the marker's offset
  bool aborted = false;
  // The partition's last stable offset once it ended: the first offset of the oldest
  // other ongoing transaction, else last_offset + 1 (what .txnindex records).
  int64_t last_stable_offset = -1;
};

// Outcome of checking one batch.
struct ProducerCheck {
  ErrorCode error = ErrorCode::NONE;
  std::optional<ProducerBatchMeta> duplicate;  // set: already in the log, do not append
  std::string message;
};

class ProducerStateManager {
 public:
  // Checks `batch` against the state (and batches staged earlier in the same append),
  // for a client append. Staged changes are kept until commit() or abort().
  ProducerCheck check_and_stage(const BatchHeader& batch);
  // For internal writers (coordinator), a data batch: the epoch and the transaction
  // state are checked, not the sequence.
  ProducerCheck check_epoch_and_stage(const BatchHeader& batch);
  // For internal writers, a control batch carrying `marker`: ends the producer's
  // transaction. INVALID_PRODUCER_EPOCH for an older producer epoch,
  // TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch.
  ProducerCheck check_marker_and_stage(const BatchHeader& batch, const TxnMarker& marker);
  // Records the staged batch's offsets once they are assigned. `index` is the order in
  // which the check_*_and_stage calls were made during this append.
  void set_staged_offsets(size_t index, int64_t first_offset, int64_t last_offset,
                          int64_t max_timestamp);
  // Applies the staged batches. `completed` (when given) receives the transactions
  // their markers ended, in order; Kafka indexes only those with data here.
  void commit(std::vector<CompletedTxn>* completed = nullptr);
  void abort();

  // Replays a batch from the log (recovery): no checks. `marker`: a control batch's
  // marker, when it carries one. Returns the transaction a marker ended, if any.
  std::optional<CompletedTxn> replay(const BatchHeader& batch, const TxnMarker* marker = nullptr);

  // The first offset of the oldest ongoing transaction, or -1 when there is none.
  int64_t first_unstable_offset() const { return ongoing_.empty() ? -1 : *ongoing_.begin(); }
  size_t ongoing_transactions() const { return ongoing_.size(); }

  const ProducerEntry* find(int64_t producer_id) const;
  size_t size() const { return producers_.size(); }
  // Every producer with state here, by producer id (DescribeProducers).
  std::vector<ProducerEntry> entries() const;
  void clear() {
    producers_.clear();
    ongoing_.clear();
  }

  // Snapshot file: our own format, CRC-32C protected (version 2 adds each producer's
  // ongoing transaction and coordinator epoch; version 1 files still load). Returns
  // false (leaving the state empty) when the file is missing or corrupt.
  bool write_snapshot(const std::string& path, int64_t offset) const;
  bool load_snapshot(const std::string& path, int64_t& offset);

 private:
  enum class StagedKind : uint8_t { kData, kEpochOnly, kMarker };
  struct Staged {
    int64_t producer_id;
    int16_t epoch;
    ProducerBatchMeta meta;
    StagedKind kind;
    bool transactional;
    TxnMarker marker;
  };
  ProducerEntry* staged_entry_for(int64_t producer_id);
  // INVALID_TXN_STATE for a non-transactional batch of a producer in a transaction;
  // marks the working copy's transaction as begun for a transactional one.
  bool check_txn_state(ProducerEntry& entry, const BatchHeader& batch, ProducerCheck& result);
  std::optional<CompletedTxn> apply(const Staged& staged);
  void begin_txn(ProducerEntry& entry, int64_t first_offset);

  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::multiset<int64_t> ongoing_;             // current_txn_first_offset of every producer
  std::vector<Staged> staged_;                 // batches of the append in progress
  std::vector<ProducerEntry> staged_entries_;  // working copies touched by it
};

}  // namespace samsa::storage
