// The transaction coordinator against Kafka's TransactionCoordinator (3.9): producer ids
// and epochs per transactional id (KIP-98, KIP-360), the state machine, markers in the
// partitions and in __consumer_offsets, timeouts, expiry, the admin views, and the
// replay of __transaction_state after a restart. A real LogManager in a temp dir; time
// and timers from a ManualScheduler; fsync completions pumped through a TestLoop.
#include "samsa/coordinator/transaction_coordinator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../storage/storage_test_util.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/coordinator/transaction_log.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/record_batch.h"

namespace samsa::coordinator {
namespace {

using storage::testing::TempDir;
using storage::testing::TestLoop;

constexpr int32_t kNever = 1'000'000'000;  // timer intervals that never fall due here
const TopicPartition kT0{"t", 0};
const TopicPartition kT1{"t", 1};
const TopicPartition kU0{"u", 0};
const TopicPartition kOffsets{TransactionCoordinator::kOffsetsTopic, 0};

std::vector<std::string> ids_of(const std::vector<TransactionListing>& listings) {
  std::vector<std::string> out;
  for (const auto& l : listings) out.push_back(l.transactional_id);
  return out;
}

class TxnCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.max_timeout_ms = 60000;
    config_.id_expiration_ms = 3'600'000;
    // The timers stay out of the way: tests call their work directly (one test lets
    // them run).
    config_.abort_timed_out_interval_ms = kNever;
    config_.remove_expired_interval_ms = kNever;
    config_.marker_retry_ms = 100;
    group_config_.offsets_retention_check_interval_ms = 0;
    open_logs();
    std::string message;
    ASSERT_EQ(logs_->create_topic("t", 2, {}, message), ErrorCode::NONE) << message;
    ASSERT_EQ(logs_->create_topic("u", 1, {}, message), ErrorCode::NONE) << message;
    start();
  }
  void TearDown() override { close(); }

  void open_logs() {
    storage::LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.post_to_loop = loop_.poster();
    o.now_ms = sched_.now_ms();
    logs_ = storage::LogManager::open(std::move(o));
    pids_ = std::make_unique<ProducerIdManager>(dir_.str(), 10);
  }
  // The coordinators, loaded: groups first, as the broker starts them (markers for
  // __consumer_offsets go through the group coordinator).
  void start() {
    groups_ = std::make_unique<GroupCoordinator>(group_config_, sched_, *logs_);
    groups_->load();
    txns_ = std::make_unique<TransactionCoordinator>(
        config_, sched_, *logs_, *pids_, *groups_,
        [this](const std::string& topic, int32_t partition) {
          marked_.push_back({topic, partition});
        });
    txns_->load();
  }
  void close() {
    if (txns_) txns_->shutdown();
    if (groups_) groups_->shutdown();
    loop_.drain();
    txns_.reset();
    groups_.reset();
    if (logs_) logs_->shutdown();
    loop_.drain();
    logs_.reset();
    pids_.reset();
  }
  void restart() {
    close();
    open_logs();
    start();
  }

  InitProducerIdResult init(const std::string& id, int32_t timeout_ms = 10000,
                            int64_t expected_pid = -1, int16_t expected_epoch = -1) {
    std::optional<InitProducerIdResult> result;
    txns_->init_producer_id(id, timeout_ms, expected_pid, expected_epoch,
                            [&](InitProducerIdResult r) { result = r; });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(InitProducerIdResult{ErrorCode::UNKNOWN_SERVER_ERROR});
  }
  // A producer ready for a transaction.
  InitProducerIdResult producer(const std::string& id, int32_t timeout_ms = 10000) {
    const InitProducerIdResult r = init(id, timeout_ms);
    EXPECT_EQ(r.error, ErrorCode::NONE);
    return r;
  }
  ErrorCode add(const std::string& id, const InitProducerIdResult& p,
                std::vector<TopicPartition> partitions) {
    return add(id, p.producer_id, p.producer_epoch, std::move(partitions));
  }
  ErrorCode add(const std::string& id, int64_t pid, int16_t epoch,
                std::vector<TopicPartition> partitions) {
    std::optional<ErrorCode> result;
    txns_->add_partitions(id, pid, epoch, std::move(partitions), [&](ErrorCode e) { result = e; });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(ErrorCode::UNKNOWN_SERVER_ERROR);
  }
  // EndTxn; `state_at_answer` receives the state when the answer came.
  ErrorCode end(const std::string& id, int64_t pid, int16_t epoch, bool commit,
                std::optional<TxnState>* state_at_answer = nullptr) {
    std::optional<ErrorCode> result;
    txns_->end_transaction(id, pid, epoch, commit, 0, [&](EndTxnResult r) {
      result = r.error;
      if (state_at_answer) *state_at_answer = txns_->state(id);
    });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(ErrorCode::UNKNOWN_SERVER_ERROR);
  }
  ErrorCode end(const std::string& id, const InitProducerIdResult& p, bool commit) {
    return end(id, p.producer_id, p.producer_epoch, commit);
  }
  // EndTxn v5 (transactions v2): the answer carries the producer id and epoch.
  EndTxnResult end2(const std::string& id, int64_t pid, int16_t epoch, bool commit) {
    std::optional<EndTxnResult> result;
    txns_->end_transaction(id, pid, epoch, commit, 2, [&](EndTxnResult r) { result = r; });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(EndTxnResult{ErrorCode::UNKNOWN_SERVER_ERROR});
  }
  ErrorCode add2(const std::string& id, int64_t pid, int16_t epoch,
                 std::vector<TopicPartition> partitions) {
    std::optional<ErrorCode> result;
    txns_->add_partitions(
        id, pid, epoch, std::move(partitions), [&](ErrorCode e) { result = e; }, 2);
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(ErrorCode::UNKNOWN_SERVER_ERROR);
  }
  // Runs loop completions until `id` is in `state`.
  bool await_state(const std::string& id, TxnState state) {
    return loop_.run_until([&] { return txns_->state(id) == state; });
  }
  // Ends the transaction and waits for its markers and its Complete state.
  void finish(const std::string& id, const InitProducerIdResult& p, bool commit) {
    ASSERT_EQ(end(id, p, commit), ErrorCode::NONE);
    ASSERT_TRUE(await_state(id, commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort));
  }

