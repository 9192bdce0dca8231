// The classic rebalance protocol on a fake clock: every state transition and the
// error codes Kafka answers.
#include "group_test_util.h"

namespace samsa::coordinator::testing {
namespace {

TEST_F(GroupTest, FirstJoinRequiresMemberIdThenCompletesAfterInitialDelay) {
  auto first = join(join_params("g"));
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->error, ErrorCode::MEMBER_ID_REQUIRED);
  const std::string id = (*first)->member_id;
  EXPECT_EQ(id.rfind("client-", 0), 0u);
  EXPECT_EQ(groups_->member_count("g"), 0u);  // only pending so far

  auto second = join(join_params("g", id));
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ(groups_->group_state("g"), GroupState::kPreparingRebalance);
  sched_.advance(config_.initial_rebalance_delay_ms - 1);
  EXPECT_FALSE(second->has_value());
  sched_.advance(1);
  ASSERT_TRUE(second->has_value());
  const auto& r = **second;
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(r.generation_id, 1);
  EXPECT_EQ(r.leader, id);
  EXPECT_EQ(r.member_id, id);
  EXPECT_EQ(r.protocol_name, "range");
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0].metadata, subscription({"t"}));
  EXPECT_EQ(groups_->group_state("g"), GroupState::kCompletingRebalance);

  auto s = sync("g", 1, id, {{id, bytes("all")}});
  EXPECT_EQ(wait(s).assignment, bytes("all"));
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
  EXPECT_EQ(heartbeat("g", 1, id), ErrorCode::NONE);
}

TEST_F(GroupTest, OldClientsJoinWithoutMemberIdRoundTrip) {
  auto p = join_params("g");
  p.require_known_member_id = false;
  auto r = join(p);
  sched_.advance(config_.initial_rebalance_delay_ms);
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->error, ErrorCode::NONE);
  EXPECT_FALSE((*r)->member_id.empty());
}

TEST_F(GroupTest, InitialDelayIsExtendedByNewMembersUpToTheRebalanceTimeout) {
  auto [a, ja] = join_new("g");
  sched_.advance(90);
  auto [b, jb] = join_new("g");
  sched_.advance(10);  // first delay over, but a member arrived: wait another delay
  EXPECT_FALSE(ja->has_value());
  sched_.advance(99);
  EXPECT_FALSE(ja->has_value());
  sched_.advance(1);
  ASSERT_TRUE(ja->has_value() && jb->has_value());
  EXPECT_EQ((*ja)->leader, a);
  EXPECT_EQ((*ja)->members.size(), 2u);
  EXPECT_TRUE((*jb)->members.empty());  // only the leader gets the member list
  EXPECT_EQ((*jb)->leader, a);
  EXPECT_EQ((*ja)->generation_id, (*jb)->generation_id);
}

TEST_F(GroupTest, FollowerSyncWaitsForTheLeader) {
  auto [a, ja] = join_new("g");
  auto [b, jb] = join_new("g");
  sched_.advance(1000);
  ASSERT_TRUE(ja->has_value() && jb->has_value());
  const int32_t gen = (*ja)->generation_id;
  auto follower = sync("g", gen, b);
  loop_.drain();
  EXPECT_FALSE(follower->has_value());
  auto leader = sync("g", gen, a, {{a, bytes("A")}, {b, bytes("B")}});
  EXPECT_EQ(wait(follower).assignment, bytes("B"));
  EXPECT_EQ(wait(leader).assignment, bytes("A"));
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
  // A member that syncs again in Stable gets its assignment at once.
  auto again = sync("g", gen, b);
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->assignment, bytes("B"));
}

