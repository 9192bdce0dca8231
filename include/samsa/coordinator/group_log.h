// The durable state of the group coordinator: the internal topic `__consumer_offsets`
// (one partition, cleanup.policy=compact; see internal_log.h), with keys and values in
// the layout of Kafka's own offsets topic:
//   offset commit  key v1: group, topic, partition      value v3: offset, leader epoch,
//                                                        metadata, commit timestamp
//   group metadata key v2: group                        value v3: protocol type,
//                  generation, protocol, leader, state timestamp, members
//   consumer group key 0x7f01: group                value v0: a KIP-848 group's whole
//                  state (see encode_consumer_group_value)
// A null value (tombstone) deletes the key. The latest record for a key wins.
// Offsets committed inside a transaction (TxnOffsetCommit) are written in transactional
// batches of the producer and count only once its commit marker follows, as in Kafka.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "samsa/coordinator/consumer_group.h"
#include "samsa/coordinator/group_types.h"
#include "samsa/coordinator/internal_log.h"
#include "samsa/protocol/error_code.h"

namespace samsa::storage {
class LogManager;
class PartitionLog;
}  // namespace samsa::storage

namespace samsa::coordinator {

struct OffsetValue {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
};

struct StoredMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  Bytes subscription;
  Bytes assignment;
};

struct GroupValue {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t state_timestamp = -1;
  std::vector<StoredMember> members;
};

// `compacted`: a record of the snapshot compaction writes (the group's state), keyed
// with version 0 rather than the version 1 of commits. Both are Kafka offset-commit
// keys; replay tells them apart because a snapshot record is no commit: it must not
// supersede a pending transactional offset written before the snapshot, which the log
// keeps below it (see Group::PendingTxnOffset).
Bytes encode_offset_key(const std::string& group, const TopicPartition& tp, bool compacted = false);
Bytes encode_offset_value(const OffsetValue& value);
Bytes encode_group_key(const std::string& group);
Bytes encode_group_value(const GroupValue& value);

// A KIP-848 consumer group: epochs, the subscribed topics' metadata, each member with
// its subscription and current assignment, and the target assignment. Kafka spreads
// this over six record types (key versions 3-8), one per member and aspect; samsa
// writes the group whole, in one record of its own type whenever it changes, so a
// replay never sees half of a change. Key version 0x7f01 is far above Kafka's record
// types, and a reader that does not know it (an older samsa) skips it.
inline constexpr int16_t kConsumerGroupKeyVersion = 0x7f01;
Bytes encode_consumer_group_key(const std::string& group);
Bytes encode_consumer_group_value(const ConsumerGroupModel& group);

// What replay() reports, record by record, in log order.
struct GroupLogVisitor {
  std::function<void(const std::string& group, const TopicPartition&, std::optional<OffsetValue>)>
      on_offset;
  std::function<void(const std::string& group, std::optional<GroupValue>)> on_group;
  std::function<void(const std::string& group, std::optional<ConsumerGroupModel>)>
      on_consumer_group;
  // An offset committed inside `producer_id`'s transaction, and the marker that ends it.
  std::function<void(int64_t producer_id, const std::string& group, const TopicPartition&,
                     std::optional<OffsetValue>)>
      on_txn_offset;
  std::function<void(int64_t producer_id, bool committed)> on_txn_marker;
  // An offset of a compaction snapshot (key version 0); on_offset when unset.
  std::function<void(const std::string& group, const TopicPartition&, std::optional<OffsetValue>)>
      on_compacted_offset;
};

class GroupLog {
 public:
  static constexpr const char* kTopic = "__consumer_offsets";
  static constexpr int32_t kSegmentBytes = 100 * 1024 * 1024;  // offsets.topic.segment.bytes

  explicit GroupLog(storage::LogManager& logs) : log_(logs, kTopic, kSegmentBytes) {}

  // Decodes every record from the log start. Undecodable records are skipped and
  // counted (a newer format would land here). Returns the number of records read.
  size_t replay(const GroupLogVisitor& visitor, int64_t now_ms);
  // Appends the records as one batch; `done(error)` runs on the loop once they are
  // durable, or at once with the append error. `producer`: a transaction's offsets.
  void append(std::span<const LogRecord> records, int64_t now_ms,
              std::function<void(ErrorCode)> done, const BatchProducer& producer = {}) {
    log_.append(records, now_ms, std::move(done), producer);
  }
  // Appends `live` (the whole current state) and, once durable, makes it the start of
  // the log. Records appended after the snapshot stay.
  void compact(std::span<const LogRecord> live, int64_t now_ms) { log_.compact(live, now_ms); }

  // The partition (nullptr until the first write), and created when missing: the
  // transaction coordinator writes its markers here.
  storage::PartitionLog* partition() const { return log_.log(); }
  storage::PartitionLog* partition_for_write() { return log_.log_for_write(); }
  int64_t start_offset() const { return log_.start_offset(); }
  int64_t end_offset() const { return log_.end_offset(); }
  size_t skipped_records() const { return skipped_; }

 private:
  InternalLog log_;
  size_t skipped_ = 0;
};

}  // namespace samsa::coordinator
