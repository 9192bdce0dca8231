// Offsets committed inside a transaction (TxnOffsetCommit, KIP-98): pending until the
// transaction's marker is written into __consumer_offsets, then committed or dropped;
// their replay after a restart; compaction that keeps what is still pending.
#include "group_test_util.h"
#include "samsa/storage/partition_log.h"

namespace samsa::coordinator::testing {
namespace {

const TopicPartition kT0{"t", 0};
const TopicPartition kT1{"t", 1};
const TopicPartition kT2{"t", 2};

class GroupTxnOffsetsTest : public GroupTest {
 protected:
  std::vector<ErrorCode> txn_commit(const std::string& group, int64_t pid, int16_t epoch,
                                    std::vector<OffsetCommitEntry> entries, int32_t generation = -1,
                                    const std::string& member = "") {
    TxnOffsetCommitParams p;
    p.transactional_id = "txn-" + std::to_string(pid);
    p.group_id = group;
    p.producer_id = pid;
    p.producer_epoch = epoch;
    p.generation_id = generation;
    p.member_id = member;
    p.entries = std::move(entries);
    auto slot = std::make_shared<std::optional<std::vector<ErrorCode>>>();
    groups_->txn_commit_offsets(std::move(p), [slot](std::vector<ErrorCode> e) { *slot = e; });
    return wait(slot);
  }
  ErrorCode complete(int64_t pid, int16_t epoch, bool commit) {
    auto slot = std::make_shared<std::optional<ErrorCode>>();
    groups_->complete_transaction(pid, epoch, commit, [slot](ErrorCode e) { *slot = e; });
    return wait(slot);
  }
  FetchedOffset fetch(const std::string& group, const TopicPartition& tp, bool require_stable) {
    OffsetFetchParams p;
    p.group_id = group;
    p.partitions = std::vector<TopicPartition>{tp};
    p.require_stable = require_stable;
    const auto r = groups_->fetch_offsets(p);
    EXPECT_EQ(r.offsets.size(), 1u);
    return r.offsets.empty() ? FetchedOffset{} : r.offsets[0];
  }
  // The offset with require_stable, or the error it got.
  void expect_stable(const std::string& group, const TopicPartition& tp, int64_t offset) {
    const FetchedOffset f = fetch(group, tp, true);
    EXPECT_EQ(f.error, ErrorCode::NONE) << group << " " << tp.topic << "-" << tp.partition;
    EXPECT_EQ(f.offset, offset) << group << " " << tp.topic << "-" << tp.partition;
  }
  // Pending: require_stable is told so, a plain fetch sees `offset` (what was there).
  void expect_pending(const std::string& group, const TopicPartition& tp, int64_t offset) {
    EXPECT_EQ(fetch(group, tp, true).error, ErrorCode::UNSTABLE_OFFSET_COMMIT)
        << group << " " << tp.topic << "-" << tp.partition;
    const FetchedOffset f = fetch(group, tp, false);
    EXPECT_EQ(f.error, ErrorCode::NONE);
    EXPECT_EQ(f.offset, offset) << group << " " << tp.topic << "-" << tp.partition;
  }
  storage::PartitionLog* offsets_log() { return logs_->partition(GroupLog::kTopic, 0); }
};

TEST_F(GroupTxnOffsetsTest, OffsetsCountOnceTheTransactionCommits) {
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 3)})[0], ErrorCode::NONE);
  const auto errors =
      txn_commit("g", 100, 0, {at("t", 0, 10, 2, std::string("m")), at("t", 1, 11)});
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::NONE, ErrorCode::NONE}));
  expect_pending("g", kT0, 3);
  expect_pending("g", kT1, -1);
  // The records are in the log, in a transactional batch: the log is not stable.
  auto* log = offsets_log();
  ASSERT_NE(log, nullptr);
  EXPECT_LT(log->last_stable_offset(), log->log_end_offset());

  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("g", kT0, 10);
  expect_stable("g", kT1, 11);
  const FetchedOffset f = fetch("g", kT0, true);
  EXPECT_EQ(f.leader_epoch, 2);
  EXPECT_EQ(f.metadata, "m");
  EXPECT_EQ(log->last_stable_offset(), log->log_end_offset());
  // All committed partitions, with no list given.
  OffsetFetchParams all;
  all.group_id = "g";
  EXPECT_EQ(groups_->fetch_offsets(all).offsets.size(), 2u);
}

TEST_F(GroupTxnOffsetsTest, AnAbortedTransactionsOffsetsAreDropped) {
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 3)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 10), at("t", 1, 11)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(100, 0, false), ErrorCode::NONE);
  expect_stable("g", kT0, 3);
  expect_stable("g", kT1, -1);
  // A later marker of the same producer finds nothing left to apply.
  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("g", kT0, 3);
}