TEST_F(GroupTest, NewMemberTriggersRebalanceAndExistingMembersRejoin) {
  auto [ids, gen] = stable_group("g", 2);
  auto [c, jc] = join_new("g");
  EXPECT_EQ(groups_->group_state("g"), GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::REBALANCE_IN_PROGRESS);
  EXPECT_EQ(sync("g", gen, ids[1])->value().error, ErrorCode::REBALANCE_IN_PROGRESS);
  auto j0 = join(join_params("g", ids[0]));
  EXPECT_FALSE(j0->has_value());
  auto j1 = join(join_params("g", ids[1]));
  // Everyone rejoined: no waiting for a timeout in a non-empty group.
  ASSERT_TRUE(j0->has_value() && j1->has_value() && jc->has_value());
  EXPECT_EQ((*j0)->generation_id, gen + 1);
  EXPECT_EQ((*j0)->leader, ids[0]);
  EXPECT_EQ((*j0)->members.size(), 3u);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kCompletingRebalance);
  // The old generation is over.
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(heartbeat("g", gen + 1, ids[1]), ErrorCode::NONE);  // allowed while completing
}

TEST_F(GroupTest, RebalanceTimeoutRemovesMembersThatDidNotRejoin) {
  auto [ids, gen] = stable_group("g", 2);
  auto j0 = join(join_params("g", ids[0], std::nullopt, {{"range", subscription({"t", "u"})}}));
  EXPECT_FALSE(j0->has_value());
  // Keep the silent member's session alive: only the rebalance timeout removes it.
  for (int i = 0; i < 5; ++i) {
    sched_.advance(5000);
    EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::REBALANCE_IN_PROGRESS);
  }
  EXPECT_FALSE(j0->has_value());
  sched_.advance(5000);  // 30 s rebalance timeout
  ASSERT_TRUE(j0->has_value());
  EXPECT_EQ((*j0)->generation_id, gen + 1);
  EXPECT_EQ((*j0)->members.size(), 1u);
  EXPECT_EQ(groups_->member_count("g"), 1u);
  EXPECT_EQ(heartbeat("g", gen + 1, ids[1]), ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(GroupTest, SessionTimeoutExpiresSilentMemberAndRebalances) {
  auto [ids, gen] = stable_group("g", 2);
  for (int i = 0; i < 2; ++i) {
    sched_.advance(4000);
    EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::NONE);
  }
  EXPECT_EQ(groups_->member_count("g"), 2u);
  sched_.advance(4000);
  // ids[1] has been silent for 12 s > 10 s session timeout.
  EXPECT_EQ(groups_->member_count("g"), 1u);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kPreparingRebalance);
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::REBALANCE_IN_PROGRESS);
  auto j = join(join_params("g", ids[0]));
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->generation_id, gen + 1);
  EXPECT_EQ((*j)->leader, ids[0]);
}

TEST_F(GroupTest, LeaderLossElectsANewLeader) {
  auto [ids, gen] = stable_group("g", 2);
  auto r = groups_->leave_group("g", {{ids[0], std::nullopt}});
  EXPECT_EQ(r.error, ErrorCode::NONE);
  ASSERT_EQ(r.members.size(), 1u);
  EXPECT_EQ(r.members[0], ErrorCode::NONE);
  EXPECT_EQ(groups_->leader("g"), ids[1]);
  auto j = join(join_params("g", ids[1]));
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->leader, ids[1]);
  EXPECT_EQ((*j)->generation_id, gen + 1);
}

