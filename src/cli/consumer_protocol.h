// The bytes a classic consumer group passes through the coordinator without reading
// them: each member's subscription (JoinGroup metadata of protocol type "consumer") and
// the assignment the leader hands out (SyncGroup), in the layout of Kafka's
// ConsumerProtocolSubscription and ConsumerProtocolAssignment (versions 0-3, never
// flexible). Also the range assignor that the leader runs over the subscriptions, as
// Kafka's RangeAssignor does it without racks. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace samsa::cli::consumer_protocol {

inline constexpr int16_t kHighestVersion = 3;

// topic -> partitions
using TopicPartitions = std::map<std::string, std::vector<int32_t>>;

struct Subscription {
  int16_t version = kHighestVersion;
  std::vector<std::string> topics;
  std::optional<std::vector<uint8_t>> user_data;
  TopicPartitions owned;               // v1+
  int32_t generation_id = -1;          // v2+
  std::optional<std::string> rack_id;  // v3+
};

struct Assignment {
  int16_t version = kHighestVersion;
  TopicPartitions partitions;
  std::optional<std::vector<uint8_t>> user_data;
};

// Fields the version does not have are left out. Throws std::invalid_argument for a
// negative version.
std::vector<uint8_t> encode(const Subscription& subscription);
std::vector<uint8_t> encode(const Assignment& assignment);

// Read as Kafka's clients read them: a version above 3 is read as far as version 3 goes
// (later versions only append fields), and bytes past the known fields are ignored.
// Throws protocol::DecodeError on bytes that are cut short or a negative version.
// An empty assignment (what a member gets that the leader gave nothing) decodes to no
// partitions.
Subscription decode_subscription(std::span<const uint8_t> bytes);
Assignment decode_assignment(std::span<const uint8_t> bytes);

struct RangeMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::string> topics;  // subscribed
};

// Kafka's RangeAssignor: per topic, the subscribed members in order (static members by
// instance id first, then the others by member id) each take a contiguous range of
// partitions, the first (partitions % members) of them one more. Topics missing from
// `partition_counts` are not assigned. Every member has an entry, maybe empty.
std::map<std::string, TopicPartitions> range_assign(
    const std::vector<RangeMember>& members,
    const std::map<std::string, int32_t>& partition_counts);

}  // namespace samsa::cli::consumer_protocol
