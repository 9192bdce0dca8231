// Committed offsets: validation, fetch, delete, expiry, and persistence in
// __consumer_offsets across restarts.
#include "group_test_util.h"
#include "samsa/storage/partition_log.h"

namespace samsa::coordinator::testing {
namespace {

TEST_F(GroupTest, MemberCommitsAndFetches) {
  auto [ids, gen] = stable_group("g", 2);
  auto errors = commit("g", gen, ids[1],
                       {at("t", 0, 10, 3, std::string("meta")), at("t", 1, 20), at("nope", 0, 1),
                        at("t", 9, 1), at("u", 1, 5, -1, std::string(4097, 'x'))});
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0], ErrorCode::NONE);
  EXPECT_EQ(errors[1], ErrorCode::NONE);
  EXPECT_EQ(errors[2], ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_EQ(errors[3], ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_EQ(errors[4], ErrorCode::OFFSET_METADATA_TOO_LARGE);

  OffsetFetchParams p;
  p.group_id = "g";
  p.partitions = std::vector<TopicPartition>{{"t", 0}, {"t", 2}};
  auto r = groups_->fetch_offsets(p);
  ASSERT_EQ(r.offsets.size(), 2u);
  EXPECT_EQ(r.offsets[0].offset, 10);
  EXPECT_EQ(r.offsets[0].leader_epoch, 3);
  EXPECT_EQ(r.offsets[0].metadata, "meta");
  EXPECT_EQ(r.offsets[1].offset, -1);  // nothing committed
  EXPECT_EQ(r.offsets[1].error, ErrorCode::NONE);

  p.partitions.reset();  // all committed partitions
  r = groups_->fetch_offsets(p);
  ASSERT_EQ(r.offsets.size(), 2u);
  EXPECT_EQ(r.offsets[1].tp, (TopicPartition{"t", 1}));
  EXPECT_EQ(r.offsets[1].offset, 20);

  p.group_id = "unknown";
  EXPECT_TRUE(groups_->fetch_offsets(p).offsets.empty());
  EXPECT_EQ(committed("unknown", "t", 0), -1);
}

TEST_F(GroupTest, OffsetsTopicIsCreatedOnFirstCommit) {
  // As in Kafka, a broker whose clients never use groups has no __consumer_offsets.
  EXPECT_EQ(logs_->find_topic("__consumer_offsets"), nullptr);
  auto [ids, gen] = stable_group("g", 1);  // the group's metadata is its first write
  EXPECT_EQ(commit("g", gen, ids[0], {at("t", 0, 7)})[0], ErrorCode::NONE);
  ASSERT_NE(logs_->find_topic("__consumer_offsets"), nullptr);
  reopen();
  EXPECT_EQ(committed("g", "t", 0), 7);
}

TEST_F(GroupTest, CommitValidation) {
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(commit("g", gen + 1, ids[0], {at("t", 0, 1)})[0], ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(commit("g", gen, "ghost", {at("t", 0, 1)})[0], ErrorCode::UNKNOWN_MEMBER_ID);
  // The admin client may not reset offsets under an active group.
  EXPECT_EQ(commit("g", -1, "", {at("t", 0, 1)})[0], ErrorCode::UNKNOWN_MEMBER_ID);
  // Kafka still accepts commits to the empty group id, for old clients.
  EXPECT_EQ(commit("", -1, "", {at("t", 0, 1)})[0], ErrorCode::NONE);
  EXPECT_EQ(committed("", "t", 0), 1);
  EXPECT_EQ(commit("nogroup", 3, "m", {at("t", 0, 1)})[0], ErrorCode::ILLEGAL_GENERATION);

  // During CompletingRebalance commits wait for the new generation.
  auto [c, jc] = join_new("g");
  auto j0 = join(join_params("g", ids[0]));
  ASSERT_TRUE(j0->has_value());
  EXPECT_EQ(commit("g", gen + 1, ids[0], {at("t", 0, 1)})[0], ErrorCode::REBALANCE_IN_PROGRESS);
}

TEST_F(GroupTest, AdminCommitResetsOffsetsOfAnEmptyGroup) {
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(commit("g", gen, ids[0], {at("t", 0, 100)})[0], ErrorCode::NONE);
  groups_->leave_group("g", {{ids[0], std::nullopt}});
  ASSERT_EQ(groups_->group_state("g"), GroupState::kEmpty);
  // Skip a poison record: the admin client commits with no member and generation -1.
  EXPECT_EQ(commit("g", -1, "", {at("t", 0, 101)})[0], ErrorCode::NONE);
  EXPECT_EQ(committed("g", "t", 0), 101);
  // A group that does not exist is created as a simple group.
  EXPECT_EQ(commit("fresh", -1, "", {at("u", 1, 5)})[0], ErrorCode::NONE);
  EXPECT_EQ(groups_->group_state("fresh"), GroupState::kEmpty);
  EXPECT_EQ(committed("fresh", "u", 1), 5);
}

TEST_F(GroupTest, RequireStableSeesPendingCommits) {
  auto [ids, gen] = stable_group("g", 1);
  OffsetCommitParams p;
  p.group_id = "g";
  p.generation_id_or_member_epoch = gen;
  p.member_id = ids[0];
  p.entries = {at("t", 0, 42)};
  auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->commit_offsets(p, [slot](auto e) { *slot = e; });
  ASSERT_FALSE(slot->has_value());  // not durable yet: no answer
  OffsetFetchParams f;
  f.group_id = "g";
  f.partitions = std::vector<TopicPartition>{{"t", 0}};
  f.require_stable = true;
  EXPECT_EQ(groups_->fetch_offsets(f).offsets[0].error, ErrorCode::UNSTABLE_OFFSET_COMMIT);
  f.require_stable = false;
  EXPECT_EQ(groups_->fetch_offsets(f).offsets[0].offset, -1);
  EXPECT_EQ(wait(slot)[0], ErrorCode::NONE);
  f.require_stable = true;
  auto r = groups_->fetch_offsets(f);
  EXPECT_EQ(r.offsets[0].error, ErrorCode::NONE);
  EXPECT_EQ(r.offsets[0].offset, 42);
}

TEST_F(GroupTest, OffsetsAndGroupsSurviveRestart) {
  auto [ids, gen] = stable_group("g", 2);
  EXPECT_EQ(commit("g", gen, ids[0], {at("t", 0, 11, 2, std::string("m")), at("t", 3, 33)})[0],
            ErrorCode::NONE);
  EXPECT_EQ(commit("g", gen, ids[1], {at("t", 0, 12)})[0], ErrorCode::NONE);
  EXPECT_EQ(commit("simple", -1, "", {at("u", 0, 1)})[0], ErrorCode::NONE);
  reopen();
  EXPECT_EQ(committed("g", "t", 0), 12);
  EXPECT_EQ(committed("g", "t", 3), 33);
  EXPECT_EQ(committed("simple", "u", 0), 1);
  OffsetFetchParams p;
  p.group_id = "g";
  p.partitions = std::vector<TopicPartition>{{"t", 0}};
  EXPECT_EQ(groups_->fetch_offsets(p).offsets[0].metadata, "");

  // The members come back in their generation, as Kafka restores them: heartbeats and
  // commits carry on without a rebalance, and describe shows their assignments.
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
  EXPECT_EQ(groups_->generation("g"), gen);
  const auto described = groups_->describe_group("g");
  EXPECT_EQ(described.protocol_type, "consumer");
  EXPECT_EQ(described.protocol, "range");
  ASSERT_EQ(described.members.size(), 2u);
  for (const auto& m : described.members) EXPECT_EQ(m.assignment, bytes("a-" + m.member_id));
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::NONE);
  EXPECT_EQ(commit("g", gen, ids[1], {at("t", 0, 13)})[0], ErrorCode::NONE);
  EXPECT_EQ(committed("g", "t", 0), 13);

  // A member that does not come back expires after its session timeout (10 s here):
  // the one still heartbeating is told to rejoin, into the next generation.
  for (int i = 0; i < 4; ++i) {
    sched_.advance(3000);
    if (i < 3) {
      EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::NONE);
    }
  }
  EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::REBALANCE_IN_PROGRESS);
  auto rejoin = join(join_params("g", ids[0]));
  sched_.advance(100);
  ASSERT_TRUE(rejoin->has_value());
  EXPECT_EQ((*rejoin)->error, ErrorCode::NONE);
  EXPECT_EQ((*rejoin)->generation_id, gen + 1);
  EXPECT_EQ((*rejoin)->members.size(), 1u);
}

