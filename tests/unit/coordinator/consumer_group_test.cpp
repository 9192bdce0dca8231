// The KIP-848 model on its own: member reconciliation (Kafka's CurrentAssignmentBuilder
// cases), partition ownership, group state, and the uniform and range assignors.
#include <gtest/gtest.h>

#include "samsa/coordinator/assignor.h"
#include "samsa/coordinator/consumer_group.h"

namespace samsa::coordinator {
namespace {

TopicId topic(uint8_t n) {
  TopicId id{};
  id[15] = n;
  return id;
}
const TopicId kA = topic(1);
const TopicId kB = topic(2);

Assignment parts(std::initializer_list<std::pair<TopicId, std::set<int32_t>>> list) {
  Assignment a;
  for (const auto& [t, p] : list) a[t] = p;
  return a;
}

ConsumerMember stable_member(const std::string& id, int32_t epoch, Assignment assigned) {
  ConsumerMember m;
  m.member_id = id;
  m.member_epoch = epoch;
  m.previous_member_epoch = epoch - 1;
  m.assigned = std::move(assigned);
  return m;
}

auto all_free = [](const TopicId&, int32_t) { return -1; };

size_t count(const Assignment& a) {
  size_t n = 0;
  for (const auto& [_, p] : a) n += p.size();
  return n;
}

// ---------------------------------------------------------------- reconciliation

TEST(Reconcile, StableMemberAtTargetEpochIsUnchanged) {
  const auto m = stable_member("m", 3, parts({{kA, {0, 1}}}));
  EXPECT_EQ(reconcile_member(m, 3, parts({{kA, {2}}}), all_free, std::nullopt), m);
}

TEST(Reconcile, NewPartitionsOnlyMoveToTheTargetEpochAtOnce) {
  const auto m = stable_member("m", 3, parts({{kA, {0}}}));
  const auto next = reconcile_member(m, 4, parts({{kA, {0, 1}}}), all_free, parts({{kA, {0}}}));
  EXPECT_EQ(next.member_epoch, 4);
  EXPECT_EQ(next.previous_member_epoch, 3);
  EXPECT_EQ(next.state, MemberState::kStable);
  EXPECT_EQ(next.assigned, parts({{kA, {0, 1}}}));
  EXPECT_TRUE(next.pending_revocation.empty());
}

TEST(Reconcile, RevocationComesFirstAndKeepsTheEpoch) {
  const auto m = stable_member("m", 3, parts({{kA, {0, 1}}}));
  const Assignment target = parts({{kA, {1, 2}}});
  const auto next = reconcile_member(m, 4, target, all_free, parts({{kA, {0, 1}}}));
  EXPECT_EQ(next.state, MemberState::kUnrevokedPartitions);
  EXPECT_EQ(next.member_epoch, 3);
  EXPECT_EQ(next.assigned, parts({{kA, {1}}}));  // partition 2 is not given yet
  EXPECT_EQ(next.pending_revocation, parts({{kA, {0}}}));

  // Still reporting partition 0 (or nothing at all): it waits.
  EXPECT_EQ(reconcile_member(next, 4, target, all_free, parts({{kA, {0, 1}}})), next);
  EXPECT_EQ(reconcile_member(next, 4, target, all_free, std::nullopt), next);

  // Revoked: the member moves on and gets partition 2.
  const auto done = reconcile_member(next, 4, target, all_free, parts({{kA, {1}}}));
  EXPECT_EQ(done.state, MemberState::kStable);
  EXPECT_EQ(done.member_epoch, 4);
  EXPECT_EQ(done.assigned, target);
  EXPECT_TRUE(done.pending_revocation.empty());
}

TEST(Reconcile, RevocationAlreadyDoneByTheClientIsSkipped) {
  const auto m = stable_member("m", 3, parts({{kA, {0, 1}}}));
  const auto next = reconcile_member(m, 4, parts({{kA, {1}}}), all_free, parts({{kA, {1}}}));
  EXPECT_EQ(next.state, MemberState::kStable);
  EXPECT_EQ(next.member_epoch, 4);
  EXPECT_EQ(next.assigned, parts({{kA, {1}}}));
}

TEST(Reconcile, PartitionsOwnedByOthersWaitAsUnreleased) {
  const auto m = stable_member("m", 3, parts({{kA, {0}}}));
  const Assignment target = parts({{kA, {0, 1, 2}}});
  auto owned_by_other = [](const TopicId&, int32_t p) { return p == 2 ? 5 : -1; };
  const auto next = reconcile_member(m, 4, target, owned_by_other, parts({{kA, {0}}}));
  EXPECT_EQ(next.state, MemberState::kUnreleasedPartitions);
  EXPECT_EQ(next.member_epoch, 4);
  EXPECT_EQ(next.assigned, parts({{kA, {0, 1}}}));

  // Still owned: it keeps waiting with what it has.
  const auto waiting = reconcile_member(next, 4, target, owned_by_other, parts({{kA, {0, 1}}}));
  EXPECT_EQ(waiting.state, MemberState::kUnreleasedPartitions);
  EXPECT_EQ(waiting.member_epoch, 4);
  EXPECT_EQ(waiting.assigned, next.assigned);
  // Released: it is assigned.
  const auto done = reconcile_member(next, 4, target, all_free, parts({{kA, {0, 1}}}));
  EXPECT_EQ(done.state, MemberState::kStable);
  EXPECT_EQ(done.assigned, target);
}

TEST(Reconcile, UnrevokedMemberReconcilesTowardsANewerTarget) {
  auto m = stable_member("m", 3, parts({{kA, {0, 1}}}));
  m = reconcile_member(m, 4, parts({{kA, {1}}}), all_free, parts({{kA, {0, 1}}}));
  ASSERT_EQ(m.state, MemberState::kUnrevokedPartitions);
  // Epoch 5 takes partition 1 away too; the member revoked 0 meanwhile.
  const auto next = reconcile_member(m, 5, parts({{kB, {0}}}), all_free, parts({{kA, {1}}}));
  EXPECT_EQ(next.state, MemberState::kUnrevokedPartitions);
  EXPECT_EQ(next.member_epoch, 4);
  EXPECT_EQ(next.pending_revocation, parts({{kA, {1}}}));
  EXPECT_TRUE(next.assigned.empty());
  const auto done = reconcile_member(next, 5, parts({{kB, {0}}}), all_free, Assignment{});
  EXPECT_EQ(done.member_epoch, 5);
  EXPECT_EQ(done.assigned, parts({{kB, {0}}}));
}

// ---------------------------------------------------------------- group model

TEST(ConsumerGroupModel, TracksPartitionOwnershipAndState) {
  ConsumerGroupModel g;
  EXPECT_EQ(g.state(), ConsumerGroupState::kEmpty);
  g.group_epoch = 2;
  g.assignment_epoch = 1;
  g.update_member(stable_member("a", 1, parts({{kA, {0, 1}}})));
  EXPECT_EQ(g.state(), ConsumerGroupState::kAssigning);
  g.assignment_epoch = 2;
  EXPECT_EQ(g.state(), ConsumerGroupState::kReconciling);
  EXPECT_EQ(g.partition_epoch(kA, 0), 1);
  EXPECT_EQ(g.partition_epoch(kA, 2), -1);
  ASSERT_NE(g.partition_owner(kA, 1), nullptr);
  EXPECT_EQ(*g.partition_owner(kA, 1), "a");

  auto revoking = stable_member("a", 1, parts({{kA, {1}}}));
  revoking.pending_revocation = parts({{kA, {0}}});
  revoking.state = MemberState::kUnrevokedPartitions;
  g.update_member(revoking);
  EXPECT_EQ(g.partition_epoch(kA, 0), 1);  // still owned until revoked

  g.update_member(stable_member("a", 2, parts({{kA, {1}}})));
  EXPECT_EQ(g.partition_epoch(kA, 0), -1);
  EXPECT_EQ(g.partition_epoch(kA, 1), 2);
  EXPECT_EQ(g.state(), ConsumerGroupState::kStable);

  EXPECT_THROW(g.update_member(stable_member("b", 2, parts({{kA, {1}}}))), std::logic_error);
  g.remove_member("a");
  EXPECT_EQ(g.partition_epoch(kA, 1), -1);
  EXPECT_EQ(g.state(), ConsumerGroupState::kEmpty);
}

TEST(ConsumerGroupModel, PreferredAssignorIsTheMostRequested) {
  ConsumerGroupModel g;
  EXPECT_EQ(g.preferred_assignor("uniform"), "uniform");
  auto a = stable_member("a", 1, {});
  a.server_assignor = "range";
  g.update_member(a);
  g.update_member(stable_member("b", 1, {}));
  EXPECT_EQ(g.preferred_assignor("uniform"), "range");
}

// ---------------------------------------------------------------- assignors

std::vector<AssignorMember> members_of(int n, std::set<TopicId> topics,
                                       const std::map<std::string, Assignment>& previous = {}) {
  std::vector<AssignorMember> out;
  for (int i = 0; i < n; ++i) {
    AssignorMember m;
    m.member_id = "m" + std::to_string(i);
    m.subscribed = topics;
    if (auto it = previous.find(m.member_id); it != previous.end()) m.previous_target = it->second;
    out.push_back(std::move(m));
  }
  return out;
}

// Every partition of the topics exactly once.
void expect_exact_cover(const std::map<std::string, Assignment>& result,
                        const std::vector<AssignorTopic>& topics) {
  std::map<std::pair<TopicId, int32_t>, int> seen;
  for (const auto& [_, a] : result)
    for (const auto& [t, ps] : a)
      for (int32_t p : ps) ++seen[{t, p}];
  size_t total = 0;
  for (const auto& t : topics) {
    total += static_cast<size_t>(t.partitions);
    for (int32_t p = 0; p < t.partitions; ++p) EXPECT_EQ((seen[{t.id, p}]), 1) << t.name << p;
  }
  EXPECT_EQ(seen.size(), total);
}

TEST(UniformAssignor, BalancesAndStaysSticky) {
  auto uniform = make_assignor("uniform");
  ASSERT_TRUE(uniform);
  const std::vector<AssignorTopic> topics = {{kA, "a", 12}};
  auto three = uniform->assign(members_of(3, {kA}), topics);
  expect_exact_cover(three, topics);
  for (const auto& [_, a] : three) EXPECT_EQ(count(a), 4u);

  // A fourth member takes three partitions; everyone else keeps three of its four.
  auto four = uniform->assign(members_of(4, {kA}, three), topics);
  expect_exact_cover(four, topics);
  for (const auto& [id, a] : four) {
    EXPECT_EQ(count(a), 3u) << id;
    if (id == "m3") continue;
    EXPECT_TRUE(is_subset(a, three.at(id))) << id;
  }

  // One leaves: the two others keep all they had.
  std::map<std::string, Assignment> prev = {{"m0", four["m0"]}, {"m1", four["m1"]}};
  auto two = uniform->assign(members_of(2, {kA}, prev), topics);
  expect_exact_cover(two, topics);
  for (const auto& [id, a] : two) {
    EXPECT_EQ(count(a), 6u);
    EXPECT_TRUE(is_subset(prev[id], a));
  }
}

TEST(UniformAssignor, HeterogeneousSubscriptionsOnlyGetTheirTopics) {
  auto uniform = make_assignor("org.apache.kafka.coordinator.group.assignor.UniformAssignor");
  ASSERT_TRUE(uniform);
  const std::vector<AssignorTopic> topics = {{kA, "a", 3}, {kB, "b", 3}};
  std::vector<AssignorMember> members(2);
  members[0].member_id = "x";
  members[0].subscribed = {kA};
  members[1].member_id = "y";
  members[1].subscribed = {kA, kB};
  auto r = uniform->assign(members, topics);
  expect_exact_cover(r, topics);
  EXPECT_EQ(r["x"].count(kB), 0u);
  EXPECT_EQ(count(r["x"]), 3u);  // balanced: 3 and 3
  EXPECT_EQ(count(r["y"]), 3u);
}

TEST(UniformAssignor, UnsubscribedTopicsAndNoMembers) {
  auto uniform = make_assignor("uniform");
  EXPECT_TRUE(uniform->assign({}, {{kA, "a", 3}}).empty());
  auto r = uniform->assign(members_of(2, {kA}), {{kA, "a", 2}, {kB, "b", 5}});
  EXPECT_EQ(count(r["m0"]) + count(r["m1"]), 2u);
}

TEST(RangeAssignor, ContiguousRangesPerTopic) {
  auto range = make_assignor("range");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->name(), "range");
  const std::vector<AssignorTopic> topics = {{kA, "a", 5}, {kB, "b", 5}};
  auto r = range->assign(members_of(2, {kA, kB}), topics);
  expect_exact_cover(r, topics);
  EXPECT_EQ(r["m0"], parts({{kA, {0, 1, 2}}, {kB, {0, 1, 2}}}));
  EXPECT_EQ(r["m1"], parts({{kA, {3, 4}}, {kB, {3, 4}}}));
  EXPECT_EQ(make_assignor("sticky"), nullptr);
  EXPECT_EQ(canonical_assignor_name("org.apache.kafka.coordinator.group.assignor.RangeAssignor"),
            "range");
}

}  // namespace
}  // namespace samsa::coordinator
