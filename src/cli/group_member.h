// One member of a classic consumer group (the protocol before KIP-848, which every
// Kafka broker speaks), for `samsa consume -g`: it finds the coordinator, joins with a
// subscription to one topic, assigns the partitions by range when the coordinator makes
// it the leader, syncs, heartbeats, commits offsets and leaves, as the Java consumer
// does with its defaults (session 45 s, heartbeat every 3 s, auto-commit every 5 s,
// the eager "range" protocol).
//
// It keeps no fetch positions: the consumer asks it between fetches whether the group
// still stands (heartbeat_if_due), hands it the positions to commit, and on a rebalance
// commits and joins again. The calls block; JoinGroup may wait for a whole rebalance.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "consumer_protocol.h"
#include "records.h"

namespace samsa::cli {

class GroupMember {
 public:
  struct Settings {
    std::string group;
    std::string topic;
    std::chrono::milliseconds session_timeout{45'000};     // session.timeout.ms
    std::chrono::milliseconds rebalance_timeout{300'000};  // max.poll.interval.ms
    std::chrono::milliseconds heartbeat_interval{3'000};   // heartbeat.interval.ms
    std::chrono::milliseconds commit_interval{5'000};      // auto.commit.interval.ms
  };

  GroupMember(Session& session, Settings settings);

  // Joins (again): JoinGroup until the coordinator takes the member, the leader's
  // assignment, SyncGroup; again while the group keeps rebalancing. Returns this
  // member's partitions of the topic, sorted (maybe none), or none at once after a stop
  // request (also while the broker holds JoinGroup). Throws KafkaError on errors no
  // retry can fix (an unauthorized group, a group of another protocol).
  std::vector<int32_t> join();

  // The group's committed offsets of `partitions` of the topic (OffsetFetch); a
  // partition without one is absent. They are what commit() compares against.
  std::map<int32_t, int64_t> committed(const std::vector<int32_t>& partitions);

  // Heartbeats if one is due. False when the member must join again (the group is
  // rebalancing, or it lost its membership): commit first what was consumed.
  bool heartbeat_if_due();
  std::chrono::milliseconds until_heartbeat() const;

  bool commit_due() const;
  // Commits the `positions` (partition -> next offset to read) that differ from what the
  // group has. False when the group refused them because it moved on (a rebalance, a
  // new generation): join again. Does nothing before the member has joined.
  bool commit(const std::map<int32_t, int64_t>& positions);

  // LeaveGroup, so the others get the partitions now rather than after the session
  // timeout. Best effort: a failure is a warning on stderr.
  void leave();

  const std::string& member_id() const noexcept { return member_id_; }
  int32_t generation() const noexcept { return generation_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Step { kDone, kRejoin };

  std::vector<int32_t> join_until_assigned();
  client::Wait rebalance_wait() const;
  client::Connection& coordinator();
  void coordinator_error(int16_t code, const std::string& context);
  Step join_group(std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember>& members,
                  bool& leader, std::string& protocol_name);
  std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment> assign(
      const std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember>& members);
  Step sync_group(const std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment>& given,
                  const std::string& protocol_name, std::vector<int32_t>& mine);
  // REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: the member must join
  // again (forgetting its id on the last). False for other codes.
  bool must_rejoin(ErrorCode code);

  Session& session_;
  Settings settings_;
  std::string member_id_;
  int32_t generation_ = -1;
  bool joined_ = false;
  std::map<int32_t, int64_t> committed_;
  Clock::time_point last_heartbeat_;
  Clock::time_point last_commit_;
  client::Connection* coordinator_ = nullptr;
  int coordinator_client_ = -1;  // session_.reconnects() when coordinator_ was found
};

}  // namespace samsa::cli