TEST_F(GroupTxnOffsetsTest, TransactionsOfProducersAreIndependent) {
  ASSERT_EQ(txn_commit("g1", 100, 0, {at("t", 0, 10)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g2", 100, 0, {at("t", 0, 20)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g1", 200, 0, {at("t", 1, 30)})[0], ErrorCode::NONE);
  // A marker for a producer with no pending offsets is still written, harmlessly.
  EXPECT_EQ(complete(999, 0, true), ErrorCode::NONE);
  expect_pending("g1", kT0, -1);

  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("g1", kT0, 10);
  expect_stable("g2", kT0, 20);
  expect_pending("g1", kT1, -1);
  EXPECT_EQ(complete(200, 0, false), ErrorCode::NONE);
  expect_stable("g1", kT1, -1);
  expect_stable("g1", kT0, 10);
}

TEST_F(GroupTxnOffsetsTest, TheLatestPendingOffsetOfAProducerWins) {
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 10)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 12)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("g", kT0, 12);
  reopen();
  expect_stable("g", kT0, 12);
}

// Kafka compares the log positions of a transaction's offset and a plain commit of the
// same partition: the later one wins when the transaction commits. Across a restart too
// (the log keeps their order: it is compacted only before the oldest open transaction).
TEST_F(GroupTxnOffsetsTest, APlainCommitAfterTheTransactionalOneWins) {
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 10)})[0], ErrorCode::NONE);
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 15)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("g", kT0, 15);
  reopen();
  expect_stable("g", kT0, 15);
}

TEST_F(GroupTxnOffsetsTest, TxnOffsetCommitValidation) {
  const auto errors = txn_commit(
      "g", 100, 0,
      {at("nope", 0, 1), at("t", 9, 1), at("t", 0, 5), at("t", 1, 6, -1, std::string(4097, 'x'))});
  EXPECT_EQ(errors, (std::vector<ErrorCode>{ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                                            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, ErrorCode::NONE,
                                            ErrorCode::OFFSET_METADATA_TOO_LARGE}));
  expect_pending("g", kT0, -1);
  expect_stable("g", kT1, -1);  // the refused entry is not pending

  // Membership, when the client sends it (TxnOffsetCommit v3+), is checked as Kafka does.
  auto [ids, gen] = stable_group("member", 1);
  EXPECT_EQ(txn_commit("member", 200, 0, {at("t", 0, 1)}, gen + 1, ids[0])[0],
            ErrorCode::ILLEGAL_GENERATION);
  EXPECT_EQ(txn_commit("member", 200, 0, {at("t", 0, 1)}, gen, "ghost")[0],
            ErrorCode::UNKNOWN_MEMBER_ID);
  EXPECT_EQ(txn_commit("member", 200, 0, {at("t", 0, 7)}, gen, ids[0])[0], ErrorCode::NONE);
  // Older clients send none: nothing to check.
  EXPECT_EQ(txn_commit("member", 200, 0, {at("t", 1, 8)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(200, 0, true), ErrorCode::NONE);
  expect_stable("member", kT0, 7);
  expect_stable("member", kT1, 8);
}

TEST_F(GroupTxnOffsetsTest, AFencedProducersOffsetsAreRefused) {
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 10)})[0], ErrorCode::NONE);
  // The transaction coordinator fenced the producer: abort marker under epoch 1.
  EXPECT_EQ(complete(100, 1, false), ErrorCode::NONE);
  EXPECT_EQ(txn_commit("g", 100, 0, {at("t", 0, 11)})[0], ErrorCode::INVALID_PRODUCER_EPOCH);
  expect_stable("g", kT0, -1);
  ASSERT_EQ(txn_commit("g", 100, 1, {at("t", 0, 12)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(100, 1, true), ErrorCode::NONE);
  expect_stable("g", kT0, 12);
}

TEST_F(GroupTxnOffsetsTest, PendingOffsetsAfterARestart) {
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 1), at("t", 1, 1), at("t", 2, 1)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g", 100, 0, {at("t", 0, 10)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g", 200, 0, {at("t", 1, 20)})[0], ErrorCode::NONE);
  ASSERT_EQ(txn_commit("g", 300, 0, {at("t", 2, 30)})[0], ErrorCode::NONE);
  // A group known only through a pending transaction.
  ASSERT_EQ(txn_commit("fresh", 300, 0, {at("u", 0, 31)})[0], ErrorCode::NONE);
  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  EXPECT_EQ(complete(200, 0, false), ErrorCode::NONE);

  reopen();
  expect_stable("g", kT0, 10);  // its commit marker was written
  expect_stable("g", kT1, 1);   // its abort marker was written
  expect_pending("g", kT2, 1);  // no marker yet
  expect_pending("fresh", {"u", 0}, -1);
  EXPECT_TRUE(groups_->group_state("fresh"));

  // The transaction coordinator finishes it after the restart.
  EXPECT_EQ(complete(300, 0, true), ErrorCode::NONE);
  expect_stable("g", kT2, 30);
  expect_stable("fresh", {"u", 0}, 31);
  reopen();
  expect_stable("g", kT0, 10);
  expect_stable("g", kT1, 1);
  expect_stable("g", kT2, 30);
  expect_stable("fresh", {"u", 0}, 31);
}

