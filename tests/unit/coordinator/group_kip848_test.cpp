// The KIP-848 consumer protocol through the GroupCoordinator on a fake clock: joins,
// epochs, incremental hand-over (revoke before assign), leaves, session and rebalance
// timeouts, static members, regex subscriptions, topic changes, every error code, and
// the interplay with classic groups and committed offsets.
#include <random>

#include "group_test_util.h"
#include "samsa/coordinator/consumer_group.h"

namespace samsa::coordinator::testing {
namespace {

class Kip848Test : public GroupTest {
 protected:
  void SetUp() override {
    config_.consumer_session_timeout_ms = 45000;
    config_.consumer_heartbeat_interval_ms = 5000;
    GroupTest::SetUp();
    t_ = logs_->find_topic("t")->topic_id;
    u_ = logs_->find_topic("u")->topic_id;
  }

  ConsumerGroupHeartbeatParams joining(const std::string& group, const std::string& member = "",
                                       std::vector<std::string> topics = {"t"}) {
    ConsumerGroupHeartbeatParams p;
    p.group_id = group;
    p.member_id = member;
    p.member_epoch = 0;
    p.rebalance_timeout_ms = 30000;
    p.subscribed_topic_names = std::move(topics);
    p.owned_partitions = std::vector<TopicIdPartitions>{};
    p.client_id = "client";
    p.client_host = "/127.0.0.1";
    return p;
  }

  ConsumerGroupHeartbeatParams beat(const std::string& group, const std::string& member,
                                    int32_t epoch, const Assignment& owned) {
    ConsumerGroupHeartbeatParams p;
    p.group_id = group;
    p.member_id = member;
    p.member_epoch = epoch;
    p.owned_partitions = to_list(owned);
    p.client_id = "client";
    return p;
  }

  ConsumerGroupHeartbeatResult hb(ConsumerGroupHeartbeatParams p) {
    return groups_->consumer_group_heartbeat(std::move(p));
  }

