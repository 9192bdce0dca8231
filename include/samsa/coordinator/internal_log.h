// A coordinator's durable state as an internal topic of one partition (Kafka's
// `__consumer_offsets`, `__transaction_state`): key/value records in ordinary v2 batches,
// appended and made durable before the coordinator acts on them, replayed at start.
// The codecs (what a key or value means) belong to the coordinator that owns the topic.
//
// The topic is created on the first write, as Kafka creates its internal topics on
// first use, so a broker whose clients never use the feature carries no such topic.
//
// Storage does not compact, so the log bounds itself: compact() appends one snapshot of
// every live key, waits for it to be durable and then moves the log start past what it
// supersedes. The start never passes the log's last stable offset, so transactional
// records still waiting for their marker are replayed after a restart.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/partition_log.h"

namespace samsa::storage {
class LogManager;
}  // namespace samsa::storage

namespace samsa::coordinator {

using Bytes = std::vector<uint8_t>;

// One record to write: a key and a value, or a tombstone (value nullopt).
struct LogRecord {
  Bytes key;
  std::optional<Bytes> value;
};

// Who writes a batch: nobody in particular (the coordinator itself), or a
// transactional producer whose records count only once its commit marker follows.
struct BatchProducer {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool transactional = false;
};

class InternalLog {
 public:
  // What replay() reports, in log order.
  struct Visitor {
    // Every record of a data batch; `batch` tells whether it is transactional and whose.
    std::function<void(const storage::BatchHeader& batch, const storage::RecordView& record)>
        on_record;
    // A transaction marker (control batch) of `producer_id`.
    std::function<void(int64_t producer_id, storage::MarkerType type)> on_marker;
  };

  InternalLog(storage::LogManager& logs, std::string topic, int32_t segment_bytes)
      : logs_(logs), topic_(std::move(topic)), segment_bytes_(segment_bytes) {}

  // Visits every record from the log start. Returns the number of data records.
  // Throws std::system_error when a segment cannot be read.
  size_t replay(const Visitor& visitor);
  // Appends the records (in batches of a bounded size); `done(error)` runs on the loop
  // once they are durable, or at once with the append error.
  void append(std::span<const LogRecord> records, int64_t now_ms,
              std::function<void(ErrorCode)> done, const BatchProducer& producer = {});
  // Appends `live` (the whole current state) and, once durable, makes it the start of
  // the log (bounded by the last stable offset). Records appended after it stay.
  void compact(std::span<const LogRecord> live, int64_t now_ms);

  // The partition, or nullptr until the first write.
  storage::PartitionLog* log() const;
  // The partition, created when missing; nullptr (with a log line) when that fails.
  storage::PartitionLog* log_for_write();
  const std::string& topic() const { return topic_; }
  int64_t start_offset() const;
  int64_t end_offset() const;

 private:
  ErrorCode append_now(std::span<const LogRecord> records, int64_t now_ms,
                       const BatchProducer& producer, int64_t& first, int64_t& last);

  storage::LogManager& logs_;
  std::string topic_;
  int32_t segment_bytes_;
};

}  // namespace samsa::coordinator
