// The KIP-848 consumer group model ("group.protocol=consumer"), as Apache Kafka 3.9's
// ConsumerGroup / ConsumerGroupMember / CurrentAssignmentBuilder define it, without
// timers or I/O so that it can be tested on its own:
//
// * the group epoch moves whenever the membership, a subscription or the metadata of a
//   subscribed topic changes; the target assignment is recomputed by a server-side
//   assignor for that epoch (the assignment epoch);
// * each member then reconciles its current assignment towards its target, one
//   heartbeat at a time: partitions it must give up are revoked first (the member
//   stays at its epoch in UNREVOKED_PARTITIONS until its heartbeat no longer reports
//   them), and a partition is only handed to its new owner once no member owns it
//   any more (UNRELEASED_PARTITIONS while it waits).
//
// The group coordinator (group_coordinator.h) owns one ConsumerGroupModel per consumer
// group and adds the sessions, rebalance timeouts and the wire-facing validation.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "samsa/coordinator/group_types.h"

namespace samsa::coordinator {

// Partitions by topic id. Ordered containers keep every answer deterministic.
using Assignment = std::map<TopicId, std::set<int32_t>>;

// Kafka's MemberState (the UNKNOWN state only exists for downgrades; not needed here).
enum class MemberState { kStable, kUnrevokedPartitions, kUnreleasedPartitions };
const char* to_string(MemberState state);

// Special member epochs of the ConsumerGroupHeartbeat request.
inline constexpr int32_t kJoinGroupMemberEpoch = 0;
inline constexpr int32_t kLeaveGroupMemberEpoch = -1;
inline constexpr int32_t kLeaveGroupStaticMemberEpoch = -2;

struct ConsumerMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  int32_t member_epoch = 0;
  int32_t previous_member_epoch = 0;
  MemberState state = MemberState::kStable;
  int32_t rebalance_timeout_ms = 300000;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topic_names;  // sorted, unique
  std::optional<std::string> subscribed_topic_regex;
  std::optional<std::string> server_assignor;
  Assignment assigned;            // what the member owns now (and was told)
  Assignment pending_revocation;  // what it must still give up

  // Kafka's isReconciledTo: nothing left to do towards `assignment_epoch`.
  bool reconciled_to(int32_t assignment_epoch) const {
    return member_epoch == assignment_epoch && state == MemberState::kStable;
  }
  bool operator==(const ConsumerMember&) const = default;
};

// Kafka's CurrentAssignmentBuilder: the member's next state towards the target.
// `partition_epoch(topic, partition)` is the epoch of the member currently owning the
// partition, -1 when free. `owned` is what the heartbeat reported (nullopt: not sent).
ConsumerMember reconcile_member(
    const ConsumerMember& member, int32_t target_epoch, const Assignment& target,
    const std::function<int32_t(const TopicId&, int32_t)>& partition_epoch,
    const std::optional<Assignment>& owned);

enum class ConsumerGroupState { kEmpty, kAssigning, kReconciling, kStable };
const char* to_string(ConsumerGroupState state);

// A subscribed topic as the group last saw it; a change bumps the group epoch.
struct SubscribedTopic {
  TopicId id{};
  int32_t partitions = 0;
  bool operator==(const SubscribedTopic&) const = default;
};

// The state of one consumer group (Kafka's ConsumerGroup without the timeline).
class ConsumerGroupModel {
 public:
  int32_t group_epoch = 0;
  int32_t assignment_epoch = 0;
  std::map<std::string, SubscribedTopic> subscription_metadata;  // by topic name

  const std::map<std::string, ConsumerMember>& members() const { return members_; }
  const ConsumerMember* member(const std::string& id) const;
  const ConsumerMember* static_member(const std::string& instance_id) const;
  bool empty() const { return members_.empty(); }

  // Inserts or replaces the member and keeps the partition ownership in step.
  void update_member(ConsumerMember member);
  // Removes the member, its target assignment and its ownership of partitions.
  void remove_member(const std::string& member_id);

  const Assignment& target(const std::string& member_id) const;
  const std::map<std::string, Assignment>& targets() const { return targets_; }
  void set_targets(std::map<std::string, Assignment> targets) {
    if (targets == targets_) return;
    targets_ = std::move(targets);
    ++revision_;
  }
  // A replaced static member hands its target over to its successor.
  void move_target(const std::string& from, const std::string& to);

  // The epoch of the member owning the partition (assigned or pending revocation), -1
  // when no member owns it.
  int32_t partition_epoch(const TopicId& topic, int32_t partition) const;
  // Who owns the partition, for tests and invariants.
  const std::string* partition_owner(const TopicId& topic, int32_t partition) const;

  // Moves with every change of the members or the targets (not of the public epochs
  // and metadata, which change with the group epoch): the coordinator stores the group
  // again only when this or an epoch moved.
  uint64_t revision() const { return revision_; }

  ConsumerGroupState state() const;
  // The assignor most members asked for; `fallback` (the broker default) when none did.
  std::string preferred_assignor(const std::string& fallback) const;

 private:
  void release(const ConsumerMember& m);
  void claim(const ConsumerMember& m);

  std::map<std::string, ConsumerMember> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::map<std::string, Assignment> targets_;
  std::map<std::pair<TopicId, int32_t>, std::pair<std::string, int32_t>> owners_;
  uint64_t revision_ = 0;
};

// Helpers shared by the coordinator and the tests.
bool contains_any(const Assignment& owned, const Assignment& partitions);
bool is_subset(const Assignment& subset, const Assignment& of);
std::vector<TopicIdPartitions> to_list(const Assignment& assignment);
Assignment from_list(const std::vector<TopicIdPartitions>& list);

}  // namespace samsa::coordinator