  TopicId t_{}, u_{};
};

// What a client believes: its member id, epoch and the partitions it was told to own.
struct Client {
  std::string id;
  int32_t epoch = 0;
  Assignment owned;
};

size_t count(const Assignment& a) {
  size_t n = 0;
  for (const auto& [_, p] : a) n += p.size();
  return n;
}

TEST_F(Kip848Test, FirstMemberGetsEveryPartition) {
  auto r = hb(joining("g"));
  ASSERT_EQ(r.error, ErrorCode::NONE) << r.error_message.value_or("");
  ASSERT_TRUE(r.member_id);
  EXPECT_EQ(r.member_id->size(), 22u);  // a generated Uuid, as Kafka's v0
  EXPECT_EQ(r.member_epoch, 2);
  EXPECT_EQ(r.heartbeat_interval_ms, 5000);
  ASSERT_TRUE(r.assignment);
  EXPECT_EQ(from_list(*r.assignment), (Assignment{{t_, {0, 1, 2, 3}}}));

  // A plain heartbeat with nothing new carries no assignment.
  auto again = hb(beat("g", *r.member_id, 2, {{t_, {0, 1, 2, 3}}}));
  EXPECT_EQ(again.error, ErrorCode::NONE);
  EXPECT_EQ(again.member_epoch, 2);
  EXPECT_FALSE(again.assignment);

  const auto d = groups_->describe_consumer_group("g");
  EXPECT_EQ(d.error, ErrorCode::NONE);
  EXPECT_EQ(d.state, "Stable");
  EXPECT_EQ(d.group_epoch, 2);
  EXPECT_EQ(d.assignment_epoch, 2);
  EXPECT_EQ(d.assignor_name, "uniform");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].subscribed_topic_names, std::vector<std::string>{"t"});
  ASSERT_EQ(d.members[0].assignment.size(), 1u);
  EXPECT_EQ(d.members[0].assignment[0].topic_name, "t");
  EXPECT_EQ(d.members[0].assignment[0].partitions, (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST_F(Kip848Test, SecondMemberGetsPartitionsOnlyAfterTheFirstRevokesThem) {
  Client a{*hb(joining("g")).member_id, 2, {{t_, {0, 1, 2, 3}}}};
  auto rb = hb(joining("g", "member-b"));
  ASSERT_EQ(rb.error, ErrorCode::NONE);
  Client b{"member-b", rb.member_epoch, from_list(*rb.assignment)};
  EXPECT_EQ(b.epoch, 3);
  EXPECT_TRUE(b.owned.empty());  // its target is still owned by a
  EXPECT_EQ(groups_->describe_consumer_group("g").state, "Reconciling");

  // a is asked to give up two partitions, at its current epoch.
  auto ra = hb(beat("g", a.id, a.epoch, a.owned));
  EXPECT_EQ(ra.member_epoch, 2);
  ASSERT_TRUE(ra.assignment);
  const Assignment kept = from_list(*ra.assignment);
  EXPECT_EQ(count(kept), 2u);

  // b still waits: a has not confirmed.
  rb = hb(beat("g", b.id, b.epoch, b.owned));
  EXPECT_FALSE(rb.assignment);

  // a confirms by no longer reporting them and moves to epoch 3.
  ra = hb(beat("g", a.id, a.epoch, kept));
  EXPECT_EQ(ra.member_epoch, 3);
  EXPECT_FALSE(ra.assignment);

  rb = hb(beat("g", b.id, b.epoch, b.owned));
  ASSERT_TRUE(rb.assignment);
  const Assignment got = from_list(*rb.assignment);
  EXPECT_EQ(count(got), 2u);
  EXPECT_FALSE(contains_any(got, kept));
  EXPECT_EQ(groups_->describe_consumer_group("g").state, "Stable");
}

TEST_F(Kip848Test, LeavingHandsPartitionsOverAndBumpsTheEpoch) {
  Client a{*hb(joining("g", "a")).member_id, 2, {{t_, {0, 1, 2, 3}}}};
  // b joins and both settle.
  auto rb = hb(joining("g", "b"));
  auto ra = hb(beat("g", "a", 2, a.owned));
  a.owned = from_list(*ra.assignment);
  ra = hb(beat("g", "a", 2, a.owned));
  a.epoch = ra.member_epoch;
  rb = hb(beat("g", "b", rb.member_epoch, {}));
  ASSERT_EQ(count(from_list(*rb.assignment)), 2u);

  auto leave = hb(beat("g", "b", -1, {}));
  EXPECT_EQ(leave.error, ErrorCode::NONE);
  EXPECT_EQ(leave.member_epoch, -1);
  EXPECT_EQ(groups_->describe_consumer_group("g").group_epoch, 4);

  ra = hb(beat("g", "a", a.epoch, a.owned));
  EXPECT_EQ(ra.member_epoch, 4);
  ASSERT_TRUE(ra.assignment);
  EXPECT_EQ(from_list(*ra.assignment), (Assignment{{t_, {0, 1, 2, 3}}}));

  // Leaving twice: the member is gone.
  EXPECT_EQ(hb(beat("g", "b", -1, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(Kip848Test, SessionTimeoutFencesASilentMember) {
  hb(joining("g", "a"));
  sched_.advance(44000);
  EXPECT_EQ(hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}})).error, ErrorCode::NONE);
  sched_.advance(44000);
  EXPECT_EQ(groups_->describe_consumer_group("g").members.size(), 1u);
  sched_.advance(1000);
  const auto d = groups_->describe_consumer_group("g");
  EXPECT_TRUE(d.members.empty());
  EXPECT_EQ(d.state, "Empty");
  EXPECT_EQ(d.group_epoch, 3);
  EXPECT_EQ(hb(beat("g", "a", 2, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
  // ListGroups shows it as an empty consumer group.
  auto listed = groups_->list_groups({}, {"consumer"});
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].state, "Empty");
  EXPECT_EQ(listed[0].protocol_type, "consumer");
}

TEST_F(Kip848Test, RebalanceTimeoutFencesAMemberThatNeverRevokes) {
  hb(joining("g", "a"));
  auto rb = hb(joining("g", "b"));
  auto ra = hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}}));
  ASSERT_TRUE(ra.assignment);  // revocation requested
  // a keeps heartbeating but keeps reporting everything.
  for (int i = 0; i < 6; ++i) {
    sched_.advance(5000);
    hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}}));
  }
  EXPECT_EQ(hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}})).error, ErrorCode::UNKNOWN_MEMBER_ID);
  // b, which waited for a's partitions, gets all of them at the next group epoch.
  rb = hb(beat("g", "b", rb.member_epoch, {}));
  EXPECT_EQ(rb.error, ErrorCode::NONE);
  EXPECT_EQ(rb.member_epoch, 4);
  ASSERT_TRUE(rb.assignment);
  EXPECT_EQ(from_list(*rb.assignment), (Assignment{{t_, {0, 1, 2, 3}}}));
}