TEST_F(GroupTest, CompactionKeepsOnlyLiveState) {
  config_.compact_after_dead_records = 50;
  reopen();
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(commit("g", -1, "", {at("t", i % 4, i)})[0], ErrorCode::NONE);
  EXPECT_EQ(commit("gone", -1, "", {at("t", 0, 1)})[0], ErrorCode::NONE);
  auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->delete_groups({"gone"}, [slot](auto e) { *slot = e; });
  wait(slot);
  reopen();  // replays 200+ records, writes a 4-record snapshot and drops the rest
  auto* log = logs_->partition("__consumer_offsets", 0);
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(loop_.run_until([&] { return log->log_start_offset() > 0; }));
  EXPECT_EQ(log->log_end_offset() - log->log_start_offset(), 4);  // the 4 live offsets
  reopen();
  for (int p = 0; p < 4; ++p) EXPECT_EQ(committed("g", "t", p), 196 + p);
  EXPECT_FALSE(groups_->group_state("gone"));
}

TEST_F(GroupTest, OffsetsExpireForEmptyGroups) {
  config_.offsets_retention_ms = 60000;
  reopen();
  auto [ids, gen] = stable_group("g", 1);
  EXPECT_EQ(commit("g", gen, ids[0], {at("t", 0, 5)})[0], ErrorCode::NONE);
  EXPECT_EQ(commit("simple", -1, "", {at("t", 0, 6)})[0], ErrorCode::NONE);
  for (int i = 0; i < 12; ++i) {
    sched_.advance(5000);
    EXPECT_EQ(heartbeat("g", gen, ids[0]), ErrorCode::NONE);
  }
  sched_.advance(1000);
  EXPECT_EQ(groups_->expire_offsets(), 1u);  // only the simple group's commit is old
  EXPECT_FALSE(groups_->group_state("simple"));
  EXPECT_EQ(committed("g", "t", 0), 5);  // the active group keeps its offsets
  groups_->leave_group("g", {{ids[0], std::nullopt}});
  sched_.advance(59000);
  EXPECT_EQ(groups_->expire_offsets(), 0u);
  sched_.advance(1000);  // 60 s after the group became empty
  EXPECT_EQ(groups_->expire_offsets(), 1u);
  EXPECT_FALSE(groups_->group_state("g"));
  reopen();
  EXPECT_EQ(committed("g", "t", 0), -1);
}

