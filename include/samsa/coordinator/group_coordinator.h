// The group coordinator: consumer groups and their committed offsets, as Apache
// Kafka's GroupCoordinator (3.9) behaves on a cluster of one broker that is the
// coordinator of every group.
//
// It owns the classic rebalance protocol (JoinGroup / SyncGroup / Heartbeat /
// LeaveGroup, states Empty -> PreparingRebalance -> CompletingRebalance -> Stable,
// Dead), static membership, the KIP-848 consumer protocol (ConsumerGroupHeartbeat /
// ConsumerGroupDescribe, with server-side assignors and incremental reconciliation;
// see consumer_group.h and assignor.h), committed offsets, and their persistence in
// the internal log `__consumer_offsets` (see group_log.h). A group is either classic
// or consumer; an empty group of one type turns into the other when a member of the
// other protocol joins, a non-empty one refuses it.
//
// It knows nothing of sockets or Asio: time and timers come from a Scheduler, answers
// that must wait (a join until the rebalance completes, a commit until it is durable)
// are callbacks. Every method runs on the event loop, as do the callbacks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "samsa/coordinator/group_log.h"
#include "samsa/coordinator/group_types.h"
#include "samsa/util/scheduler.h"

namespace samsa::config {
struct BrokerConfig;
}
namespace samsa::storage {
class LogManager;
}

namespace samsa::coordinator {

struct GroupConfig {
  int32_t initial_rebalance_delay_ms = 3000;             // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 6000;                 // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;              // group.max.session.timeout.ms
  int32_t max_size = 2147483647;                         // group.max.size
  int64_t offsets_retention_ms = 10080LL * 60000;        // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;  // offsets.retention.check.interval.ms
  int32_t offset_metadata_max_bytes = 4096;              // offset.metadata.max.bytes
  // How long a member that joined during a rebalance may take to rejoin (Kafka's
  // GroupCoordinator.NewMemberJoinTimeoutMs).
  int32_t new_member_join_timeout_ms = 300000;
  // The log is rewritten (snapshot, then old records dropped) once it holds this many
  // records more than there are live keys.
  int64_t compact_after_dead_records = 100000;

  // KIP-848 consumer groups.
  std::vector<std::string> consumer_assignors = {"uniform", "range"};  // group.consumer.assignors
  int32_t consumer_session_timeout_ms = 45000;    // group.consumer.session.timeout.ms
  int32_t consumer_heartbeat_interval_ms = 5000;  // group.consumer.heartbeat.interval.ms
  int32_t consumer_max_size = 2147483647;         // group.consumer.max.size

  static GroupConfig from_broker(const config::BrokerConfig& config);
};

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
const char* to_string(GroupState state);

class GroupCoordinator {
 public:
  GroupCoordinator(GroupConfig config, Scheduler& scheduler, storage::LogManager& logs);
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Opens (creating if needed) __consumer_offsets, rebuilds groups and offsets from it
  // (groups come back Empty with their generation), compacts it when it holds mostly
  // superseded records, and starts the offset-expiry timer. Call once, before any
  // request. Throws std::runtime_error / std::system_error on I/O failure.
  void load();
  // Stops the timers and answers every waiting join or sync with NOT_COORDINATOR so
  // that clients look for the coordinator again. Idempotent.
  void shutdown();

  // ---- classic protocol
  void join_group(JoinGroupParams params, JoinCallback done);
  void sync_group(SyncGroupParams params, SyncCallback done);
  ErrorCode heartbeat(const HeartbeatParams& params);
  LeaveGroupResult leave_group(const std::string& group_id,
                               const std::vector<LeavingMember>& members);

  // ---- KIP-848 consumer protocol. Consumer group state (members, epochs, assignments)
  // lives in memory only: after a restart members get UNKNOWN_MEMBER_ID / GROUP_ID_NOT_FOUND
  // and rejoin with epoch 0; committed offsets are durable as for classic groups.
  ConsumerGroupHeartbeatResult consumer_group_heartbeat(ConsumerGroupHeartbeatParams params);
  ConsumerGroupDescription describe_consumer_group(const std::string& group_id) const;