TEST_F(Kip848Test, EpochChecks) {
  hb(joining("g", "a"));
  auto ahead = hb(beat("g", "a", 3, {}));
  EXPECT_EQ(ahead.error, ErrorCode::FENCED_MEMBER_EPOCH);
  EXPECT_TRUE(ahead.error_message);
  // Epoch 3 for a, then a heartbeat at the previous epoch (the answer was lost) with a
  // subset of its partitions is fine; without the owned list it is fenced.
  hb(joining("g", "b"));
  auto ra = hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}}));
  const Assignment kept = from_list(*ra.assignment);
  ra = hb(beat("g", "a", 2, kept));
  ASSERT_EQ(ra.member_epoch, 3);
  EXPECT_EQ(hb(beat("g", "a", 2, kept)).error, ErrorCode::NONE);
  auto no_owned = beat("g", "a", 2, kept);
  no_owned.owned_partitions.reset();
  EXPECT_EQ(hb(no_owned).error, ErrorCode::FENCED_MEMBER_EPOCH);
  EXPECT_EQ(hb(beat("g", "zz", 2, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(hb(beat("nope", "a", 2, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
  // Epoch 0 with a known id is a rejoin (fenced-member recovery).
  auto rejoin = hb(joining("g", "a"));
  EXPECT_EQ(rejoin.error, ErrorCode::NONE);
  EXPECT_TRUE(rejoin.assignment);
}

TEST_F(Kip848Test, InvalidRequests) {
  auto expect_invalid = [&](ConsumerGroupHeartbeatParams p, const char* what) {
    auto r = hb(std::move(p));
    EXPECT_EQ(r.error, ErrorCode::INVALID_REQUEST) << what;
    EXPECT_TRUE(r.error_message) << what;
  };
  expect_invalid(joining(""), "group id");
  auto p = joining("g");
  p.rebalance_timeout_ms = -1;
  expect_invalid(p, "rebalance timeout");
  p = joining("g");
  p.owned_partitions.reset();
  expect_invalid(p, "owned null");
  p = joining("g");
  p.owned_partitions = std::vector<TopicIdPartitions>{{t_, "", {0}}};
  expect_invalid(p, "owned not empty");
  p = joining("g");
  p.subscribed_topic_names.reset();
  expect_invalid(p, "no subscription");
  p.subscribed_topic_names = std::vector<std::string>{};
  p.subscribed_topic_regex = "";
  expect_invalid(p, "empty subscription");
  p = joining("g");
  p.member_id_required = true;
  expect_invalid(p, "v1 without member id");
  expect_invalid(beat("g", "", 4, {}), "member id");
  expect_invalid(beat("g", "a", -3, {}), "epoch");
  expect_invalid(beat("g", "a", -2, {}), "static leave without instance");
  p = joining("g");
  p.rack_id = "";
  expect_invalid(p, "rack");
  p = joining("g");
  p.subscribed_topic_regex = "(";
  expect_invalid(p, "bad regex");
  p = joining("g");
  p.server_assignor = "sticky";
  EXPECT_EQ(hb(p).error, ErrorCode::UNSUPPORTED_ASSIGNOR);
  EXPECT_EQ(groups_->group_count(), 0u);  // nothing was created by a failed request
}

TEST_F(Kip848Test, GroupMaxSize) {
  config_.consumer_max_size = 2;
  reopen();
  hb(joining("g", "a"));
  hb(joining("g", "b"));
  EXPECT_EQ(hb(joining("g", "c")).error, ErrorCode::GROUP_MAX_SIZE_REACHED);
  EXPECT_EQ(hb(joining("g", "a")).error, ErrorCode::NONE);  // members already in are fine
}

TEST_F(Kip848Test, ServerAssignorRangeIsUsedWhenMembersAskForIt) {
  auto p = joining("g", "a", {"t", "u"});
  p.server_assignor = "range";
  hb(p);
  p = joining("g", "b", {"t", "u"});
  p.server_assignor = "range";
  hb(p);
  const auto d = groups_->describe_consumer_group("g");
  EXPECT_EQ(d.assignor_name, "range");
  ASSERT_EQ(d.members.size(), 2u);
  // Range: a gets t0,t1 and u0; b gets t2,t3 and u1.
  ASSERT_EQ(d.members[0].target_assignment.size(), 2u);
  EXPECT_EQ(d.members[0].target_assignment[0].partitions.size() +
                d.members[0].target_assignment[1].partitions.size(),
            3u);
}

TEST_F(Kip848Test, StaticMemberLeavesForAWhileAndItsSuccessorInheritsItsPartitions) {
  auto p = joining("g", "a1");
  p.instance_id = "instance-a";
  ASSERT_EQ(hb(p).error, ErrorCode::NONE);
  hb(joining("g", "b"));
  auto ra = hb(beat("g", "a1", 2, {{t_, {0, 1, 2, 3}}}));
  Assignment a_owned = from_list(*ra.assignment);
  auto beat_a = beat("g", "a1", 2, a_owned);
  beat_a.instance_id = "instance-a";
  ra = hb(beat_a);
  ASSERT_EQ(ra.member_epoch, 3);

  // Another process with the same instance id while a1 is alive.
  auto intruder = joining("g", "a2");
  intruder.instance_id = "instance-a";
  EXPECT_EQ(hb(intruder).error, ErrorCode::UNRELEASED_INSTANCE_ID);

  auto leave = beat("g", "a1", -2, a_owned);
  leave.instance_id = "instance-a";
  auto rl = hb(leave);
  EXPECT_EQ(rl.error, ErrorCode::NONE);
  EXPECT_EQ(rl.member_epoch, -2);
  const int32_t epoch = groups_->describe_consumer_group("g").group_epoch;

  // The restarted instance takes over without a new group epoch and gets a's partitions.
  auto successor = hb(intruder);
  ASSERT_EQ(successor.error, ErrorCode::NONE) << successor.error_message.value_or("");
  EXPECT_EQ(from_list(*successor.assignment), a_owned);
  const auto d = groups_->describe_consumer_group("g");
  EXPECT_EQ(d.group_epoch, epoch);
  EXPECT_EQ(d.members.size(), 2u);

  // The old incarnation is fenced.
  auto old = beat("g", "a1", 3, a_owned);
  old.instance_id = "instance-a";
  EXPECT_EQ(hb(old).error, ErrorCode::FENCED_INSTANCE_ID);
  auto unknown = beat("g", "x", 3, {});
  unknown.instance_id = "instance-x";
  EXPECT_EQ(hb(unknown).error, ErrorCode::UNKNOWN_MEMBER_ID);
}

TEST_F(Kip848Test, RegexSubscriptionFollowsNewTopics) {
  auto p = joining("g", "a", {});
  p.subscribed_topic_names.reset();
  p.subscribed_topic_regex = "t.*";
  auto r = hb(p);
  ASSERT_EQ(r.error, ErrorCode::NONE) << r.error_message.value_or("");
  EXPECT_EQ(from_list(*r.assignment), (Assignment{{t_, {0, 1, 2, 3}}}));  // not "u"

  std::string message;
  ASSERT_EQ(logs_->create_topic("tx", 2, {}, message), ErrorCode::NONE);
  const TopicId tx = logs_->find_topic("tx")->topic_id;
  r = hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}}));
  EXPECT_EQ(r.member_epoch, 3);
  ASSERT_TRUE(r.assignment);
  EXPECT_EQ(from_list(*r.assignment), (Assignment{{t_, {0, 1, 2, 3}}, {tx, {0, 1}}}));
  const auto d = groups_->describe_consumer_group("g");
  EXPECT_EQ(d.members[0].subscribed_topic_regex, "t.*");
}

TEST_F(Kip848Test, NewPartitionsBumpTheGroupEpoch) {
  hb(joining("g", "a"));
  std::string message;
  ASSERT_EQ(logs_->create_partitions("t", 6, message), ErrorCode::NONE) << message;
  auto r = hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}}));
  EXPECT_EQ(r.member_epoch, 3);
  EXPECT_EQ(from_list(*r.assignment), (Assignment{{t_, {0, 1, 2, 3, 4, 5}}}));
}