TEST_F(GroupTest, OffsetDelete) {
  auto [ids, gen] = stable_group("g", 1);  // subscribed to "t"
  EXPECT_EQ(commit("g", gen, ids[0], {at("t", 0, 1), at("u", 0, 2)})[0], ErrorCode::NONE);
  auto slot = std::make_shared<std::optional<OffsetDeleteResult>>();
  groups_->delete_offsets("g", {{"t", 0}, {"u", 0}}, [slot](auto r) { *slot = r; });
  auto r = wait(slot);
  EXPECT_EQ(r.error, ErrorCode::NONE);
  ASSERT_EQ(r.partitions.size(), 2u);
  EXPECT_EQ(r.partitions[0], ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC);
  EXPECT_EQ(r.partitions[1], ErrorCode::NONE);
  EXPECT_EQ(committed("g", "t", 0), 1);
  EXPECT_EQ(committed("g", "u", 0), -1);

  slot = std::make_shared<std::optional<OffsetDeleteResult>>();
  groups_->delete_offsets("nogroup", {{"t", 0}}, [slot](auto r) { *slot = r; });
  EXPECT_EQ(wait(slot).error, ErrorCode::GROUP_ID_NOT_FOUND);

  groups_->leave_group("g", {{ids[0], std::nullopt}});
  slot = std::make_shared<std::optional<OffsetDeleteResult>>();
  groups_->delete_offsets("g", {{"t", 0}}, [slot](auto r) { *slot = r; });
  EXPECT_EQ(wait(slot).partitions[0], ErrorCode::NONE);
  reopen();
  EXPECT_EQ(committed("g", "t", 0), -1);
}

