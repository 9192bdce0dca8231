// Per-topic log settings with Kafka's defaults: built from the broker's `log.*`
// properties, then overridden by topic-level configs (CreateTopics, AlterConfigs).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage {

using ConfigMap = std::map<std::string, std::string>;

struct LogConfig {
  static constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

  int64_t segment_bytes = 1073741824;  // segment.bytes
  int64_t segment_ms = 604800000;      // segment.ms (7 days)
  int64_t retention_ms = 604800000;    // retention.ms, -1 = forever
  int64_t retention_bytes = -1;        // retention.bytes, -1 = unlimited
  int32_t max_message_bytes = 1048588;
  TimestampType message_timestamp_type = TimestampType::kCreateTime;
  std::string cleanup_policy = "delete";  // delete, compact, or both
  // Compaction (cleanup.policy compact). Kept in `passthrough` too, as given, so that
  // they are reported as they were set.
  double min_cleanable_dirty_ratio = 0.5;    // min.cleanable.dirty.ratio, [0, 1]
  int64_t min_compaction_lag_ms = 0;         // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = kNoLimit;  // max.compaction.lag.ms, >= 1
  int64_t delete_retention_ms = 86400000;    // delete.retention.ms (1 day)
  int32_t index_interval_bytes = 4096;
  int32_t segment_index_bytes = 10485760;
  int64_t flush_messages = kNoLimit;  // flush.messages
  int64_t flush_ms = kNoLimit;        // flush.ms
  int32_t min_insync_replicas = 1;
  std::string compression_type = "producer";  // a codec here: batches are recompressed
  // Topic keys Kafka knows that samsa accepts and reports but does not act on.
  ConfigMap passthrough;

  // The codec compression.type asks every stored batch to have, or none for "producer"
  // (batches are kept as the producer compressed them).
  std::optional<Compression> target_compression() const;

  // cleanup.policy includes "delete": retention and DeleteRecords may remove segments.
  bool deletes_segments() const { return cleanup_policy.find("delete") != std::string::npos; }
  // cleanup.policy includes "compact": the log cleaner deduplicates it by key.
  bool compacts() const { return cleanup_policy.find("compact") != std::string::npos; }

  // Broker defaults from server properties (log.segment.bytes, log.roll.ms/hours,
  // log.retention.ms/minutes/hours, log.retention.bytes, message.max.bytes,
  // log.message.timestamp.type, log.cleanup.policy, log.index.interval.bytes,
  // log.index.size.max.bytes, log.flush.interval.messages/ms, min.insync.replicas,
  // compression.type, log.cleaner.min.cleanable.ratio, log.cleaner.min/max.compaction.lag.ms,
  // log.cleaner.delete.retention.ms). Unrelated keys are ignored.
  static ErrorCode from_broker(const ConfigMap& props, LogConfig& out, std::string& message);

  // Returns a copy with topic-level overrides applied. Unknown keys and bad values give
  // INVALID_CONFIG with a message, and leave `out` untouched.
  ErrorCode with_overrides(const ConfigMap& overrides, LogConfig& out, std::string& message) const;

  // Every topic-level key with its current value as Kafka prints it.
  ConfigMap to_topic_configs() const;

  static bool is_topic_key(std::string_view key);
  // The topic-level keys samsa knows (acted on or stored), e.g. for DescribeConfigs.
  static const std::vector<std::string>& topic_keys();
};

}  // namespace samsa::storage
