// The coordinator's in-memory model of a group and its members (private to the module).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "samsa/coordinator/consumer_group.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::coordinator {

struct GroupCoordinator::Member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<GroupProtocol> protocols;  // in the member's order of preference
  Bytes assignment;
  bool supports_skip_assignment = false;
  // A member that joined during the current rebalance: its session timer runs even
  // while it waits for the join to complete (Kafka's isNew).
  bool is_new = false;
  uint64_t join_sequence = 0;
  JoinCallback awaiting_join;  // set while its JoinGroup waits for the rebalance
  SyncCallback awaiting_sync;  // set while its SyncGroup waits for the leader
  Scheduler::TaskId session_task = 0;

  const Bytes* metadata_for(const std::string& protocol) const {
    for (const auto& p : protocols)
      if (p.name == protocol) return &p.metadata;
    return nullptr;
  }
};

// A KIP-848 group: the model plus the member timers and compiled subscriptions.
struct TopicRegex;  // a compiled subscribed_topic_regex with its per-topic matches
struct GroupCoordinator::ConsumerGroup {
  ConsumerGroupModel model;
  std::map<std::string, Scheduler::TaskId> session_tasks;      // by member id
  std::map<std::string, Scheduler::TaskId> rebalance_tasks;    // by member id
  std::map<std::string, std::shared_ptr<TopicRegex>> regexes;  // by pattern
  // What __consumer_offsets holds for the group: nothing yet, or the model at this
  // revision and these epochs (see GroupCoordinator::store_consumer_group).
  bool stored = false;
  uint64_t stored_revision = 0;
  int32_t stored_group_epoch = 0;
  int32_t stored_assignment_epoch = 0;

  bool stored_is_current() const {
    return stored && stored_revision == model.revision() &&
           stored_group_epoch == model.group_epoch &&
           stored_assignment_epoch == model.assignment_epoch;
  }
  void mark_stored() {
    stored = true;
    stored_revision = model.revision();
    stored_group_epoch = model.group_epoch;
    stored_assignment_epoch = model.assignment_epoch;
  }
};

struct GroupCoordinator::Group {
  std::string id;
  GroupState state = GroupState::kEmpty;
  int64_t state_timestamp = -1;
  std::string protocol_type;  // "" for a simple (offsets only) group
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int32_t generation = 0;
  std::map<std::string, std::unique_ptr<Member>> members;
  std::map<std::string, std::string> static_members;         // instance id -> member id
  std::map<std::string, Scheduler::TaskId> pending_members;  // KIP-394, with their timers
  int32_t awaiting_join = 0;
  bool new_member_added = false;  // during the initial delayed join
  Scheduler::TaskId join_task = 0;
  bool initial_join_phase = false;  // join_task is the initial-delay timer
  int64_t initial_join_remaining_ms = 0;

  // Set for a KIP-848 consumer group, whose classic fields then stay Empty/unused.
  std::unique_ptr<ConsumerGroup> consumer;

  std::map<TopicPartition, OffsetValue> offsets;
  std::map<TopicPartition, int32_t> pending_commits;  // commits not yet durable
  // Offsets committed inside a transaction, by producer id: they count once the
  // transaction commits (its marker is written) and vanish when it aborts. A plain
  // commit of the same partition written after one supersedes it: as in Kafka (which
  // compares their positions in the log), the later commit wins when the transaction
  // commits. The log keeps that order across compaction (it never compacts past the
  // oldest open transaction), so replaying it marks the same ones.
  struct PendingTxnOffset {
    OffsetValue value;
    bool superseded = false;
  };
  std::map<int64_t, std::map<TopicPartition, PendingTxnOffset>> txn_offsets;

  bool has_pending_txn_offset(const TopicPartition& tp) const {
    for (const auto& [_, offsets] : txn_offsets)
      if (offsets.count(tp)) return true;
    return false;
  }

  // A plain commit took effect: it is the group's offset, and supersedes the pending
  // transactional offsets of the partition written before it.
  void set_committed(const TopicPartition& tp, OffsetValue value) {
    offsets[tp] = std::move(value);
    for (auto& [_, pending] : txn_offsets)
      if (auto it = pending.find(tp); it != pending.end()) it->second.superseded = true;
  }

  Member* member(const std::string& id) const {
    auto it = members.find(id);
    return it == members.end() ? nullptr : it->second.get();
  }
  bool all_members_joined() const {
    return static_cast<size_t>(awaiting_join) == members.size() && pending_members.empty();
  }
  int32_t max_rebalance_timeout() const {
    int32_t t = 0;
    for (const auto& [_, m] : members) t = std::max(t, m->rebalance_timeout_ms);
    return t;
  }
};

}  // namespace samsa::coordinator
