// Idempotent-producer state of one partition: per producer id, its epoch and the
// metadata of its last 5 batches, checked on every append (Kafka's
// ProducerStateManager/ProducerAppendInfo rules) and persisted in snapshot files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/record_batch.h"

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

  const ProducerBatchMeta* last() const {
    return batch_count ? &batches[batch_count - 1] : nullptr;
  }
  const ProducerBatchMeta* find(int32_t first_seq, int32_t last_seq) const;
  // Records a batch; a higher epoch drops the batches of the old one.
  void add(int16_t new_epoch, const ProducerBatchMeta& meta);
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
  // For internal writers (coordinator): only the epoch is checked.
  ProducerCheck check_epoch_and_stage(const BatchHeader& batch);
  // Records the staged batch's offsets once they are assigned. `index` is the order in
  // which check_and_stage was called during this append.
  void set_staged_offsets(size_t index, int64_t first_offset, int64_t last_offset,
                          int64_t max_timestamp);
  void commit();
  void abort();

  // Replays a batch from the log (recovery): no checks.
  void replay(const BatchHeader& batch);

  const ProducerEntry* find(int64_t producer_id) const;
  size_t size() const { return producers_.size(); }
  // Every producer with state here, by producer id (DescribeProducers).
  std::vector<ProducerEntry> entries() const;
  void clear() { producers_.clear(); }

  // Snapshot file: our own format, CRC-32C protected. Returns false (leaving the state
  // empty) when the file is missing or corrupt.
  bool write_snapshot(const std::string& path, int64_t offset) const;
  bool load_snapshot(const std::string& path, int64_t& offset);

 private:
  struct Staged {
    int64_t producer_id;
    int16_t epoch;
    ProducerBatchMeta meta;
    bool epoch_only;
  };
  ProducerEntry* staged_entry_for(int64_t producer_id);

  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::vector<Staged> staged_;                 // batches of the append in progress
  std::vector<ProducerEntry> staged_entries_;  // working copies touched by it
};

}  // namespace samsa::storage
