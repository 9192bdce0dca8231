#include "group_member.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include "group_support.h"

namespace samsa::cli {

namespace {

constexpr const char* kProtocolType = "consumer";
constexpr const char* kAssignor = "range";

}  // namespace

GroupMember::GroupMember(Session& session, Settings settings)
    : session_(session), settings_(std::move(settings)) {}

client::Connection& GroupMember::coordinator() {
  if (coordinator_ == nullptr || coordinator_client_ != session_.reconnects()) {
    coordinator_ = &session_.client().group_coordinator(settings_.group);
    coordinator_client_ = session_.reconnects();
  }
  return *coordinator_;
}

// On a coordinator that is loading, gone or moved: throws the retriable KafkaError that
// makes Session try again, and the next attempt asks FindCoordinator anew. Other codes
// are left to the caller.
void GroupMember::coordinator_error(int16_t code, const std::string& context) {
  if (!group::retriable_coordinator_error(static_cast<ErrorCode>(code))) return;
  coordinator_ = nullptr;
  client::check(code, context);
}

bool GroupMember::must_rejoin(ErrorCode code) {
  switch (code) {
    case ErrorCode::UNKNOWN_MEMBER_ID:
      member_id_.clear();  // the coordinator forgot us: join as a new member
      [[fallthrough]];
    case ErrorCode::REBALANCE_IN_PROGRESS:
    case ErrorCode::ILLEGAL_GENERATION:
      joined_ = false;
      return true;
    default:
      return false;
  }
}

client::Wait GroupMember::rebalance_wait() const {
  // The coordinator answers JoinGroup once every member has joined, within the rebalance
  // timeout of the slowest: wait that long, as the Java consumer does; but not through
  // Ctrl-C.
  return {std::max(session_.client().options().connection.timeout,
                   settings_.rebalance_timeout + std::chrono::seconds(5)),
          [] { return stop_requested(); }};
}

std::vector<int32_t> GroupMember::join() {
  try {
    return join_until_assigned();
  } catch (const client::Interrupted&) {
    return {};  // a stop request; leave() still says goodbye on a new connection
  }
}

std::vector<int32_t> GroupMember::join_until_assigned() {
  joined_ = false;
  for (;;) {
    if (stop_requested()) return {};
    std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember> members;
    bool leader = false;
    std::string protocol_name;
    if (join_group(members, leader, protocol_name) == Step::kRejoin) continue;
    // The leader assigns; the others send no assignments and wait for the leader's.
    const auto given = leader
                           ? assign(members)
                           : std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment>{};
    std::vector<int32_t> mine;
    if (sync_group(given, protocol_name, mine) == Step::kRejoin) continue;
    joined_ = true;
    last_heartbeat_ = Clock::now();
    last_commit_ = Clock::now();
    return mine;
  }
}

GroupMember::Step GroupMember::join_group(
    std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember>& members, bool& leader,
    std::string& protocol_name) {
  consumer_protocol::Subscription subscription;
  subscription.topics = {settings_.topic};
  subscription.generation_id = generation_;  // eager: nothing owned while joining
  protocol::JoinGroupRequest request;
  request.group_id = settings_.group;
  request.session_timeout_ms = static_cast<int32_t>(settings_.session_timeout.count());
  request.rebalance_timeout_ms = static_cast<int32_t>(settings_.rebalance_timeout.count());
  request.protocol_type = kProtocolType;
  request.protocols = {{kAssignor, consumer_protocol::encode(subscription), {}}};
  const client::Wait wait = rebalance_wait();
  for (;;) {
    request.member_id = member_id_;
    protocol::JoinGroupResponse response;
    session_.run([&] {
      response = coordinator().call<protocol::JoinGroupResponse>(request, -1, wait).body;
      coordinator_error(response.error_code, "joining group " + settings_.group);
    });
    const auto code = static_cast<ErrorCode>(response.error_code);
    if (code == ErrorCode::MEMBER_ID_REQUIRED) {
      // JoinGroup v4+: the coordinator names the member first, then expects it back.
      member_id_ = response.member_id;
      continue;
    }
    if (must_rejoin(code)) {
      if (stop_requested()) return Step::kRejoin;
      continue;
    }
    client::check(response.error_code, "joining group " + settings_.group);
    member_id_ = response.member_id;
    generation_ = response.generation_id;
    leader = response.leader == member_id_ && !response.skip_assignment;
    protocol_name = response.protocol_name.value_or(kAssignor);
    if (protocol_name != kAssignor)
      throw client::KafkaError(ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
                               "group " + settings_.group + " chose assignor " + protocol_name +
                                   "; samsa consume speaks range only");
    members = std::move(response.members);
    return Step::kDone;
  }
}

std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment> GroupMember::assign(
    const std::vector<protocol::JoinGroupResponse::JoinGroupResponseMember>& members) {
  std::vector<consumer_protocol::RangeMember> subscribed;
  std::map<std::string, int16_t> versions;  // what each member's subscription was written in
  std::set<std::string> topics;
  for (const auto& m : members) {
    consumer_protocol::RangeMember r{m.member_id, m.group_instance_id, {}};
    try {
      const auto s = consumer_protocol::decode_subscription(m.metadata);
      r.topics = s.topics;
      versions[m.member_id] = s.version;
    } catch (const std::exception& e) {
      std::fprintf(stderr,
                   "warning: member %s of group %s sent a subscription we cannot read (%s); "
                   "it gets no partitions\n",
                   m.member_id.c_str(), settings_.group.c_str(), e.what());
    }
    topics.insert(r.topics.begin(), r.topics.end());
    subscribed.push_back(std::move(r));
  }
  // The partition count of every topic some member subscribed to; one that does not
  // exist (yet) is not assigned, as Kafka's assignors do.
  std::map<std::string, int32_t> counts;
  session_.run([&] {
    counts.clear();
    const auto reply =
        session_.client().metadata(std::vector<std::string>(topics.begin(), topics.end()));
    for (const auto& t : reply.body.topics)
      if (t.name && t.error_code == 0) counts[*t.name] = static_cast<int32_t>(t.partitions.size());
  });
  std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment> out;
  for (auto& [member, partitions] : consumer_protocol::range_assign(subscribed, counts)) {
    consumer_protocol::Assignment a;
    // Written in the member's own version, so an older client reads it too.
    a.version = std::min(consumer_protocol::kHighestVersion,
                         versions.contains(member) ? versions[member] : int16_t{0});
    a.partitions = std::move(partitions);
    out.push_back({member, consumer_protocol::encode(a), {}});
  }
  return out;
}

GroupMember::Step GroupMember::sync_group(
    const std::vector<protocol::SyncGroupRequest::SyncGroupRequestAssignment>& given,
    const std::string& protocol_name, std::vector<int32_t>& mine) {
  protocol::SyncGroupRequest request;
  request.group_id = settings_.group;
  request.generation_id = generation_;
  request.member_id = member_id_;
  request.protocol_type = kProtocolType;
  request.protocol_name = protocol_name;
  request.assignments = given;
  // The coordinator holds the others' SyncGroup until the leader's arrives.
  const client::Wait wait = rebalance_wait();
  protocol::SyncGroupResponse response;
  session_.run(
      [&] { response = coordinator().call<protocol::SyncGroupResponse>(request, -1, wait).body; });
  const auto code = static_cast<ErrorCode>(response.error_code);
  if (group::retriable_coordinator_error(code)) {
    // The generation lives with the old coordinator: find the new one and join again.
    coordinator_ = nullptr;
    return Step::kRejoin;
  }
  if (must_rejoin(code)) return Step::kRejoin;
  client::check(response.error_code, "syncing group " + settings_.group);
  try {
    const auto assignment = consumer_protocol::decode_assignment(response.assignment);
    if (const auto it = assignment.partitions.find(settings_.topic);
        it != assignment.partitions.end())
      mine = it->second;
  } catch (const std::exception& e) {
    throw client::KafkaError(
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL,
        fmt::format("the assignment of group {} does not decode: {}", settings_.group, e.what()));
  }
  return Step::kDone;
}

std::map<int32_t, int64_t> GroupMember::committed(const std::vector<int32_t>& partitions) {
  std::map<group::TopicPartition, int64_t> all;
  session_.run([&] { all = group::committed_offsets(session_.client(), settings_.group); });
  committed_.clear();
  for (const int32_t p : partitions)
    if (const auto it = all.find({settings_.topic, p}); it != all.end()) committed_[p] = it->second;
  return committed_;
}

std::chrono::milliseconds GroupMember::until_heartbeat() const {
  const auto left = settings_.heartbeat_interval - (Clock::now() - last_heartbeat_);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

bool GroupMember::heartbeat_if_due() {
  if (!joined_) return false;
  if (until_heartbeat().count() > 0) return true;
  protocol::HeartbeatRequest request;
  request.group_id = settings_.group;
  request.generation_id = generation_;
  request.member_id = member_id_;
  protocol::HeartbeatResponse response;
  session_.run([&] {
    response = coordinator().call<protocol::HeartbeatResponse>(request).body;
    coordinator_error(response.error_code, "heartbeat to group " + settings_.group);
  });
  last_heartbeat_ = Clock::now();
  if (must_rejoin(static_cast<ErrorCode>(response.error_code))) return false;
  client::check(response.error_code, "heartbeat to group " + settings_.group);
  return true;
}

bool GroupMember::commit_due() const {
  return joined_ && Clock::now() - last_commit_ >= settings_.commit_interval;
}

bool GroupMember::commit(const std::map<int32_t, int64_t>& positions) {
  last_commit_ = Clock::now();
  if (generation_ < 0 || member_id_.empty()) return false;
  protocol::OffsetCommitRequest request;
  request.group_id = settings_.group;
  request.generation_id_or_member_epoch = generation_;
  request.member_id = member_id_;
  request.retention_time_ms = -1;  // the broker's offsets.retention.minutes
  auto& topic = request.topics.emplace_back();
  topic.name = settings_.topic;
  for (const auto& [p, offset] : positions) {
    if (const auto it = committed_.find(p); it != committed_.end() && it->second == offset)
      continue;
    protocol::OffsetCommitRequest::OffsetCommitRequestPartition part;
    part.partition_index = p;
    part.committed_offset = offset;
    part.committed_leader_epoch = -1;
    part.commit_timestamp = -1;
    part.committed_metadata = "";
    topic.partitions.push_back(part);
  }
  if (topic.partitions.empty()) return true;
  ErrorCode refused = ErrorCode::NONE;
  session_.run([&] {
    refused = ErrorCode::NONE;
    const auto reply = coordinator().call<protocol::OffsetCommitResponse>(request);
    for (const auto& t : reply.body.topics) {
      for (const auto& p : t.partitions) {
        const std::string where = fmt::format("committing {}-{} for group {}", t.name,
                                              p.partition_index, settings_.group);
        coordinator_error(p.error_code, where);
        const auto code = static_cast<ErrorCode>(p.error_code);
        if (code == ErrorCode::REBALANCE_IN_PROGRESS || code == ErrorCode::ILLEGAL_GENERATION ||
            code == ErrorCode::UNKNOWN_MEMBER_ID) {
          refused = code;
        } else {
          client::check(p.error_code, where);  // retriable ones are tried again by Session
        }
      }
    }
  });
  if (refused != ErrorCode::NONE) {
    must_rejoin(refused);
    return false;
  }
  for (const auto& p : topic.partitions) committed_[p.partition_index] = p.committed_offset;
  return true;
}

void GroupMember::leave() {
  if (member_id_.empty()) return;
  protocol::LeaveGroupRequest request;
  request.group_id = settings_.group;
  request.member_id = member_id_;  // v0-2; v3+ name the members
  request.members.push_back({member_id_, std::nullopt, "the consumer is being closed", {}});
  try {
    // Through Session: after an interrupted JoinGroup it reconnects first.
    session_.run([&] {
      const auto reply = coordinator().call<protocol::LeaveGroupResponse>(request);
      int16_t code = reply.body.error_code;
      for (const auto& m : reply.body.members)
        if (code == 0) code = m.error_code;
      coordinator_error(code, "leaving group " + settings_.group);
      // UNKNOWN_MEMBER_ID: the group had already dropped us, which is what leaving wants.
      if (code != 0 && static_cast<ErrorCode>(code) != ErrorCode::UNKNOWN_MEMBER_ID)
        client::check(code, "leaving group " + settings_.group);
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: %s; the group drops this member after its session timeout\n",
                 e.what());
  }
  member_id_.clear();
  generation_ = -1;
  joined_ = false;
}

}  // namespace samsa::cli