TEST_F(GroupTxnOffsetsTest, CompactionKeepsPendingTransactionalOffsets) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(commit("g", -1, "", {at("t", 0, i)})[0], ErrorCode::NONE);
  auto* log = offsets_log();
  ASSERT_NE(log, nullptr);
  const int64_t txn_offset = log->log_end_offset();
  ASSERT_EQ(txn_commit("g", 300, 0, {at("t", 1, 50)})[0], ErrorCode::NONE);
  for (int i = 5; i < 10; ++i) ASSERT_EQ(commit("g", -1, "", {at("t", 0, i)})[0], ErrorCode::NONE);
  ASSERT_EQ(log->last_stable_offset(), txn_offset);

  groups_->compact_log();
  // The log start moves up to the pending transaction's records, not past them.
  ASSERT_TRUE(loop_.run_until([&] { return log->log_start_offset() > 0; }));
  EXPECT_EQ(log->log_start_offset(), txn_offset);

  reopen();
  expect_pending("g", kT1, -1);
  expect_stable("g", kT0, 9);
  EXPECT_EQ(complete(300, 0, true), ErrorCode::NONE);
  expect_stable("g", kT1, 50);

  // Once the transaction is over, compaction passes it.
  log = offsets_log();
  ASSERT_NE(log, nullptr);
  const int64_t snapshot_at = log->log_end_offset();
  groups_->compact_log();
  ASSERT_TRUE(loop_.run_until([&] { return log->log_start_offset() > txn_offset; }));
  EXPECT_EQ(log->log_start_offset(), snapshot_at);
  reopen();
  expect_stable("g", kT0, 9);
  expect_stable("g", kT1, 50);
}

// Which commit is later survives compaction and a restart: the snapshot (written at the
// end of the log, after the pending transactional records it cannot drop) is no commit.
TEST_F(GroupTxnOffsetsTest, CommitOrderSurvivesCompaction) {
  ASSERT_EQ(commit("g", -1, "", {at("t", 0, 5)})[0], ErrorCode::NONE);  // before the txn's
  auto* log = offsets_log();
  ASSERT_NE(log, nullptr);
  const int64_t txn_offset = log->log_end_offset();
  ASSERT_EQ(txn_commit("g", 400, 0, {at("t", 0, 10), at("t", 1, 20)})[0], ErrorCode::NONE);
  ASSERT_EQ(commit("g", -1, "", {at("t", 1, 25)})[0], ErrorCode::NONE);  // after the txn's
  groups_->compact_log();
  ASSERT_TRUE(loop_.run_until([&] { return log->log_start_offset() > 0; }));
  EXPECT_EQ(log->log_start_offset(), txn_offset);
  reopen();
  expect_pending("g", kT0, 5);
  expect_pending("g", kT1, 25);
  EXPECT_EQ(complete(400, 0, true), ErrorCode::NONE);
  expect_stable("g", kT0, 10);  // the transaction's offset is the later one
  expect_stable("g", kT1, 25);  // the plain commit is
  reopen();
  expect_stable("g", kT0, 10);
  expect_stable("g", kT1, 25);
}

TEST_F(GroupTxnOffsetsTest, PendingOffsetsKeepAGroupFromExpiring) {
  // Kafka removes an empty group only when it has no offsets, committed or pending
  // (GroupMetadata.hasOffsets counts pending transactional ones).
  config_.offsets_retention_ms = 1000;
  reopen();
  ASSERT_EQ(txn_commit("fresh", 100, 0, {at("t", 0, 5)})[0], ErrorCode::NONE);
  sched_.advance(2000);
  EXPECT_EQ(groups_->expire_offsets(), 0u);
  EXPECT_TRUE(groups_->group_state("fresh"));
  EXPECT_EQ(complete(100, 0, true), ErrorCode::NONE);
  expect_stable("fresh", kT0, 5);
  reopen();
  expect_stable("fresh", kT0, 5);
}

}  // namespace
}  // namespace samsa::coordinator::testing