  storage::PartitionLog& plog(const TopicPartition& tp) {
    storage::PartitionLog* log = logs_->partition(tp.topic, tp.partition);
    EXPECT_NE(log, nullptr) << tp.topic << "-" << tp.partition;
    return *log;
  }
  // Appends `count` records as the producer would (transactional unless told), returns
  // the first offset.
  int64_t produce(const TopicPartition& tp, int64_t pid, int16_t epoch, int32_t seq, int count = 1,
                  bool transactional = true) {
    storage::BatchSpec spec = storage::testing::idempotent(pid, epoch, seq);
    spec.transactional = transactional;
    const storage::AppendResult r =
        append(tp, storage::testing::make_batch(count, sched_.now_ms(), spec));
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    return r.base_offset;
  }
  storage::AppendResult append(const TopicPartition& tp, std::vector<uint8_t> batch) {
    storage::AppendOptions o;
    o.now_ms = sched_.now_ms();
    return plog(tp).append(batch, o);
  }
  // The header of the last batch of the partition.
  storage::BatchHeader last_batch(const TopicPartition& tp) {
    storage::PartitionLog& log = plog(tp);
    const storage::ReadResult r = log.read(log.log_end_offset() - 1, 1 << 20, true);
    EXPECT_EQ(r.error, ErrorCode::NONE);
    if (r.slices.empty()) return {};
    const FileSlice& s = r.slices.back();
    std::vector<uint8_t> data(s.length);
    if (s.memory) {
      std::copy_n(s.memory->data() + s.offset, s.length, data.begin());
    } else {
      EXPECT_EQ(::pread(s.file->fd(), data.data(), data.size(), static_cast<off_t>(s.offset)),
                static_cast<ssize_t>(data.size()));
    }
    storage::BatchHeader h;
    for (size_t pos = 0; pos + storage::batch_layout::kHeaderSize <= data.size();
         pos += h.size_in_bytes())
      h = storage::BatchHeader::parse(data.data() + pos);
    return h;
  }
  std::vector<std::pair<int64_t, int64_t>> aborted(const TopicPartition& tp) {
    const storage::ReadResult r =
        plog(tp).read(0, 1 << 20, true, storage::IsolationLevel::kReadCommitted);
    EXPECT_EQ(r.error, ErrorCode::NONE);
    std::vector<std::pair<int64_t, int64_t>> out;
    for (const auto& a : r.aborted) out.emplace_back(a.producer_id, a.first_offset);
    return out;
  }
  // Expects the partition's last batch to be the marker of `pid`, and nothing unstable.
  void expect_marker(const TopicPartition& tp, int64_t pid, int16_t epoch) {
    const storage::BatchHeader h = last_batch(tp);
    EXPECT_TRUE(h.is_control()) << tp.topic << "-" << tp.partition;
    EXPECT_TRUE(h.is_transactional());
    EXPECT_EQ(h.producer_id, pid);
    EXPECT_EQ(h.producer_epoch, epoch);
    EXPECT_EQ(plog(tp).last_stable_offset(), plog(tp).log_end_offset());
  }
  // A transactional id whose last transaction committed, as the log would hold it.
  TxnValue committed_state(int64_t producer_id, int16_t epoch) {
    TxnValue v;
    v.producer_id = producer_id;
    v.producer_epoch = epoch;
    v.timeout_ms = 10000;
    v.state = TxnState::kCompleteCommit;
    v.last_update_ms = sched_.now_ms();
    return v;
  }
  // Writes a record of __transaction_state as an earlier run would have left it.
  void write_state(const std::string& id, const TxnValue& value) {
    TransactionLog log(*logs_);
    std::optional<ErrorCode> result;
    log.append(id, value, sched_.now_ms(), [&](ErrorCode e) { result = e; });
    ASSERT_TRUE(loop_.run_until([&] { return result.has_value(); }));
    ASSERT_EQ(*result, ErrorCode::NONE);
  }
  std::vector<std::string> list(const std::vector<std::string>& states,
                                const std::vector<int64_t>& pids = {}, int64_t min_duration = -1,
                                std::vector<std::string>* unknown = nullptr) {
    std::vector<std::string> unknown_states;
    auto out = ids_of(txns_->list(states, pids, min_duration, unknown_states));
    if (unknown) *unknown = unknown_states;
    return out;
  }
  int64_t committed(const std::string& group, const TopicPartition& tp, bool require_stable,
                    ErrorCode* error = nullptr) {
    OffsetFetchParams p;
    p.group_id = group;
    p.partitions = std::vector<TopicPartition>{tp};
    p.require_stable = require_stable;
    const auto r = groups_->fetch_offsets(p);
    if (r.offsets.empty()) return -2;
    if (error) *error = r.offsets[0].error;
    return r.offsets[0].offset;
  }
  std::vector<ErrorCode> txn_commit(const std::string& id, const InitProducerIdResult& p,
                                    const std::string& group, const TopicPartition& tp,
                                    int64_t offset) {
    TxnOffsetCommitParams params;
    params.transactional_id = id;
    params.group_id = group;
    params.producer_id = p.producer_id;
    params.producer_epoch = p.producer_epoch;
    params.entries = {{tp, offset, -1, std::nullopt}};
    std::optional<std::vector<ErrorCode>> result;
    groups_->txn_commit_offsets(params, [&](std::vector<ErrorCode> e) { result = e; });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(std::vector<ErrorCode>{});
  }

  TransactionConfig config_;
  GroupConfig group_config_;
  TempDir dir_;
  TestLoop loop_;
  ManualScheduler sched_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<ProducerIdManager> pids_;
  std::unique_ptr<GroupCoordinator> groups_;
  std::unique_ptr<TransactionCoordinator> txns_;
  std::vector<TopicPartition> marked_;  // what the marker observer saw
};

// ---------------------------------------------------------------- InitProducerId

TEST_F(TxnCoordinatorTest, InitProducerIdGivesANewIdAtEpochZero) {
  EXPECT_EQ(txns_->size(), 0u);
  const auto a = init("a", 20000);
  EXPECT_EQ(a.error, ErrorCode::NONE);
  EXPECT_GE(a.producer_id, 0);
  EXPECT_EQ(a.producer_epoch, 0);
  EXPECT_EQ(txns_->state("a"), TxnState::kEmpty);
  const auto d = txns_->describe("a");
  EXPECT_EQ(d.error, ErrorCode::NONE);
  EXPECT_EQ(d.state, "Empty");
  EXPECT_EQ(d.timeout_ms, 20000);
  EXPECT_EQ(d.producer_id, a.producer_id);
  EXPECT_EQ(d.producer_epoch, 0);
  EXPECT_EQ(d.start_ms, -1);
  EXPECT_TRUE(d.partitions.empty());

  const auto b = init("b");
  EXPECT_EQ(b.error, ErrorCode::NONE);
  EXPECT_NE(b.producer_id, a.producer_id);
  EXPECT_EQ(b.producer_epoch, 0);
  EXPECT_EQ(txns_->size(), 2u);
  // The state was written before the answer: it is in __transaction_state.
  ASSERT_NE(logs_->find_topic(TransactionLog::kTopic), nullptr);
}

TEST_F(TxnCoordinatorTest, InitProducerIdAgainBumpsTheEpoch) {
  const auto first = producer("a");
  for (int16_t expected = 1; expected <= 3; ++expected) {
    const auto again = init("a", 15000);
    EXPECT_EQ(again.error, ErrorCode::NONE);
    EXPECT_EQ(again.producer_id, first.producer_id);
    EXPECT_EQ(again.producer_epoch, expected);
  }
  EXPECT_EQ(txns_->describe("a").timeout_ms, 15000);  // the latest timeout counts
  // The previous epoch is fenced.
  EXPECT_EQ(add("a", first, {kT0}), ErrorCode::PRODUCER_FENCED);
}

TEST_F(TxnCoordinatorTest, InitProducerIdValidatesItsRequest) {
  EXPECT_EQ(init("a", 0).error, ErrorCode::INVALID_TRANSACTION_TIMEOUT);
  EXPECT_EQ(init("a", -1).error, ErrorCode::INVALID_TRANSACTION_TIMEOUT);
  EXPECT_EQ(init("a", config_.max_timeout_ms + 1).error, ErrorCode::INVALID_TRANSACTION_TIMEOUT);
  EXPECT_EQ(init("", 1000).error, ErrorCode::INVALID_REQUEST);
  EXPECT_EQ(txns_->size(), 0u);  // nothing created for a refused request
  const auto r = init("a", config_.max_timeout_ms);
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(r.producer_epoch, 0);
  // A refused re-init leaves the id as it was.
  EXPECT_EQ(init("a", config_.max_timeout_ms + 1).error, ErrorCode::INVALID_TRANSACTION_TIMEOUT);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 0);
}