TEST(GroupLogCodec, RecordsRoundTripThroughKafkasLayout) {
  const Bytes key = encode_offset_key("grp", {"topic", 7});
  // version 1, "grp", "topic", 7
  const Bytes expected = {0, 1, 0, 3, 'g', 'r', 'p', 0, 5, 't', 'o', 'p', 'i', 'c', 0, 0, 0, 7};
  EXPECT_EQ(key, expected);
  const Bytes value = encode_offset_value({5, 2, "m", 99});
  EXPECT_EQ(value.size(), 2u + 8 + 4 + 2 + 1 + 8);
  EXPECT_EQ(value[1], 3);  // value version 3
}

// The broker's log cleaner compacts __consumer_offsets like any compacted topic (the
// coordinator's own snapshot is off here): what a restart replays from the cleaned log
// is the state the coordinator had.
TEST_F(GroupTest, TheLogCleanerCompactsTheOffsetsTopicAndReplayAgrees) {
  auto [ids, gen] = stable_group("g", 2);
  ASSERT_EQ(commit("g", gen, ids[0], {at("t", 0, 0)})[0], ErrorCode::NONE);
  std::string message;
  ASSERT_EQ(logs_->set_topic_configs(GroupLog::kTopic,
                                     {{"cleanup.policy", "compact"},
                                      {"segment.bytes", "2048"},
                                      {"min.cleanable.dirty.ratio", "0.01"},
                                      {"delete.retention.ms", "0"}},
                                     message),
            ErrorCode::NONE)
      << message;
  for (int i = 1; i <= 400; ++i)
    ASSERT_EQ(commit("g", gen, ids[i % 2], {at("t", i % 4, i)})[0], ErrorCode::NONE);
  ASSERT_EQ(commit("gone", -1, "", {at("u", 0, 7), at("u", 1, 8)})[0], ErrorCode::NONE);
  auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
  groups_->delete_groups({"gone"}, [slot](auto e) { *slot = e; });
  wait(slot);
  for (int i = 401; i <= 440; ++i)  // the deletion's tombstones leave the active segment
    ASSERT_EQ(commit("g", gen, ids[0], {at("t", i % 4, i)})[0], ErrorCode::NONE);

  storage::PartitionLog* log = logs_->partition(GroupLog::kTopic, 0);
  ASSERT_NE(log, nullptr);
  ASSERT_GT(log->segment_count(), 10u);
  const uint64_t before = log->size_bytes();
  const auto first = logs_->clean_now(sched_.now_ms(), /*force=*/true);
  EXPECT_EQ(first.logs_cleaned, 1u);
  EXPECT_GT(first.stats.records_removed, 300u);
  EXPECT_LT(log->size_bytes(), before / 4);
  // A second clean, past the tombstones' horizon (delete.retention.ms=0), drops them.
  for (int i = 441; i <= 480; ++i)
    ASSERT_EQ(commit("g", gen, ids[1], {at("t", i % 4, i)})[0], ErrorCode::NONE);
  sched_.advance(10);
  const auto second = logs_->clean_now(sched_.now_ms(), /*force=*/true);
  EXPECT_EQ(second.logs_cleaned, 1u);

  reopen();
  for (int p = 0; p < 4; ++p) EXPECT_EQ(committed("g", "t", p), p == 0 ? 480 : 476 + p);
  EXPECT_FALSE(groups_->group_state("gone"));
  EXPECT_EQ(committed("gone", "u", 0), -1);
  EXPECT_EQ(groups_->group_state("g"), GroupState::kStable);
  EXPECT_EQ(groups_->generation("g"), gen);
  EXPECT_EQ(heartbeat("g", gen, ids[1]), ErrorCode::NONE);
}

}  // namespace
}  // namespace samsa::coordinator::testing
