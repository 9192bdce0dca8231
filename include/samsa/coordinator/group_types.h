// The group coordinator's requests and answers, in its own small types so that the
// coordinator does not depend on wire versions: the broker's handlers translate the
// decoded protocol messages into these and back.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "samsa/protocol/error_code.h"

namespace samsa::coordinator {

using Bytes = std::vector<uint8_t>;

// Kafka's client host as DescribeGroups shows it ("/10.0.0.1") from a peer "ip:port".
inline std::string client_host_from_peer(const std::string& peer) {
  const auto colon = peer.rfind(':');
  return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// A topic's 16-byte id, the same type as storage::TopicId.
using TopicId = std::array<uint8_t, 16>;

// Partitions of one topic by id, as the KIP-848 APIs carry them (the name only in
// ConsumerGroupDescribe).
struct TopicIdPartitions {
  TopicId topic_id{};
  std::string topic_name;
  std::vector<int32_t> partitions;  // ascending
  bool operator==(const TopicIdPartitions&) const = default;
};

// ---- classic protocol: JoinGroup / SyncGroup / Heartbeat / LeaveGroup

struct GroupProtocol {
  std::string name;  // the assignor, e.g. "range"
  Bytes metadata;    // the member's subscription, opaque to the coordinator
};

struct JoinGroupParams {
  std::string group_id;
  std::string member_id;  // "" on a first join
  std::optional<std::string> group_instance_id;
  std::string protocol_type;  // "consumer", "connect", ...
  std::vector<GroupProtocol> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1 (v0): the session timeout
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;   // JoinGroup v4+ (KIP-394)
  bool supports_skip_assignment = false;  // JoinGroup v9+ (KIP-814)
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Bytes metadata;
};

struct JoinGroupResult {
  ErrorCode error = ErrorCode::NONE;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<JoinedMember> members;  // only for the leader
};
using JoinCallback = std::function<void(JoinGroupResult)>;

struct SyncGroupParams {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;                // v5+
  std::optional<std::string> protocol_name;                // v5+
  std::vector<std::pair<std::string, Bytes>> assignments;  // leader only
};

struct SyncGroupResult {
  ErrorCode error = ErrorCode::NONE;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  Bytes assignment;
};
using SyncCallback = std::function<void(SyncGroupResult)>;

struct HeartbeatParams {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeavingMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeaveGroupResult {
  ErrorCode error = ErrorCode::NONE;  // group-level
  std::vector<ErrorCode> members;     // one per LeavingMember, in order
};

// ---- offsets

struct OffsetCommitEntry {
  TopicPartition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
};

struct OffsetCommitParams {
  std::string group_id;
  int32_t generation_id_or_member_epoch = -1;  // -1 with member "": an admin commit
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitEntry> entries;
};
// TxnOffsetCommit: offsets committed inside `producer_id`'s transaction.
struct TxnOffsetCommitParams {
  std::string transactional_id;
  std::string group_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t generation_id = -1;  // -1 with member "": no group membership to check
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitEntry> entries;
};

// One error per entry, in order; called once the commit is durable (or failed).
using OffsetCommitCallback = std::function<void(std::vector<ErrorCode>)>;

struct OffsetFetchParams {
  std::string group_id;
  std::optional<std::vector<TopicPartition>> partitions;  // nullopt: all committed
  bool require_stable = false;
  std::optional<std::string> member_id;  // v9+, checked for consumer groups only
  int32_t member_epoch = -1;
};

struct FetchedOffset {
  TopicPartition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata = std::string();
  ErrorCode error = ErrorCode::NONE;
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::NONE;
  std::vector<FetchedOffset> offsets;
};

struct OffsetDeleteResult {
  ErrorCode error = ErrorCode::NONE;
  std::vector<ErrorCode> partitions;  // one per requested partition
};

// ---- KIP-848 consumer protocol: ConsumerGroupHeartbeat / ConsumerGroupDescribe

struct ConsumerGroupHeartbeatParams {
  std::string group_id;
  std::string member_id;     // "" on a first v0 heartbeat: the coordinator names the member
  int32_t member_epoch = 0;  // 0 join, -1 leave, -2 static member leaves for a while
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  int32_t rebalance_timeout_ms = -1;  // -1: unchanged
  // nullopt: unchanged since the last heartbeat.
  std::optional<std::vector<std::string>> subscribed_topic_names;
  std::optional<std::string> subscribed_topic_regex;  // v1+
  std::optional<std::string> server_assignor;
  std::optional<std::vector<TopicIdPartitions>> owned_partitions;
  std::string client_id;
  std::string client_host;
  // v1+ (KIP-1082): clients generate their member id, so it may never be empty.
  bool member_id_required = false;
};

struct ConsumerGroupHeartbeatResult {
  ErrorCode error = ErrorCode::NONE;
  std::optional<std::string> error_message;
  std::optional<std::string> member_id;
  int32_t member_epoch = 0;
  int32_t heartbeat_interval_ms = 0;
  // Set when the member must (re)learn its assignment: full requests, and whenever it
  // changed. Revocations show as partitions missing from it.
  std::optional<std::vector<TopicIdPartitions>> assignment;
};

struct DescribedConsumerMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  int32_t member_epoch = 0;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topic_names;
  std::optional<std::string> subscribed_topic_regex;
  std::vector<TopicIdPartitions> assignment;
  std::vector<TopicIdPartitions> target_assignment;
};

struct ConsumerGroupDescription {
  ErrorCode error = ErrorCode::NONE;
  std::optional<std::string> error_message;
  std::string group_id;
  std::string state;  // "Empty", "Assigning", "Reconciling", "Stable"
  int32_t group_epoch = 0;
  int32_t assignment_epoch = 0;
  std::string assignor_name;
  std::vector<DescribedConsumerMember> members;
};

// ---- administration

struct DescribedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Bytes metadata;
  Bytes assignment;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::NONE;
  std::string group_id;
  std::string state;  // Kafka's names: "Empty", "Stable", ..., "Dead"
  std::string protocol_type;
  std::string protocol;
  std::vector<DescribedMember> members;
};

struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  std::string state;
  std::string type;  // "classic" or "consumer"
};

}  // namespace samsa::coordinator