TEST_F(GroupTest, LastMemberLeavingEmptiesTheGroup) {
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(groups_->leave_group("g", {{ids[0], std::nullopt}}).members[0], ErrorCode::NONE);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kEmpty);
  EXPECT_EQ(groups_->generation("g"), gen + 1);
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(GroupTest, LeaveErrors) {
  auto [ids, gen] = stable_group("g", 1);
  auto r = groups_->leave_group("g", {{"nobody", std::nullopt}});
  EXPECT_EQ(r.members[0], ErrorCode::UNKNOWN_MEMBER_ID);
  r = groups_->leave_group("nogroup", {{"x", std::nullopt}});
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(r.members[0], ErrorCode::UNKNOWN_MEMBER_ID);
  r = groups_->leave_group("g", {{"", std::string("no-instance")}});
  EXPECT_EQ(r.members[0], ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
}

TEST_F(GroupTest, JoinErrors) {
  auto p = join_params("g");
  p.session_timeout_ms = 999;
  EXPECT_EQ(join(p)->value().error, ErrorCode::INVALID_SESSION_TIMEOUT);
  p.session_timeout_ms = 60001;
  EXPECT_EQ(join(p)->value().error, ErrorCode::INVALID_SESSION_TIMEOUT);
  EXPECT_EQ(join(join_params(""))->value().error, ErrorCode::INVALID_GROUP_ID);
  // So do the other member calls, before any member check (Kafka).
  EXPECT_EQ(sync("", 1, "m")->value().error, ErrorCode::INVALID_GROUP_ID);
  EXPECT_EQ(heartbeat("", 1, "m"), ErrorCode::INVALID_GROUP_ID);
  EXPECT_EQ(groups_->leave_group("", {{"m", std::nullopt}}).error, ErrorCode::INVALID_GROUP_ID);
  EXPECT_EQ(join(join_params("nogroup", "ghost"))->value().error, ErrorCode::UNKNOWN_MEMBER_ID);
  auto empty = join_params("g2");
  empty.protocols.clear();
  EXPECT_EQ(join(empty)->value().error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);

  auto [ids, gen] = stable_group("g", 1);
  auto other_type = join_params("g");
  other_type.protocol_type = "connect";
  EXPECT_EQ(join(other_type)->value().error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  auto other_assignor = join_params("g", "", std::nullopt, {{"roundrobin", bytes("x")}});
  EXPECT_EQ(join(other_assignor)->value().error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(join(join_params("g", "ghost"))->value().error, ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(GroupTest, GroupMaxSize) {
  config_.max_size = 1;
  reopen();
  auto [ids, gen] = stable_group("g", 1);
  auto j2 = join(join_params("g"));
  ASSERT_TRUE(j2->has_value());
  EXPECT_EQ((*j2)->error, ErrorCode::GROUP_MAX_SIZE_REACHED);
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::NONE);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
}

TEST_F(GroupTest, SyncAndHeartbeatErrors) {
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(sync("g", gen + 1, ids[0])->value().error, ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(sync("g", gen, "ghost")->value().error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(sync("nogroup", gen, ids[0])->value().error, ErrorCode::UNKNOWN_MEMBER_ID);
  SyncGroupParams p;
  p.group_id = "g";
  p.generation_id = gen;
  p.member_id = ids[0];
  p.protocol_name = "roundrobin";
  std::optional<SyncGroupResult> r;
  groups_->sync_group(p, [&](SyncGroupResult x) { r = x; });
  EXPECT_EQ(r->error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(heartbeat("g", gen - 1, ids[0]), ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(heartbeat("g", gen, "ghost"), ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(heartbeat("nogroup", gen, ids[0]), ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(GroupTest, ProtocolSelectedByVote) {
  auto [a, ja] = join_new("g", {{"range", bytes("x")}, {"roundrobin", bytes("y")}});
  auto [b, jb] = join_new("g", {{"roundrobin", bytes("y")}, {"range", bytes("x")}});
  auto [c, jc] = join_new("g", {{"roundrobin", bytes("y")}, {"sticky", bytes("z")}});
  sched_.advance(1000);
  ASSERT_TRUE(ja->has_value());
  EXPECT_EQ((*ja)->protocol_name, "roundrobin");
  EXPECT_EQ((*ja)->members[0].metadata, bytes("y"));
}

TEST_F(GroupTest, StaticMemberRejoinReplacesOldIdWithoutRebalance) {
  auto p = join_params("g", "", std::string("instance-1"));
  auto j = join(p);  // static members skip MEMBER_ID_REQUIRED
  sched_.advance(100);
  ASSERT_TRUE(j->has_value());
  ASSERT_EQ((*j)->error, ErrorCode::NONE);
  const std::string old_id = (*j)->member_id;
  const int32_t gen = (*j)->generation_id;
  EXPECT_EQ(wait(sync("g", gen, old_id, {{old_id, bytes("A")}}, "instance-1")).error,
            ErrorCode::NONE);

  // The instance restarts: same instance id, no member id.
  auto again = join(p);
  auto r = wait(again);
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_NE(r.member_id, old_id);
  EXPECT_EQ(r.generation_id, gen);
  EXPECT_TRUE(r.skip_assignment);  // it was the leader: keep the assignment
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
  EXPECT_EQ(wait(sync("g", gen, r.member_id, {}, "instance-1")).assignment, bytes("A"));

  // The old incarnation is fenced everywhere.
  EXPECT_EQ(heartbeat("g", gen, old_id, "instance-1"), ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(sync("g", gen, old_id, {}, "instance-1")->value().error, ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(join(join_params("g", old_id, std::string("instance-1")))->value().error,
            ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(commit("g", gen, old_id, {at("t", 0, 5)}, std::string("instance-1"))[0],
            ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(groups_->leave_group("g", {{old_id, std::string("instance-1")}}).members[0],
            ErrorCode::FENCED_INSTANCE_ID);
  EXPECT_EQ(groups_->leave_group("g", {{r.member_id, std::string("instance-1")}}).members[0],
            ErrorCode::NONE);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kEmpty);
}

TEST_F(GroupTest, StaticMemberWithNewProtocolTriggersRebalance) {
  auto p = join_params("g", "", std::string("i1"));
  auto j = join(p);
  sched_.advance(100);
  const int32_t gen = (*j)->generation_id;
  wait(sync("g", gen, (*j)->member_id, {}, "i1"));
  // A new subscription alone keeps the assignment (as in Kafka); a different
  // preferred assignor changes the group's protocol and rebalances.
  auto changed = join_params("g", "", std::string("i1"),
                             {{"roundrobin", bytes("x")}, {"range", subscription({"t"})}});
  auto r = join(changed);
  ASSERT_TRUE(r->has_value());  // only member, all rejoined: completes at once
  EXPECT_EQ((*r)->protocol_name, "roundrobin");
  EXPECT_EQ((*r)->generation_id, gen + 1);
}

TEST_F(GroupTest, StaticMembersSurviveRebalanceTimeout) {
  auto ja = join(join_params("g", "", std::string("a")));
  auto jb = join(join_params("g", "", std::string("b")));
  sched_.advance(1000);
  ASSERT_TRUE(ja->has_value() && jb->has_value());
  const int32_t gen = (*ja)->generation_id;
  // A new dynamic member forces a rebalance; static "b" does not rejoin in time but
  // keeps its place (it may come back with its instance id).
  auto [c, jc] = join_new("g");
  auto ra = join(join_params("g", (*ja)->member_id, std::string("a")));
  sched_.advance(9000);
  heartbeat("g", gen, (*jb)->member_id, "b");
  sched_.advance(9000);
  heartbeat("g", gen, (*jb)->member_id, "b");
  sched_.advance(9000);
  heartbeat("g", gen, (*jb)->member_id, "b");
  sched_.advance(3000);
  ASSERT_TRUE(ra->has_value());
  EXPECT_EQ(groups_->member_count("g"), 3u);
}

TEST_F(GroupTest, DescribeAndListGroups) {
  auto [ids, gen] = stable_group("g", 2);
  EXPECT_EQ(commit("simple", -1, "", {at("t", 0, 1)})[0], ErrorCode::NONE);
  auto d = groups_->describe_group("g");
  EXPECT_EQ(d.error, ErrorCode::NONE);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.protocol_type, "consumer");
  EXPECT_EQ(d.protocol, "range");
  ASSERT_EQ(d.members.size(), 2u);
  EXPECT_EQ(d.members[0].client_host, "/127.0.0.1");
  EXPECT_FALSE(d.members[0].assignment.empty());
  EXPECT_EQ(groups_->describe_group("none").state, "Dead");

  auto all = groups_->list_groups({}, {});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].group_id, "g");
  EXPECT_EQ(all[1].group_id, "simple");
  EXPECT_EQ(all[1].protocol_type, "");
  auto stable = groups_->list_groups({"stable"}, {});
  ASSERT_EQ(stable.size(), 1u);
  EXPECT_EQ(stable[0].group_id, "g");
  EXPECT_EQ(groups_->list_groups({}, {"Classic"}).size(), 2u);
  EXPECT_TRUE(groups_->list_groups({}, {"consumer"}).empty());
}

TEST_F(GroupTest, DeleteGroups) {
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(commit("idle", -1, "", {at("t", 1, 7)})[0], ErrorCode::NONE);
  auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->delete_groups({"g", "idle", "none", ""}, [slot](auto e) { *slot = e; });
  auto errors = wait(slot);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0], ErrorCode::NON_EMPTY_GROUP);
  EXPECT_EQ(errors[1], ErrorCode::NONE);
  EXPECT_EQ(errors[2], ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(errors[3], ErrorCode::GROUP_ID_NOT_FOUND);  // "" is a group id like any (Kafka)
  EXPECT_FALSE(groups_->group_state("idle"));
  EXPECT_EQ(committed("idle", "t", 1), -1);
  reopen();  // the deletion is durable
  EXPECT_FALSE(groups_->group_state("idle"));
  EXPECT_EQ(committed("idle", "t", 1), -1);
}

// What a callback-style entry point answers before it returns (nullopt: no answer yet).
template <class Result, class Start>
std::optional<Result> answered_at_once(Start start) {
  std::optional<Result> answer;
  start([&](Result r) { answer = std::move(r); });
  return answer;
}

// Every entry point answers COORDINATOR_LOAD_IN_PROGRESS before load() and
// NOT_COORDINATOR after shutdown(), so clients retry or look the coordinator up again.
void expect_every_api_answers(GroupCoordinator& groups, ErrorCode expected) {
  SCOPED_TRACE(static_cast<int>(expected));
  JoinGroupParams join;
  join.group_id = "g";
  const auto joined =
      answered_at_once<JoinGroupResult>([&](auto done) { groups.join_group(join, done); });
  ASSERT_TRUE(joined.has_value());
  EXPECT_EQ(joined->error, expected);
  SyncGroupParams sync;
  sync.group_id = "g";
  const auto synced =
      answered_at_once<SyncGroupResult>([&](auto done) { groups.sync_group(sync, done); });
  ASSERT_TRUE(synced.has_value());
  EXPECT_EQ(synced->error, expected);
  EXPECT_EQ(groups.heartbeat({"g", 1, "m", std::nullopt}), expected);
  EXPECT_EQ(groups.leave_group("g", {}).error, expected);
  ConsumerGroupHeartbeatParams hb;
  hb.group_id = "g";
  EXPECT_EQ(groups.consumer_group_heartbeat(hb).error, expected);
  EXPECT_EQ(groups.describe_consumer_group("g").error, expected);
  OffsetCommitParams commit;
  commit.group_id = "g";
  commit.entries.push_back({{"t", 0}, 5, -1, std::nullopt});
  const auto committed = answered_at_once<std::vector<ErrorCode>>(
      [&](auto done) { groups.commit_offsets(commit, done); });
  EXPECT_EQ(committed, std::vector<ErrorCode>{expected});
  OffsetFetchParams fetch;
  fetch.group_id = "g";
  EXPECT_EQ(groups.fetch_offsets(fetch).error, expected);
  const auto deleted = answered_at_once<OffsetDeleteResult>([&](auto done) {
    groups.delete_offsets("g", {{"t", 0}}, done);
  });
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->error, expected);
  EXPECT_EQ(groups.describe_group("g").error, expected);
  const auto group_errors = answered_at_once<std::vector<ErrorCode>>([&](auto done) {
    groups.delete_groups({"g", "h"}, done);
  });
  EXPECT_EQ(group_errors, (std::vector<ErrorCode>{expected, expected}));
}

TEST_F(GroupTest, UnavailableBeforeLoadAndAfterShutdown) {
  GroupCoordinator unloaded(config_, sched_, *logs_);
  expect_every_api_answers(unloaded, ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);
  unloaded.shutdown();
  expect_every_api_answers(unloaded, ErrorCode::NOT_COORDINATOR);
  groups_->shutdown();
  expect_every_api_answers(*groups_, ErrorCode::NOT_COORDINATOR);
}

TEST_F(GroupTest, ShutdownAnswersWaitingJoins) {
  auto [id, j] = join_new("g");
  groups_->shutdown();
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->error, ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(heartbeat("g", 0, id), ErrorCode::NOT_COORDINATOR);
}

}  // namespace
}  // namespace samsa::coordinator::testing