TEST_F(TxnCoordinatorTest, ExpectedProducerIdAndEpochAreChecked) {
  // KIP-360: a producer that saw an error asks for a bump of its own id and epoch.
  const auto p = producer("a");
  EXPECT_EQ(init("a", 10000, p.producer_id + 100, p.producer_epoch).error,
            ErrorCode::PRODUCER_FENCED);
  const auto bumped = init("a", 10000, p.producer_id, p.producer_epoch);
  EXPECT_EQ(bumped.error, ErrorCode::NONE);
  EXPECT_EQ(bumped.producer_id, p.producer_id);
  EXPECT_EQ(bumped.producer_epoch, 1);
  // Its answer got lost: the retry with the same epoch gets the same answer.
  const auto retry = init("a", 10000, p.producer_id, p.producer_epoch);
  EXPECT_EQ(retry.error, ErrorCode::NONE);
  EXPECT_EQ(retry.producer_id, p.producer_id);
  EXPECT_EQ(retry.producer_epoch, 1);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 1);
  // The next bump starts from the current epoch; an epoch older than the previous
  // one is fenced, and so is one that was never handed out.
  EXPECT_EQ(init("a", 10000, p.producer_id, 1).producer_epoch, 2);
  EXPECT_EQ(init("a", 10000, p.producer_id, 0).error, ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(init("a", 10000, p.producer_id, 7).error, ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 2);
}

TEST_F(TxnCoordinatorTest, AFencedProducerCannotComeBackWithItsOldEpoch) {
  // A second instance fences the first (no expected epoch): Kafka forgets the previous
  // epoch then, so the zombie's KIP-360 bump of epoch 0 is fenced instead of being
  // handed the new instance's epoch.
  const auto zombie = producer("a");
  const auto fresh = init("a");
  ASSERT_EQ(fresh.error, ErrorCode::NONE);
  ASSERT_EQ(fresh.producer_epoch, 1);
  EXPECT_EQ(init("a", 10000, zombie.producer_id, zombie.producer_epoch).error,
            ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 1);
  // The new instance's own bump still works.
  EXPECT_EQ(init("a", 10000, fresh.producer_id, fresh.producer_epoch).producer_epoch, 2);
}

TEST_F(TxnCoordinatorTest, ARecoveringProducerWhoseIdIsGoneGetsANewOne) {
  // Kafka: the expected id and epoch are accepted when the coordinator has no epoch for
  // the transactional id (it expired, say), and the answer is a new id at epoch 0.
  const auto r = init("gone", 10000, 4242, 5);
  EXPECT_EQ(r.error, ErrorCode::NONE);
  EXPECT_NE(r.producer_id, 4242);
  EXPECT_EQ(r.producer_epoch, 0);
}

TEST_F(TxnCoordinatorTest, AnExhaustedEpochRotatesTheProducerId) {
  close();
  open_logs();
  const int16_t exhausted = std::numeric_limits<int16_t>::max() - 1;
  TxnValue v = committed_state(500, exhausted);
  write_state("plain", v);
  v.producer_id = 600;
  write_state("retried", v);
  start();

  // A new instance: a new producer id at epoch 0 (ids are reserved above the log's).
  const auto plain = init("plain");
  EXPECT_EQ(plain.error, ErrorCode::NONE);
  EXPECT_GT(plain.producer_id, 600);
  EXPECT_EQ(plain.producer_epoch, 0);
  // The old instance's KIP-360 bump is fenced: it did not ask for the rotation.
  EXPECT_EQ(init("plain", 10000, 500, exhausted).error, ErrorCode::PRODUCER_FENCED);

  // The producer itself asks (KIP-360): rotated, and its retry gets the same answer.
  const auto rotated = init("retried", 10000, 600, exhausted);
  EXPECT_EQ(rotated.error, ErrorCode::NONE);
  EXPECT_NE(rotated.producer_id, 600);
  EXPECT_EQ(rotated.producer_epoch, 0);
  const auto retry = init("retried", 10000, 600, exhausted);
  EXPECT_EQ(retry.error, ErrorCode::NONE);
  EXPECT_EQ(retry.producer_id, rotated.producer_id);
  EXPECT_EQ(retry.producer_epoch, 0);
}

// ---------------------------------------------------------------- transactions v2