  // ---- offsets
  void commit_offsets(OffsetCommitParams params, OffsetCommitCallback done);
  OffsetFetchResult fetch_offsets(const OffsetFetchParams& params) const;

  // ---- transactions (the transaction coordinator is the caller of the second)
  // TxnOffsetCommit: the offsets are written in a transactional batch of the producer
  // and stay pending (OffsetFetch with require_stable: UNSTABLE_OFFSET_COMMIT) until
  // the transaction ends.
  void txn_commit_offsets(TxnOffsetCommitParams params, OffsetCommitCallback done);
  // Writes the transaction marker of `producer_id` into __consumer_offsets and, once it
  // is durable, makes the transaction's offsets committed (or drops them).
  void complete_transaction(int64_t producer_id, int16_t producer_epoch, bool commit,
                            std::function<void(ErrorCode)> done);
  void delete_offsets(const std::string& group_id, const std::vector<TopicPartition>& partitions,
                      std::function<void(OffsetDeleteResult)> done);

  // ---- administration
  GroupDescription describe_group(const std::string& group_id) const;
  // Filters compare case-insensitively; empty filters match everything.
  std::vector<GroupListing> list_groups(const std::vector<std::string>& states,
                                        const std::vector<std::string>& types) const;
  // One error per group, once the tombstones are durable.
  void delete_groups(const std::vector<std::string>& group_ids,
                     std::function<void(std::vector<ErrorCode>)> done);

  // Drops offsets past offsets.retention.minutes (empty groups) and the empty groups
  // left without offsets. Runs from a timer; public for tests. Returns offsets removed.
  size_t expire_offsets();
  // Rewrites the log as a snapshot of the live state (see GroupLog::compact).
  void compact_log();

  // ---- introspection (tests, DescribeGroups)
  std::optional<GroupState> group_state(const std::string& group_id) const;
  int32_t generation(const std::string& group_id) const;  // -1 when unknown
  std::optional<std::string> leader(const std::string& group_id) const;
  size_t member_count(const std::string& group_id) const;
  size_t group_count() const { return groups_.size(); }
  const GroupConfig& config() const { return config_; }

 private:
  struct Member;
  struct Group;
  struct ConsumerGroup;

  Group* find(const std::string& group_id) const;
  Group& create_group(const std::string& group_id);
  void remove_group(const std::string& group_id);
  void transition(Group& g, GroupState state);
  std::string new_member_id(const std::string& client_id) const;

  // Join paths.
  void join_unknown_member(Group& g, JoinGroupParams& params, JoinCallback& done);
  void join_known_member(Group& g, JoinGroupParams& params, JoinCallback& done);
  void add_member_and_rebalance(Group& g, const std::string& member_id, JoinGroupParams& params,
                                JoinCallback done);
  void update_member_and_rebalance(Group& g, Member& m, JoinGroupParams& params, JoinCallback done);
  void replace_static_member(Group& g, const std::string& old_id, const std::string& new_id,
                             JoinGroupParams& params, JoinCallback done);
  bool accepts_joining_member(const Group& g, const std::string& member_id) const;
  bool supports_protocols(const Group& g, const std::string& type,
                          const std::vector<GroupProtocol>& protocols) const;
  std::string select_protocol(const Group& g) const;
  JoinGroupResult current_join_result(const Group& g, const Member& m, bool as_leader) const;

  // Rebalance machinery.
  void maybe_prepare_rebalance(Group& g);
  void prepare_rebalance(Group& g);
  void on_initial_join_timer(const std::string& group_id);
  void maybe_complete_join(Group& g);
  void complete_join(Group& g);
  void propagate_assignment(Group& g, ErrorCode error);
  void remove_member(Group& g, const std::string& member_id, ErrorCode answer);
  void remove_member_and_update_group(Group& g, const std::string& member_id);
  void schedule_session(Group& g, Member& m, int64_t timeout_ms);
  void on_session_expired(const std::string& group_id, const std::string& member_id);
  void add_pending_member(Group& g, const std::string& member_id, int32_t session_timeout_ms);
  void remove_pending_member(Group& g, const std::string& member_id);
  bool is_static_member_fenced(const Group& g, const std::optional<std::string>& instance_id,
                               const std::string& member_id) const;