TEST_F(Kip848Test, ClassicAndConsumerGroupsDoNotMix) {
  hb(joining("kip848", "a"));
  auto j = join(join_params("kip848"));
  ASSERT_TRUE(j->has_value());
  EXPECT_EQ((*j)->error, ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
  EXPECT_EQ(groups_->describe_group("kip848").state, "Dead");  // as Kafka 3.9
  EXPECT_EQ(heartbeat("kip848", 1, "a"), ErrorCode::UNKNOWN_MEMBER_ID);

  auto [ids, generation] = stable_group("classic", 1);
  EXPECT_EQ(hb(joining("classic")).error, ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(groups_->describe_consumer_group("classic").error, ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(groups_->describe_consumer_group("none").error, ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(groups_->group_state("classic"), GroupState::kStable);

  auto listed = groups_->list_groups({}, {});
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].group_id, "classic");
  EXPECT_EQ(listed[0].type, "classic");
  EXPECT_EQ(listed[1].type, "consumer");
  EXPECT_EQ(listed[1].state, "Stable");
  EXPECT_EQ(groups_->list_groups({"stable"}, {"consumer"}).size(), 1u);

  // Once the consumer group is empty a classic member may take the id over, and back.
  hb(beat("kip848", "a", -1, {}));
  auto [first, slot] = join_new("kip848");
  sched_.advance(config_.initial_rebalance_delay_ms);
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((*slot)->error, ErrorCode::NONE);
  EXPECT_EQ(groups_->list_groups({}, {"classic"}).size(), 2u);
}

TEST_F(Kip848Test, EmptyClassicGroupBecomesAConsumerGroupKeepingItsOffsets) {
  // An admin commit creates a simple group with an offset.
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 42)}), std::vector<ErrorCode>{ErrorCode::NONE});
  auto r = hb(joining("g", "a"));
  ASSERT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(committed("g", "t", 0), 42);
  // Commits by the member use its epoch; a stale one is refused.
  EXPECT_EQ(commit("g", 2, "a", {at("t", 0, 50)}), std::vector<ErrorCode>{ErrorCode::NONE});
  EXPECT_EQ(commit("g", 0, "a", {at("t", 0, 60)}),
            std::vector<ErrorCode>{ErrorCode::STALE_MEMBER_EPOCH});
  EXPECT_EQ(commit("g", 2, "b", {at("t", 0, 60)}),
            std::vector<ErrorCode>{ErrorCode::UNKNOWN_MEMBER_ID});
  EXPECT_EQ(commit("g", -1, "", {at("t", 0, 60)}),
            std::vector<ErrorCode>{ErrorCode::UNKNOWN_MEMBER_ID});  // not while members exist
  EXPECT_EQ(committed("g", "t", 0), 50);

  OffsetFetchParams f;
  f.group_id = "g";
  f.member_id = "a";
  f.member_epoch = 0;
  EXPECT_EQ(groups_->fetch_offsets(f).error, ErrorCode::STALE_MEMBER_EPOCH);
  f.member_epoch = 2;
  EXPECT_EQ(groups_->fetch_offsets(f).error, ErrorCode::NONE);

  // Deleting a non-empty consumer group is refused; its subscribed topic keeps offsets.
  auto deleted = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->delete_groups({"g"}, [deleted](std::vector<ErrorCode> e) { *deleted = e; });
  EXPECT_EQ(wait(deleted), std::vector<ErrorCode>{ErrorCode::NON_EMPTY_GROUP});
  auto od = std::make_shared<std::optional<OffsetDeleteResult>>();
  groups_->delete_offsets("g", {{"t", 0}}, [od](OffsetDeleteResult r) { *od = r; });
  EXPECT_EQ(wait(od).partitions, std::vector<ErrorCode>{ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC});

  // Offsets and members survive a restart: a carries on at its epoch.
  reopen();
  EXPECT_EQ(committed("g", "t", 0), 50);
  EXPECT_EQ(hb(beat("g", "a", 2, {{t_, {0, 1, 2, 3}}})).error, ErrorCode::NONE);
  EXPECT_EQ(commit("g", 2, "a", {at("t", 0, 70)}), std::vector<ErrorCode>{ErrorCode::NONE});
  // A member the group does not know (a state lost with a crash): not
  // GROUP_ID_NOT_FOUND, which is fatal to the Java consumer, but UNKNOWN_MEMBER_ID,
  // which makes it rejoin.
  EXPECT_EQ(hb(beat("g", "lost", 2, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(hb(beat("gone", "a", 2, {})).error, ErrorCode::UNKNOWN_MEMBER_ID);
}

// The whole state of a consumer group comes back from __consumer_offsets: epochs,
// members mid-reconciliation, targets; members carry on at their epochs, a member that
// does not come back is fenced after its session, and the hand-over completes.
TEST_F(Kip848Test, MembershipSurvivesARestart) {
  Client a{*hb(joining("g", "a")).member_id, 2, {{t_, {0, 1, 2, 3}}}};
  auto p = joining("g", "b");
  p.instance_id = "static-b";
  p.rack_id = "rack-1";
  auto rb = hb(p);
  Client b{"b", rb.member_epoch, from_list(*rb.assignment)};
  // a is told to revoke two partitions and has not confirmed yet.
  auto ra = hb(beat("g", a.id, a.epoch, a.owned));
  const Assignment kept = from_list(*ra.assignment);
  ASSERT_EQ(count(kept), 2u);
  hb(joining("g", "c"));  // c will never come back

  const auto before = groups_->describe_consumer_group("g");
  ASSERT_EQ(before.members.size(), 3u);
  reopen();
  const auto after = groups_->describe_consumer_group("g");
  ASSERT_EQ(after.error, ErrorCode::NONE);
  EXPECT_EQ(after.state, before.state);
  EXPECT_EQ(after.group_epoch, before.group_epoch);
  EXPECT_EQ(after.assignment_epoch, before.assignment_epoch);
  ASSERT_EQ(after.members.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(after.members[i].member_id, before.members[i].member_id);
    EXPECT_EQ(after.members[i].member_epoch, before.members[i].member_epoch);
    EXPECT_EQ(after.members[i].instance_id, before.members[i].instance_id);
    EXPECT_EQ(after.members[i].rack_id, before.members[i].rack_id);
    EXPECT_EQ(after.members[i].client_host, before.members[i].client_host);
    EXPECT_EQ(after.members[i].subscribed_topic_names, before.members[i].subscribed_topic_names);
    EXPECT_EQ(after.members[i].assignment, before.members[i].assignment);
    EXPECT_EQ(after.members[i].target_assignment, before.members[i].target_assignment);
  }

  // a confirms the revocation it was asked for before the restart and moves on.
  ra = hb(beat("g", a.id, a.epoch, kept));
  ASSERT_EQ(ra.error, ErrorCode::NONE);
  EXPECT_GT(ra.member_epoch, a.epoch);
  a = {a.id, ra.member_epoch, ra.assignment ? from_list(*ra.assignment) : kept};
  auto sb = beat("g", b.id, b.epoch, b.owned);
  sb.instance_id = "static-b";
  rb = hb(sb);
  ASSERT_EQ(rb.error, ErrorCode::NONE);
  b.epoch = rb.member_epoch;
  if (rb.assignment) b.owned = from_list(*rb.assignment);

  // c's session runs from the load; a and b keep theirs by heartbeating.
  for (int i = 0; i < 14; ++i) {
    sched_.advance(5000);
    ra = hb(beat("g", a.id, a.epoch, a.owned));
    ASSERT_EQ(ra.error, ErrorCode::NONE) << ra.error_message.value_or("");
    a.epoch = ra.member_epoch;
    if (ra.assignment) a.owned = from_list(*ra.assignment);
    sb = beat("g", b.id, b.epoch, b.owned);
    sb.instance_id = "static-b";
    rb = hb(sb);
    ASSERT_EQ(rb.error, ErrorCode::NONE);
    b.epoch = rb.member_epoch;
    if (rb.assignment) b.owned = from_list(*rb.assignment);
  }
  const auto settled = groups_->describe_consumer_group("g");
  for (auto& m : settled.members) {
    std::cerr << "DBG " << m.member_id << " epoch " << m.member_epoch << " assigned";
    for (auto& t : m.assignment)
      for (int p : t.partitions) std::cerr << " " << p;
    std::cerr << " target";
    for (auto& t : m.target_assignment)
      for (int p : t.partitions) std::cerr << " " << p;
    std::cerr << "\n";
  }
  ASSERT_EQ(settled.members.size(), 2u);
  EXPECT_EQ(settled.state, "Stable");
  EXPECT_EQ(count(a.owned) + count(b.owned), 4u);
  EXPECT_EQ(count(a.owned), 2u);
}

// The coordinator's own compaction keeps a consumer group's latest record: after many
// changes the log shrinks to the live state and the group comes back from it.
TEST_F(Kip848Test, CompactionKeepsTheConsumerGroup) {
  config_.compact_after_dead_records = 20;
  reopen();
  for (int i = 0; i < 30; ++i) {  // each join and leave rewrites the group
    hb(joining("g", "m" + std::to_string(i)));
    hb(beat("g", "m" + std::to_string(i), -1, {}));
  }
  auto r = hb(joining("g", "a"));
  ASSERT_EQ(r.error, ErrorCode::NONE);
  const auto before = groups_->describe_consumer_group("g");
  reopen();  // replays 60+ records, writes a snapshot and drops the rest
  auto* log = logs_->partition("__consumer_offsets", 0);
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(loop_.run_until([&] { return log->log_start_offset() > 0; }));
  EXPECT_EQ(log->log_end_offset() - log->log_start_offset(), 1);  // the group's record
  reopen();
  const auto after = groups_->describe_consumer_group("g");
  ASSERT_EQ(after.error, ErrorCode::NONE);
  EXPECT_EQ(after.group_epoch, before.group_epoch);
  ASSERT_EQ(after.members.size(), 1u);
  EXPECT_EQ(after.members[0].member_epoch, r.member_epoch);
  EXPECT_EQ(hb(beat("g", "a", r.member_epoch, from_list(*r.assignment))).error, ErrorCode::NONE);
}

// What ends a consumer group's record ends it after a restart too.
TEST_F(Kip848Test, DeletedOrConvertedConsumerGroupsStayGoneAfterARestart) {
  // Deleted once empty.
  hb(joining("deleted", "a"));
  hb(beat("deleted", "a", -1, {}));
  auto result = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->delete_groups({"deleted"}, [result](std::vector<ErrorCode> e) { *result = e; });
  EXPECT_EQ(wait(result), std::vector<ErrorCode>{ErrorCode::NONE});
  // Empty, then taken over by a classic member.
  hb(joining("converted", "a"));
  hb(beat("converted", "a", -1, {}));
  auto [first, slot] = join_new("converted");
  sched_.advance(config_.initial_rebalance_delay_ms);
  ASSERT_TRUE(slot->has_value());
  // Empty after its last member left: kept, with the (empty) target at the group epoch.
  hb(joining("empty", "a"));
  hb(beat("empty", "a", -1, {}));

  reopen();
  EXPECT_EQ(groups_->describe_consumer_group("deleted").error, ErrorCode::GROUP_ID_NOT_FOUND);
  EXPECT_EQ(groups_->describe_consumer_group("converted").error, ErrorCode::GROUP_ID_NOT_FOUND);
  const auto empty = groups_->describe_consumer_group("empty");
  ASSERT_EQ(empty.error, ErrorCode::NONE);
  EXPECT_EQ(empty.state, "Empty");
  EXPECT_EQ(empty.group_epoch, 3);
  EXPECT_EQ(empty.assignment_epoch, 3);
}

// Three to five clients joining, leaving and heartbeating in random order, each
// reporting exactly what it was last told: no partition is ever owned by two clients,
// and once everyone has heartbeated enough every partition has exactly one owner.
TEST_F(Kip848Test, RandomisedMembershipNeverSharesAPartition) {
  std::string message;
  ASSERT_EQ(logs_->create_topic("big", 12, {}, message), ErrorCode::NONE);
  const TopicId big = logs_->find_topic("big")->topic_id;
  std::mt19937 rng(848);
  std::map<std::string, Client> clients;
  int next_id = 0;
  auto check_disjoint = [&] {
    std::map<std::pair<TopicId, int32_t>, std::string> owner;
    for (const auto& [id, c] : clients)
      for (const auto& [t, ps] : c.owned)
        for (int32_t p : ps) {
          auto [it, fresh] = owner.try_emplace({t, p}, id);
          ASSERT_TRUE(fresh) << "partition " << p << " owned by " << it->second << " and " << id;
        }
  };
  auto step = [&](Client& c) {
    auto r = hb(beat("g", c.id, c.epoch, c.owned));
    ASSERT_EQ(r.error, ErrorCode::NONE) << r.error_message.value_or("");
    c.epoch = r.member_epoch;
    if (r.assignment) c.owned = from_list(*r.assignment);
  };
  for (int round = 0; round < 300; ++round) {
    const int action = static_cast<int>(rng() % 10);
    if ((action == 0 && clients.size() < 5) || clients.size() < 3) {
      const std::string id = "c" + std::to_string(next_id++);
      auto r = hb(joining("g", id, {"big"}));
      ASSERT_EQ(r.error, ErrorCode::NONE);
      clients[id] = Client{id, r.member_epoch, from_list(*r.assignment)};
    } else if (action == 1 && clients.size() > 3) {
      auto it = std::next(clients.begin(), static_cast<long>(rng() % clients.size()));
      ASSERT_EQ(hb(beat("g", it->first, -1, it->second.owned)).error, ErrorCode::NONE);
      clients.erase(it);
    } else {
      auto it = std::next(clients.begin(), static_cast<long>(rng() % clients.size()));
      step(it->second);
    }
    check_disjoint();
  }
  for (int settle = 0; settle < 6; ++settle)
    for (auto& [_, c] : clients) step(c);
  check_disjoint();
  size_t total = 0, lo = SIZE_MAX, hi = 0;
  for (const auto& [_, c] : clients) {
    const size_t n = count(c.owned);
    total += n;
    lo = std::min(lo, n);
    hi = std::max(hi, n);
    EXPECT_TRUE(n == 0 || (c.owned.size() == 1 && c.owned.count(big)));
  }
  EXPECT_EQ(total, 12u);
  EXPECT_LE(hi - lo, 1u);
  EXPECT_EQ(groups_->describe_consumer_group("g").state, "Stable");
}

}  // namespace
}  // namespace samsa::coordinator::testing