// KIP-890: every end bumps the epoch; the markers carry the new one; a retry of the
// end comes with the epoch below and gets the same answer.
TEST_F(TxnCoordinatorTest, V2EndsBumpTheEpoch) {
  const auto p = producer("a");
  const int64_t pid = p.producer_id;
  const int16_t e = p.producer_epoch;
  produce(kT0, pid, e, 0);
  ASSERT_EQ(add2("a", pid, e, {kT0}), ErrorCode::NONE);
  const EndTxnResult committed = end2("a", pid, e, true);
  EXPECT_EQ(committed.error, ErrorCode::NONE);
  EXPECT_EQ(committed.producer_id, pid);
  EXPECT_EQ(committed.producer_epoch, e + 1);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  expect_marker(kT0, pid, static_cast<int16_t>(e + 1));
  EXPECT_EQ(txns_->describe("a").producer_epoch, e + 1);

  // CompleteCommit: a retried commit is answered again; an abort with the old epoch
  // is not a retry of anything; a commit with the current epoch commits nothing.
  const EndTxnResult retried = end2("a", pid, e, true);
  EXPECT_EQ(retried.error, ErrorCode::NONE);
  EXPECT_EQ(retried.producer_epoch, e + 1);
  EXPECT_EQ(end2("a", pid, e, false).error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(end2("a", pid, e + 1, true).error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(end2("a", pid, static_cast<int16_t>(e - 1), true).error, ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(end2("a", pid + 1, e + 1, true).error, ErrorCode::INVALID_PRODUCER_ID_MAPPING);

  // An abort with the current epoch and no partitions still ends (and bumps).
  const EndTxnResult empty_abort = end2("a", pid, e + 1, false);
  EXPECT_EQ(empty_abort.error, ErrorCode::NONE);
  EXPECT_EQ(empty_abort.producer_epoch, e + 2);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  // CompleteAbort: the retried abort is answered; commits are not.
  EXPECT_EQ(end2("a", pid, e + 1, false).producer_epoch, e + 2);
  EXPECT_EQ(end2("a", pid, e + 1, true).error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(end2("a", pid, e + 2, true).error, ErrorCode::INVALID_TXN_STATE);

  // The next transaction under the new epoch; the old one is fenced.
  EXPECT_EQ(add2("a", pid, e + 1, {kT1}), ErrorCode::PRODUCER_FENCED);
  ASSERT_EQ(add2("a", pid, e + 2, {kT1}), ErrorCode::NONE);
  const EndTxnResult next = end2("a", pid, e + 2, true);
  EXPECT_EQ(next.producer_epoch, e + 3);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  expect_marker(kT1, pid, static_cast<int16_t>(e + 3));
}

TEST_F(TxnCoordinatorTest, V2EndsFromEmptyAndWhilePrepared) {
  const auto p = producer("a");
  const int64_t pid = p.producer_id;
  const int16_t e = p.producer_epoch;
  // Empty: nothing to commit; an abort of nothing ends; the epoch below is fenced.
  EXPECT_EQ(end2("a", pid, e, true).error, ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(end2("a", pid, static_cast<int16_t>(e - 1), false).error, ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(end2("a", pid, e, false).producer_epoch, e + 1);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));

  // While the commit is prepared: a retry waits, the other outcome is refused, and
  // the bumped epoch is not usable before the end completes.
  ASSERT_EQ(add2("a", pid, e + 1, {kT0}), ErrorCode::NONE);
  std::optional<EndTxnResult> first;
  txns_->end_transaction("a", pid, e + 1, true, 2, [&](EndTxnResult r) { first = r; });
  ASSERT_TRUE(loop_.run_until([&] { return first.has_value(); }));
  ASSERT_EQ(first->error, ErrorCode::NONE);
  if (txns_->state("a") == TxnState::kPrepareCommit) {
    EXPECT_EQ(end2("a", pid, e + 1, true).error, ErrorCode::CONCURRENT_TRANSACTIONS);
    EXPECT_EQ(end2("a", pid, e + 1, false).error, ErrorCode::INVALID_TXN_STATE);
    EXPECT_EQ(end2("a", pid, e + 2, true).error, ErrorCode::PRODUCER_FENCED);
    EXPECT_EQ(txns_->verify("a", pid, e + 2, kT0), ErrorCode::CONCURRENT_TRANSACTIONS);
  }
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
}

// when_ended: at once for a transaction that is not ending, else once its markers are
// written and its Complete state is durable.
TEST_F(TxnCoordinatorTest, WhenEndedWaitsForTheCompleteState) {
  const auto p = producer("a");
  int calls = 0;
  txns_->when_ended("a", [&] { ++calls; });
  txns_->when_ended("nobody", [&] { ++calls; });
  sched_.run_ready();
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(add2("a", p.producer_id, p.producer_epoch, {kT0, kT1}), ErrorCode::NONE);
  std::optional<EndTxnResult> ended;
  txns_->end_transaction("a", p.producer_id, p.producer_epoch, true, 2,
                         [&](EndTxnResult r) { ended = r; });
  std::optional<TxnState> state_when_called;
  txns_->when_ended("a", [&] { state_when_called = txns_->state("a"); });
  ASSERT_TRUE(loop_.run_until([&] {
    sched_.run_ready();
    return state_when_called.has_value();
  }));
  EXPECT_EQ(*state_when_called, TxnState::kCompleteCommit);
  EXPECT_EQ(ended->error, ErrorCode::NONE);
}

// A classic client's EndTxn keeps the epoch even where transactions v2 are advertised.
TEST_F(TxnCoordinatorTest, V1EndsKeepTheEpoch) {
  const auto p = producer("a");
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  finish("a", p, true);
  EXPECT_EQ(txns_->describe("a").producer_epoch, p.producer_epoch);
  expect_marker(kT0, p.producer_id, p.producer_epoch);
}

// The end that would take the epoch to its maximum rotates to a new producer id: the
// markers carry the old id at the maximum epoch, the producer goes on with the new id
// at epoch 0, and a retry naming the old id is still recognised, also after a restart.
TEST_F(TxnCoordinatorTest, V2EndWithAnExhaustedEpochRotatesTheProducerId) {
  close();
  open_logs();
  const int16_t exhausted = std::numeric_limits<int16_t>::max() - 1;
  TxnValue v = committed_state(500, exhausted);
  v.client_transaction_version = 2;
  write_state("a", v);
  start();
  produce(kT0, 500, exhausted, 0);
  ASSERT_EQ(add2("a", 500, exhausted, {kT0}), ErrorCode::NONE);
  const EndTxnResult r = end2("a", 500, exhausted, true);
  ASSERT_EQ(r.error, ErrorCode::NONE);
  EXPECT_GT(r.producer_id, 500);
  EXPECT_EQ(r.producer_epoch, 0);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  expect_marker(kT0, 500, std::numeric_limits<int16_t>::max());
  EXPECT_EQ(txns_->describe("a").producer_id, r.producer_id);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 0);
  for (int pass = 0; pass < 2; ++pass) {
    const EndTxnResult retry = end2("a", 500, exhausted, true);
    EXPECT_EQ(retry.error, ErrorCode::NONE) << "pass " << pass;
    EXPECT_EQ(retry.producer_id, r.producer_id);
    EXPECT_EQ(retry.producer_epoch, 0);
    EXPECT_EQ(end2("a", 500, exhausted, false).error, ErrorCode::INVALID_TXN_STATE);
    restart();
  }
  // The new id works; the old one is gone.
  ASSERT_EQ(add2("a", r.producer_id, 0, {kT1}), ErrorCode::NONE);
  EXPECT_EQ(add2("a", 500, exhausted, {kT1}), ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(end2("a", r.producer_id, 0, true).producer_epoch, 1);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
}

// A prepared v2 end that rotates is completed after a restart, with the rotation.
TEST_F(TxnCoordinatorTest, APreparedV2RotationCompletesAfterLoad) {
  close();
  open_logs();
  TxnValue v;
  v.producer_id = 500;
  v.producer_epoch = std::numeric_limits<int16_t>::max();
  v.timeout_ms = 10000;
  v.state = TxnState::kPrepareCommit;
  v.partitions = {kT0};
  v.start_ms = sched_.now_ms();
  v.last_update_ms = sched_.now_ms();
  v.next_producer_id = 700;
  v.client_transaction_version = 2;
  write_state("a", v);
  start();
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  expect_marker(kT0, 500, std::numeric_limits<int16_t>::max());
  EXPECT_EQ(txns_->describe("a").producer_id, 700);
  EXPECT_EQ(txns_->describe("a").producer_epoch, 0);
  // Producer ids are not handed out twice.
  EXPECT_GT(producer("other").producer_id, 700);
}

// A v2 transaction aborted by its timeout: the epoch goes up once, so the producer's
// commit is taken for a retry of an end that aborted (INVALID_TXN_STATE), and its abort
// for a retry that succeeded, after which it goes on with the bumped epoch.
TEST_F(TxnCoordinatorTest, AV2TransactionAbortedByItsTimeout) {
  const auto p = producer("a", 5000);
  const int64_t pid = p.producer_id;
  const int16_t e = p.producer_epoch;
  produce(kT0, pid, e, 0);
  ASSERT_EQ(add2("a", pid, e, {kT0}), ErrorCode::NONE);
  sched_.advance(5001);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 1u);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  expect_marker(kT0, pid, static_cast<int16_t>(e + 1));
  EXPECT_EQ(end2("a", pid, e, true).error, ErrorCode::INVALID_TXN_STATE);
  const EndTxnResult abort = end2("a", pid, e, false);
  EXPECT_EQ(abort.error, ErrorCode::NONE);
  EXPECT_EQ(abort.producer_epoch, e + 1);
  ASSERT_EQ(add2("a", pid, e + 1, {kT0}), ErrorCode::NONE);
  EXPECT_EQ(txns_->verify("a", pid, e, kT0), ErrorCode::PRODUCER_FENCED);
}

// ---------------------------------------------------------------- AddPartitions, verify

TEST_F(TxnCoordinatorTest, AddPartitionsStartsTheTransaction) {
  const auto p = producer("a");
  sched_.advance(500);
  const int64_t start = sched_.now_ms();
  EXPECT_EQ(add("a", p, {kU0, kT0}), ErrorCode::NONE);
  EXPECT_EQ(txns_->state("a"), TxnState::kOngoing);
  auto d = txns_->describe("a");
  EXPECT_EQ(d.state, "Ongoing");
  EXPECT_EQ(d.start_ms, start);
  EXPECT_EQ(d.partitions, (std::vector<TopicPartition>{kT0, kU0}));

  sched_.advance(100);
  EXPECT_EQ(add("a", p, {kT0}), ErrorCode::NONE);  // already in: nothing to write
  EXPECT_EQ(add("a", p, {kT1, kT0}), ErrorCode::NONE);
  d = txns_->describe("a");
  EXPECT_EQ(d.start_ms, start);  // the transaction started with the first partition
  EXPECT_EQ(d.partitions, (std::vector<TopicPartition>{kT0, kT1, kU0}));

  // The next transaction starts afresh.
  finish("a", p, true);
  EXPECT_TRUE(txns_->describe("a").partitions.empty());
  sched_.advance(100);
  EXPECT_EQ(add("a", p, {kU0}), ErrorCode::NONE);
  d = txns_->describe("a");
  EXPECT_EQ(d.start_ms, sched_.now_ms());
  EXPECT_EQ(d.partitions, (std::vector<TopicPartition>{kU0}));
}

TEST_F(TxnCoordinatorTest, AddPartitionsChecksTheProducer) {
  const auto p = producer("a");
  EXPECT_EQ(add("nobody", p, {kT0}), ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(add("a", p.producer_id + 1, p.producer_epoch, {kT0}),
            ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(add("a", p.producer_id, 1, {kT0}), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(add("a", p.producer_id, -1, {kT0}), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(add("", p, {kT0}), ErrorCode::INVALID_REQUEST);
  EXPECT_EQ(txns_->state("a"), TxnState::kEmpty);
  // While a state change is being written, the next request waits its turn.
  std::optional<ErrorCode> first;
  txns_->add_partitions("a", p.producer_id, p.producer_epoch, {kT0},
                        [&](ErrorCode e) { first = e; });
  EXPECT_EQ(add("a", p, {kT1}), ErrorCode::CONCURRENT_TRANSACTIONS);
  ASSERT_TRUE(loop_.run_until([&] { return first.has_value(); }));
  EXPECT_EQ(*first, ErrorCode::NONE);
}

// Kafka's coordinator answers; the broker translates them per request version.
TEST_F(TxnCoordinatorTest, VerifyAnswersForTheOngoingTransaction) {
  const auto p = producer("a");
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0),
            ErrorCode::TRANSACTION_ABORTABLE);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0), ErrorCode::NONE);
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT1),
            ErrorCode::TRANSACTION_ABORTABLE);
  EXPECT_EQ(txns_->verify("a", p.producer_id + 1, p.producer_epoch, kT0),
            ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(txns_->verify("nobody", p.producer_id, p.producer_epoch, kT0),
            ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch + 1, kT0),
            ErrorCode::PRODUCER_FENCED);
  // While the end is prepared: the transaction is ending.
  std::optional<ErrorCode> answer;
  txns_->end_transaction("a", p.producer_id, p.producer_epoch, true, 0,
                         [&](EndTxnResult r) { answer = r.error; });
  ASSERT_TRUE(loop_.run_until([&] { return answer.has_value(); }));
  if (txns_->state("a") == TxnState::kPrepareCommit) {
    EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0),
              ErrorCode::CONCURRENT_TRANSACTIONS);
  }
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0),
            ErrorCode::TRANSACTION_ABORTABLE);
  // A fenced epoch is told so.
  const auto next = producer("a");
  ASSERT_EQ(add("a", next, {kT0}), ErrorCode::NONE);
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(txns_->verify("a", next.producer_id, next.producer_epoch, kT0), ErrorCode::NONE);
}