  // KIP-848 consumer groups (consumer_group_coordinator.cpp).
  std::optional<ConsumerGroupHeartbeatResult> validate_heartbeat(
      const ConsumerGroupHeartbeatParams& p) const;
  ConsumerGroupHeartbeatResult consumer_group_leave(const ConsumerGroupHeartbeatParams& p);
  void become_consumer_group(Group& g);
  void fence_consumer_member(Group& g, const std::string& member_id);
  void refresh_subscription_metadata(ConsumerGroup& cg, bool& bump);
  // The existing topics a member subscribes to, by name or by regex (cached in cg).
  std::set<std::string> member_topics(ConsumerGroup& cg, const std::string& member_id) const;
  void update_target_assignment(ConsumerGroup& cg);
  void schedule_consumer_session(Group& g, const std::string& member_id);
  void schedule_rebalance_timeout(Group& g, const std::string& member_id, int32_t epoch,
                                  int32_t timeout_ms);
  void cancel_consumer_timers(ConsumerGroup& cg, const std::string& member_id);
  void cancel_consumer_timers(ConsumerGroup& cg);
  bool classic_group_is_empty(const Group& g) const;
  ErrorCode validate_consumer_commit(const Group& g, const OffsetCommitParams& p) const;
  ErrorCode validate_consumer_fetch(const Group& g, const OffsetFetchParams& p) const;
  bool consumer_group_subscribes(const Group& g, const std::string& topic) const;
  // Appends the group's state when it changed since it was last stored (no wait: a
  // change lost in a crash costs its members a rejoin, as without persistence).
  void store_consumer_group(Group& g);
  // The tombstone of a consumer group's record, when one was stored.
  std::optional<LogRecord> consumer_group_tombstone(const Group& g) const;
  void apply_consumer_group_record(const std::string& group_id,
                                   std::optional<ConsumerGroupModel> model);

  // Persistence.
  GroupValue group_value(const Group& g) const;
  void store_group(Group& g, std::function<void(ErrorCode)> done);
  void apply_group_record(const std::string& group_id, std::optional<GroupValue> value);
  // `commit`: a commit (it supersedes earlier pending transactional offsets), not a
  // record of a compaction snapshot.
  void apply_offset_record(bool commit, const std::string& group_id, const TopicPartition& tp,
                           std::optional<OffsetValue> value);
  void apply_txn_offset_record(int64_t producer_id, const std::string& group_id,
                               const TopicPartition& tp, std::optional<OffsetValue> value);
  void apply_txn_end(int64_t producer_id, bool commit);
  std::vector<LogRecord> snapshot() const;
  void schedule_expiry();
  ErrorCode validate_commit(Group* g, const OffsetCommitParams& params) const;
  // Checks each entry (partition exists, metadata size) into `errors` and turns the
  // accepted ones into log records and the values to apply (OffsetCommit, TxnOffsetCommit).
  void prepare_offsets(const Group& g, const std::vector<OffsetCommitEntry>& entries, int64_t now,
                       std::vector<ErrorCode>& errors, std::vector<LogRecord>& records,
                       std::vector<std::pair<TopicPartition, OffsetValue>>& values) const;
  // What every request gets before the groups are loaded or after shutdown:
  // NOT_COORDINATOR once shut down, COORDINATOR_LOAD_IN_PROGRESS until loaded, else NONE.
  ErrorCode unavailable() const {
    if (shut_down_) return ErrorCode::NOT_COORDINATOR;
    if (!loaded_) return ErrorCode::COORDINATOR_LOAD_IN_PROGRESS;
    return ErrorCode::NONE;
  }

  GroupConfig config_;
  Scheduler& scheduler_;
  storage::LogManager& logs_;
  GroupLog log_;
  std::map<std::string, std::unique_ptr<Group>, std::less<>> groups_;
  std::map<int64_t, std::set<std::string>>
      txn_groups_;  // producer id -> groups with pending offsets
  Scheduler::TaskId expiry_task_ = 0;
  uint64_t join_sequence_ = 0;  // orders members by first join (leader choice)
  int64_t records_in_log_ = 0;  // written since the last snapshot, plus the snapshot
  bool loaded_ = false;
  bool shut_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards late callbacks
};

}  // namespace samsa::coordinator
