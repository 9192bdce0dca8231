// The durable state of the transaction coordinator: the internal topic
// `__transaction_state` (one partition, compacted by snapshot; see internal_log.h), one
// record per state change of a transactional id, in the layout of Kafka's own topic:
//   key   v0: transactional id
//   value v1: producer id, producer epoch, timeout, state, partitions,
//             last update timestamp, start timestamp; tagged: the previous and next
//             producer ids and the client's transaction version (KIP-890)
// Values are written as v1 (flexible) and read as v0 or v1.
// A null value (tombstone) removes an expired transactional id. The latest record wins.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/coordinator/group_types.h"
#include "samsa/coordinator/internal_log.h"

namespace samsa::coordinator {

// Kafka's transaction states, with their ids in the log.
enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
  kDead = 6,
  kPrepareEpochFence = 7,
};
// Kafka's names ("Ongoing", "CompleteCommit", ...), as ListTransactions filters them.
const char* to_string(TxnState state);
std::optional<TxnState> txn_state_from_string(std::string_view name);

// What the log keeps of one transactional id.
struct TxnValue {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  std::vector<TopicPartition> partitions;  // sorted
  int64_t last_update_ms = -1;
  int64_t start_ms = -1;  // of the ongoing (or last) transaction, -1 when none
  // Transactions v2 (KIP-890): the producer id before a rotation at the end of a
  // transaction, the one it rotates to while the end is prepared, and the transaction
  // version the client used (2: the epoch goes up at every end).
  int64_t previous_producer_id = -1;
  int64_t next_producer_id = -1;
  int16_t client_transaction_version = 0;
};

Bytes encode_txn_key(const std::string& transactional_id);
Bytes encode_txn_value(const TxnValue& value);

class TransactionLog {
 public:
  static constexpr const char* kTopic = "__transaction_state";
  static constexpr int32_t kSegmentBytes =
      100 * 1024 * 1024;  // transaction.state.log.segment.bytes

  explicit TransactionLog(storage::LogManager& logs, int32_t segment_bytes = kSegmentBytes)
      : log_(logs, kTopic, segment_bytes) {}

  // Calls `visit` for every decodable record from the log start, in order; records
  // in an unknown format are skipped and counted. Returns the records read.
  size_t replay(
      const std::function<void(const std::string& id, std::optional<TxnValue> value)>& visit);
  // `done(error)` once the record is durable (or at once with the append error).
  void append(const std::string& transactional_id, const std::optional<TxnValue>& value,
              int64_t now_ms, std::function<void(ErrorCode)> done);
  void compact(std::span<const LogRecord> live, int64_t now_ms) { log_.compact(live, now_ms); }

  size_t skipped_records() const { return skipped_; }

 private:
  InternalLog log_;
  size_t skipped_ = 0;
};

}  // namespace samsa::coordinator