// ---------------------------------------------------------------- EndTxn

TEST_F(TxnCoordinatorTest, CommitWritesMarkersThenCompletes) {
  const auto p = producer("a");
  produce(kT0, 999, 0, 0, 2, false);  // someone else's records first
  const int64_t first_t0 = produce(kT0, p.producer_id, p.producer_epoch, 0, 3);
  const int64_t first_u0 = produce(kU0, p.producer_id, p.producer_epoch, 0);
  ASSERT_EQ(add("a", p, {kT0, kU0}), ErrorCode::NONE);
  EXPECT_EQ(plog(kT0).last_stable_offset(), first_t0);
  EXPECT_EQ(plog(kU0).last_stable_offset(), first_u0);

  std::optional<TxnState> at_answer;
  ASSERT_EQ(end("a", p.producer_id, p.producer_epoch, true, &at_answer), ErrorCode::NONE);
  EXPECT_EQ(at_answer, TxnState::kPrepareCommit);  // answered once PrepareCommit is durable
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));

  expect_marker(kT0, p.producer_id, p.producer_epoch);
  expect_marker(kU0, p.producer_id, p.producer_epoch);
  EXPECT_EQ(plog(kT0).log_end_offset(), 6);  // 2 + 3 records + the marker
  EXPECT_TRUE(aborted(kT0).empty());
  std::sort(marked_.begin(), marked_.end());
  EXPECT_EQ(marked_, (std::vector<TopicPartition>{kT0, kU0}));
  const auto d = txns_->describe("a");
  EXPECT_EQ(d.state, "CompleteCommit");
  EXPECT_TRUE(d.partitions.empty());
  EXPECT_EQ(d.producer_epoch, p.producer_epoch);  // a commit keeps the epoch

  // The next transaction of the same producer works the same way.
  produce(kT0, p.producer_id, p.producer_epoch, 3);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  finish("a", p, true);
  expect_marker(kT0, p.producer_id, p.producer_epoch);
}

TEST_F(TxnCoordinatorTest, AbortWritesAbortMarkers) {
  const auto p = producer("a");
  produce(kT0, 999, 0, 0, 1, false);
  const int64_t first = produce(kT0, p.producer_id, p.producer_epoch, 0, 2);
  ASSERT_EQ(add("a", p, {kT0, kT1}), ErrorCode::NONE);  // t-1 got no records
  std::optional<TxnState> at_answer;
  ASSERT_EQ(end("a", p.producer_id, p.producer_epoch, false, &at_answer), ErrorCode::NONE);
  EXPECT_EQ(at_answer, TxnState::kPrepareAbort);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  expect_marker(kT0, p.producer_id, p.producer_epoch);
  expect_marker(kT1, p.producer_id, p.producer_epoch);  // Kafka marks it anyway
  // read_committed readers learn which records to skip.
  EXPECT_EQ(aborted(kT0), (std::vector<std::pair<int64_t, int64_t>>{{p.producer_id, first}}));
  EXPECT_EQ(txns_->describe("a").producer_epoch, p.producer_epoch);
}

TEST_F(TxnCoordinatorTest, EndTxnInACompleteStateIsARetry) {
  const auto p = producer("a");
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  finish("a", p, true);
  const int64_t end_offset = plog(kT0).log_end_offset();
  EXPECT_EQ(end("a", p, true), ErrorCode::NONE);  // the retry of a commit
  EXPECT_EQ(end("a", p, false), ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(plog(kT0).log_end_offset(), end_offset);  // no second marker
  EXPECT_EQ(txns_->state("a"), TxnState::kCompleteCommit);

  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  finish("a", p, false);
  EXPECT_EQ(end("a", p, false), ErrorCode::NONE);
  EXPECT_EQ(end("a", p, true), ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(txns_->state("a"), TxnState::kCompleteAbort);
}

TEST_F(TxnCoordinatorTest, EndTxnValidation) {
  const auto p = producer("a");
  EXPECT_EQ(end("a", p, true), ErrorCode::INVALID_TXN_STATE);  // Empty: nothing to end
  EXPECT_EQ(end("a", p, false), ErrorCode::INVALID_TXN_STATE);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  EXPECT_EQ(end("", p, true), ErrorCode::INVALID_REQUEST);
  EXPECT_EQ(end("nobody", p, true), ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(end("a", p.producer_id + 1, p.producer_epoch, true),
            ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  EXPECT_EQ(end("a", p.producer_id, p.producer_epoch + 1, true), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(txns_->state("a"), TxnState::kOngoing);
}

TEST_F(TxnCoordinatorTest, RequestsWhileATransactionEnds) {
  const auto p = producer("a");
  produce(kT0, p.producer_id, p.producer_epoch, 0);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  std::optional<ErrorCode> answer;
  txns_->end_transaction("a", p.producer_id, p.producer_epoch, true, 0,
                         [&](EndTxnResult r) { answer = r.error; });
  // PrepareCommit is being written.
  EXPECT_EQ(end("a", p, true), ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(add("a", p, {kT1}), ErrorCode::CONCURRENT_TRANSACTIONS);
  ASSERT_TRUE(loop_.run_until([&] { return answer.has_value(); }));
  ASSERT_EQ(*answer, ErrorCode::NONE);
  // PrepareCommit, markers on their way.
  ASSERT_EQ(txns_->state("a"), TxnState::kPrepareCommit);
  EXPECT_EQ(end("a", p, true), ErrorCode::CONCURRENT_TRANSACTIONS);  // retry: not yet
  EXPECT_EQ(end("a", p, false), ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(add("a", p, {kT1}), ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(init("a").error, ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(txns_->describe("a").state, "PrepareCommit");
  ASSERT_TRUE(await_state("a", TxnState::kCompleteCommit));
  EXPECT_EQ(end("a", p, true), ErrorCode::NONE);
  EXPECT_EQ(txns_->describe("a").producer_epoch, p.producer_epoch);  // the init changed nothing
}

TEST_F(TxnCoordinatorTest, InitProducerIdAbortsTheOngoingTransactionUnderABumpedEpoch) {
  const auto old = producer("a");
  const int64_t first = produce(kT0, old.producer_id, old.producer_epoch, 0, 2);
  ASSERT_EQ(add("a", old, {kT0}), ErrorCode::NONE);

  // A new instance: the open transaction is aborted first, under epoch + 1, which is
  // never handed out; the client retries on CONCURRENT_TRANSACTIONS.
  const auto r = init("a");
  EXPECT_EQ(r.error, ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(txns_->state("a"), TxnState::kPrepareAbort);
  EXPECT_EQ(txns_->describe("a").producer_epoch, old.producer_epoch + 1);
  EXPECT_EQ(init("a").error, ErrorCode::CONCURRENT_TRANSACTIONS);  // still aborting
  const auto fence_epoch = static_cast<int16_t>(old.producer_epoch + 1);
  EXPECT_EQ(end("a", old.producer_id, fence_epoch, false), ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(end("a", old.producer_id, fence_epoch, true), ErrorCode::INVALID_TXN_STATE);
  EXPECT_EQ(end("a", old, false), ErrorCode::PRODUCER_FENCED);
  ASSERT_EQ(txns_->state("a"), TxnState::kPrepareAbort);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  EXPECT_EQ(aborted(kT0), (std::vector<std::pair<int64_t, int64_t>>{{old.producer_id, first}}));
  expect_marker(kT0, old.producer_id, fence_epoch);

  // The old instance is fenced everywhere.
  EXPECT_EQ(add("a", old, {kT0}), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(end("a", old, true), ErrorCode::PRODUCER_FENCED);
  const auto stale =
      append(kT0, storage::testing::make_batch(1, sched_.now_ms(), [&] {
               auto s = storage::testing::idempotent(old.producer_id, old.producer_epoch, 2);
               s.transactional = true;
               return s;
             }()));
  EXPECT_NE(stale.error, ErrorCode::NONE);

  // The retry gets the epoch after that.
  const auto retry = init("a");
  EXPECT_EQ(retry.error, ErrorCode::NONE);
  EXPECT_EQ(retry.producer_id, old.producer_id);
  EXPECT_EQ(retry.producer_epoch, old.producer_epoch + 2);
  produce(kT0, retry.producer_id, retry.producer_epoch, 0);
  ASSERT_EQ(add("a", retry, {kT0}), ErrorCode::NONE);
  finish("a", retry, true);
  expect_marker(kT0, retry.producer_id, retry.producer_epoch);
}

// ---------------------------------------------------------------- timeouts, expiry

TEST_F(TxnCoordinatorTest, ATimedOutTransactionIsAbortedAndItsProducerFenced) {
  const auto p = producer("a", 5000);
  const int64_t first = produce(kT0, p.producer_id, p.producer_epoch, 0);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  const auto slow = producer("b", 60000);
  ASSERT_EQ(add("b", slow, {kU0}), ErrorCode::NONE);
  producer("idle", 1000);

  sched_.advance(5000);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 0u);  // not past its timeout yet
  sched_.advance(1);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 1u);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 0u);  // already on its way
  ASSERT_TRUE(await_state("a", TxnState::kPrepareAbort));
  EXPECT_EQ(txns_->describe("a").producer_epoch, p.producer_epoch + 1);
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 0u);
  EXPECT_EQ(aborted(kT0), (std::vector<std::pair<int64_t, int64_t>>{{p.producer_id, first}}));
  expect_marker(kT0, p.producer_id, static_cast<int16_t>(p.producer_epoch + 1));

  // The producer finds out it was fenced.
  EXPECT_EQ(end("a", p, true), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(add("a", p, {kT0}), ErrorCode::PRODUCER_FENCED);
  EXPECT_EQ(txns_->state("b"), TxnState::kOngoing);
  EXPECT_EQ(txns_->state("idle"), TxnState::kEmpty);
  // A new instance goes on from the fenced epoch.
  EXPECT_EQ(init("a").producer_epoch, p.producer_epoch + 2);
}

TEST_F(TxnCoordinatorTest, IdleTransactionalIdsExpire) {
  config_.id_expiration_ms = 100000;
  restart();
  const auto empty = producer("empty");
  const auto done = producer("done");
  ASSERT_EQ(add("done", done, {kT0}), ErrorCode::NONE);
  finish("done", done, true);
  const auto aborted_p = producer("aborted");
  ASSERT_EQ(add("aborted", aborted_p, {kT1}), ErrorCode::NONE);
  finish("aborted", aborted_p, false);
  const auto open = producer("open", 60000);
  ASSERT_EQ(add("open", open, {kU0}), ErrorCode::NONE);

  sched_.advance(99999);
  EXPECT_EQ(txns_->expire_transactional_ids(), 0u);
  sched_.advance(1);
  EXPECT_EQ(txns_->expire_transactional_ids(), 3u);
  // Dead while the tombstones are written: invisible, and not to be reused yet.
  EXPECT_EQ(txns_->state("empty"), TxnState::kDead);
  EXPECT_EQ(txns_->describe("empty").error, ErrorCode::TRANSACTIONAL_ID_NOT_FOUND);
  EXPECT_EQ(list({}), (std::vector<std::string>{"open"}));
  EXPECT_EQ(init("empty").error, ErrorCode::CONCURRENT_TRANSACTIONS);
  EXPECT_EQ(txns_->expire_transactional_ids(), 0u);
  ASSERT_TRUE(loop_.run_until([&] { return txns_->size() == 1; }));
  EXPECT_FALSE(txns_->state("empty"));
  EXPECT_EQ(txns_->state("open"), TxnState::kOngoing);  // an open transaction stays

  restart();  // the tombstones hold
  EXPECT_EQ(txns_->size(), 1u);
  EXPECT_FALSE(txns_->state("done"));
  // An expired id starts over, with a new producer id.
  const auto again = init("empty");
  EXPECT_EQ(again.error, ErrorCode::NONE);
  EXPECT_NE(again.producer_id, empty.producer_id);
  EXPECT_EQ(again.producer_epoch, 0);
}

TEST_F(TxnCoordinatorTest, TheTimersAbortAndExpireOnTheirOwn) {
  config_.abort_timed_out_interval_ms = 1000;
  config_.remove_expired_interval_ms = 10000;
  config_.id_expiration_ms = 30000;
  restart();
  const auto p = producer("a", 2000);
  ASSERT_EQ(add("a", p, {kT0}), ErrorCode::NONE);
  producer("idle");
  sched_.advance(3000);  // the abort timer has run past the timeout
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  EXPECT_EQ(txns_->describe("a").producer_epoch, p.producer_epoch + 1);
  sched_.advance(40000);  // and the expiry timer past the expiration
  ASSERT_TRUE(loop_.run_until([&] { return txns_->size() == 0; }));
  txns_->shutdown();  // the timers stop
  EXPECT_EQ(sched_.pending(), 0u);
}

// ---------------------------------------------------------------- describe, list

TEST_F(TxnCoordinatorTest, DescribeShowsTheTransaction) {
  EXPECT_EQ(txns_->describe("nobody").error, ErrorCode::TRANSACTIONAL_ID_NOT_FOUND);
  EXPECT_EQ(txns_->describe("").error, ErrorCode::INVALID_REQUEST);
  const auto p = producer("a", 20000);
  sched_.advance(100);
  ASSERT_EQ(add("a", p, {kU0, kT1, kT0}), ErrorCode::NONE);
  const auto d = txns_->describe("a");
  EXPECT_EQ(d.error, ErrorCode::NONE);
  EXPECT_EQ(d.transactional_id, "a");
  EXPECT_EQ(d.state, "Ongoing");
  EXPECT_EQ(d.timeout_ms, 20000);
  EXPECT_EQ(d.start_ms, sched_.now_ms());
  EXPECT_EQ(d.producer_id, p.producer_id);
  EXPECT_EQ(d.producer_epoch, p.producer_epoch);
  EXPECT_EQ(d.partitions, (std::vector<TopicPartition>{kT0, kT1, kU0}));
}

TEST_F(TxnCoordinatorTest, ListFiltersByStateProducerAndDuration) {
  const auto c = producer("c");
  ASSERT_EQ(add("c", c, {kT0}), ErrorCode::NONE);
  finish("c", c, true);  // started at T
  sched_.advance(1000);
  const auto a = producer("a");
  ASSERT_EQ(add("a", a, {kT1}), ErrorCode::NONE);  // started at T + 1000
  const auto b = producer("b");                    // Empty
  sched_.advance(500);

  EXPECT_EQ(list({}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(list({"Ongoing"}), (std::vector<std::string>{"a"}));
  EXPECT_EQ(list({"CompleteCommit", "Ongoing"}), (std::vector<std::string>{"a", "c"}));
  EXPECT_TRUE(list({"CompleteAbort"}).empty());
  std::vector<std::string> unknown;
  EXPECT_TRUE(list({"Bogus"}, {}, -1, &unknown).empty());  // matches nothing
  EXPECT_EQ(unknown, (std::vector<std::string>{"Bogus"}));
  EXPECT_EQ(list({"Ongoing", "ongoing"}, {}, -1, &unknown), (std::vector<std::string>{"a"}));
  EXPECT_EQ(unknown, (std::vector<std::string>{"ongoing"}));

  EXPECT_EQ(list({}, {b.producer_id}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(list({}, {b.producer_id, a.producer_id, 424242}), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(list({}, {424242}).empty());
  EXPECT_EQ(list({"Ongoing"}, {b.producer_id}), (std::vector<std::string>{}));

  // Duration: running longer than the filter (Kafka's "<= filter" is left out).
  EXPECT_EQ(list({"Ongoing"}, {}, 499), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(list({"Ongoing"}, {}, 500).empty());
  EXPECT_EQ(list({"CompleteCommit"}, {}, 1499), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(list({"CompleteCommit"}, {}, 1500).empty());
}

// ---------------------------------------------------------------- restart

TEST_F(TxnCoordinatorTest, StateSurvivesARestart) {
  const auto a = producer("a", 30000);
  produce(kT0, a.producer_id, a.producer_epoch, 0);
  ASSERT_EQ(add("a", a, {kT0, kU0}), ErrorCode::NONE);
  const auto before = txns_->describe("a");
  const auto b = producer("b");
  ASSERT_EQ(add("b", b, {kT1}), ErrorCode::NONE);
  finish("b", b, true);
  producer("c");
  const auto c = producer("c");  // epoch 1

  sched_.advance(1000);
  restart();
  EXPECT_EQ(txns_->size(), 3u);
  const auto after = txns_->describe("a");
  EXPECT_EQ(after.state, "Ongoing");
  EXPECT_EQ(after.producer_id, before.producer_id);
  EXPECT_EQ(after.producer_epoch, before.producer_epoch);
  EXPECT_EQ(after.timeout_ms, 30000);
  EXPECT_EQ(after.start_ms, before.start_ms);
  EXPECT_EQ(after.partitions, before.partitions);
  EXPECT_EQ(txns_->state("b"), TxnState::kCompleteCommit);
  EXPECT_EQ(txns_->describe("c").producer_epoch, 1);

  // The transaction carries on where it was.
  EXPECT_EQ(txns_->verify("a", a.producer_id, a.producer_epoch, kU0), ErrorCode::NONE);
  finish("a", a, true);
  expect_marker(kT0, a.producer_id, a.producer_epoch);
  expect_marker(kU0, a.producer_id, a.producer_epoch);
  EXPECT_EQ(end("b", b, true), ErrorCode::NONE);
  EXPECT_EQ(init("c").producer_epoch, c.producer_epoch + 1);
  // New ids never reuse a producer id from before.
  const auto d = producer("d");
  EXPECT_NE(d.producer_id, a.producer_id);
  EXPECT_NE(d.producer_id, b.producer_id);
  EXPECT_NE(d.producer_id, c.producer_id);

  // An ongoing transaction still times out after a restart.
  const auto e = producer("e", 5000);
  ASSERT_EQ(add("e", e, {kT1}), ErrorCode::NONE);
  restart();
  sched_.advance(5001);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 1u);
  ASSERT_TRUE(await_state("e", TxnState::kCompleteAbort));
  EXPECT_EQ(txns_->describe("e").producer_epoch, e.producer_epoch + 1);
}

TEST_F(TxnCoordinatorTest, APreparedCommitIsCompletedAfterLoad) {
  // A run that wrote PrepareCommit and stopped before the markers; the producer's
  // records are in t-0 and its offsets pending in __consumer_offsets.
  const int64_t pid = 7777;
  const int64_t first = produce(kT0, pid, 3, 0, 2);
  InitProducerIdResult as_producer{ErrorCode::NONE, pid, 3};
  ASSERT_EQ(txn_commit("x", as_producer, "g", kU0, 42)[0], ErrorCode::NONE);
  close();
  open_logs();
  TxnValue v;
  v.producer_id = pid;
  v.producer_epoch = 3;
  v.timeout_ms = 10000;
  v.state = TxnState::kPrepareCommit;
  v.partitions = {kOffsets, kT0};
  v.start_ms = sched_.now_ms();
  v.last_update_ms = sched_.now_ms();
  write_state("x", v);
  EXPECT_EQ(plog(kT0).last_stable_offset(), first);
  start();

  ASSERT_TRUE(await_state("x", TxnState::kCompleteCommit));
  expect_marker(kT0, pid, 3);
  expect_marker(kOffsets, pid, 3);
  EXPECT_TRUE(aborted(kT0).empty());
  ErrorCode error = ErrorCode::UNKNOWN_SERVER_ERROR;
  EXPECT_EQ(committed("g", kU0, true, &error), 42);
  EXPECT_EQ(error, ErrorCode::NONE);
  EXPECT_TRUE(txns_->describe("x").partitions.empty());
  // Producer ids are reserved above those in the log.
  EXPECT_GT(producer("y").producer_id, pid);

  restart();  // and it stays completed
  EXPECT_EQ(txns_->state("x"), TxnState::kCompleteCommit);
  EXPECT_EQ(committed("g", kU0, true), 42);
}

TEST_F(TxnCoordinatorTest, APreparedAbortIsCompletedAfterLoad) {
  const int64_t pid = 8888;
  const int64_t first = produce(kU0, pid, 0, 0);
  InitProducerIdResult as_producer{ErrorCode::NONE, pid, 0};
  ASSERT_EQ(txn_commit("x", as_producer, "g", kT1, 7)[0], ErrorCode::NONE);
  close();
  open_logs();
  TxnValue v;
  v.producer_id = pid;
  v.producer_epoch = 0;
  v.timeout_ms = 10000;
  v.state = TxnState::kPrepareAbort;
  v.partitions = {kOffsets, kU0};
  v.start_ms = v.last_update_ms = sched_.now_ms();
  write_state("x", v);
  start();
  ASSERT_TRUE(await_state("x", TxnState::kCompleteAbort));
  EXPECT_EQ(aborted(kU0), (std::vector<std::pair<int64_t, int64_t>>{{pid, first}}));
  expect_marker(kOffsets, pid, 0);
  ErrorCode error = ErrorCode::UNKNOWN_SERVER_ERROR;
  EXPECT_EQ(committed("g", kT1, true, &error), -1);  // dropped
  EXPECT_EQ(error, ErrorCode::NONE);
}

// ---------------------------------------------------------------- offsets, odd cases

TEST_F(TxnCoordinatorTest, OffsetsCommittedInATransactionFollowItsEnd) {
  const auto p = producer("a");
  ASSERT_EQ(add("a", p, {kOffsets}), ErrorCode::NONE);  // AddOffsetsToTxn
  ASSERT_EQ(txn_commit("a", p, "g", kT0, 10)[0], ErrorCode::NONE);
  ErrorCode error = ErrorCode::NONE;
  EXPECT_EQ(committed("g", kT0, true, &error), -1);
  EXPECT_EQ(error, ErrorCode::UNSTABLE_OFFSET_COMMIT);
  finish("a", p, true);
  EXPECT_EQ(committed("g", kT0, true, &error), 10);
  EXPECT_EQ(error, ErrorCode::NONE);
  expect_marker(kOffsets, p.producer_id, p.producer_epoch);

  ASSERT_EQ(add("a", p, {kOffsets}), ErrorCode::NONE);
  ASSERT_EQ(txn_commit("a", p, "g", kT0, 20)[0], ErrorCode::NONE);
  finish("a", p, false);
  EXPECT_EQ(committed("g", kT0, true, &error), 10);
  EXPECT_EQ(error, ErrorCode::NONE);

  // A fenced producer's offsets are refused by the log.
  ASSERT_EQ(add("a", p, {kOffsets}), ErrorCode::NONE);
  ASSERT_EQ(txn_commit("a", p, "g", kT0, 30)[0], ErrorCode::NONE);
  EXPECT_EQ(init("a").error, ErrorCode::CONCURRENT_TRANSACTIONS);  // fences and aborts
  ASSERT_TRUE(await_state("a", TxnState::kCompleteAbort));
  EXPECT_EQ(committed("g", kT0, true), 10);
  EXPECT_EQ(txn_commit("a", p, "g", kT0, 40)[0], ErrorCode::INVALID_PRODUCER_EPOCH);
  EXPECT_EQ(committed("g", kT0, true, &error), 10);
  EXPECT_EQ(error, ErrorCode::NONE);
}

TEST_F(TxnCoordinatorTest, MarkersForADeletedTopicAreSkipped) {
  std::string message;
  ASSERT_EQ(logs_->create_topic("gone", 1, {}, message), ErrorCode::NONE) << message;
  const auto p = producer("a");
  ASSERT_EQ(add("a", p, {{"gone", 0}, kT0}), ErrorCode::NONE);
  ASSERT_EQ(logs_->delete_topic("gone"), ErrorCode::NONE);
  finish("a", p, true);
  expect_marker(kT0, p.producer_id, p.producer_epoch);
}

TEST_F(TxnCoordinatorTest, UnavailableBeforeLoadAndAfterShutdown) {
  TransactionCoordinator fresh(config_, sched_, *logs_, *pids_, *groups_);
  EXPECT_EQ(fresh.unavailable(), ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);
  std::optional<InitProducerIdResult> r;
  fresh.init_producer_id("a", 1000, -1, -1, [&](InitProducerIdResult x) { r = x; });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);
  EXPECT_EQ(fresh.describe("a").error, ErrorCode::COORDINATOR_LOAD_IN_PROGRESS);

  const auto p = producer("a");
  txns_->shutdown();
  EXPECT_EQ(txns_->unavailable(), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(init("a").error, ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(add("a", p, {kT0}), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(end("a", p, true), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(txns_->verify("a", p.producer_id, p.producer_epoch, kT0), ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(txns_->describe("a").error, ErrorCode::NOT_COORDINATOR);
  EXPECT_EQ(txns_->abort_timed_out_transactions(), 0u);
  EXPECT_EQ(txns_->expire_transactional_ids(), 0u);
  txns_->shutdown();  // idempotent
}

}  // namespace
}  // namespace samsa::coordinator
