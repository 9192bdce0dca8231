// __transaction_state: the key and value layout (Kafka's TransactionLogKey v0 and
// TransactionLogValue v0), and replay over a real log: order, tombstones, records in an
// unknown format.
#include "samsa/coordinator/transaction_log.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../storage/storage_test_util.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/util/scheduler.h"

namespace samsa::coordinator {
namespace {

using storage::testing::TempDir;
using storage::testing::TestLoop;

using Replayed = std::vector<std::pair<std::string, std::optional<TxnValue>>>;

void expect_same(const TxnValue& a, const TxnValue& b) {
  EXPECT_EQ(a.producer_id, b.producer_id);
  EXPECT_EQ(a.producer_epoch, b.producer_epoch);
  EXPECT_EQ(a.timeout_ms, b.timeout_ms);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.partitions, b.partitions);
  EXPECT_EQ(a.last_update_ms, b.last_update_ms);
  EXPECT_EQ(a.start_ms, b.start_ms);
}

TxnValue value(int64_t pid, int16_t epoch, TxnState state,
               std::vector<TopicPartition> partitions = {}) {
  TxnValue v;
  v.producer_id = pid;
  v.producer_epoch = epoch;
  v.timeout_ms = 60000;
  v.state = state;
  v.partitions = std::move(partitions);
  v.last_update_ms = 1'000'500;
  v.start_ms = v.partitions.empty() ? -1 : 1'000'000;
  return v;
}

class TransactionLogTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open() {
    storage::LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.post_to_loop = loop_.poster();
    o.now_ms = sched_.now_ms();
    logs_ = storage::LogManager::open(std::move(o));
    log_ = std::make_unique<TransactionLog>(*logs_);
  }
  void close() {
    loop_.drain();
    log_.reset();
    if (logs_) logs_->shutdown();
    loop_.drain();
    logs_.reset();
  }
  void reopen() {
    close();
    open();
  }

  ErrorCode append(const std::string& id, const std::optional<TxnValue>& v) {
    std::optional<ErrorCode> result;
    log_->append(id, v, sched_.now_ms(), [&](ErrorCode e) { result = e; });
    EXPECT_TRUE(loop_.run_until([&] { return result.has_value(); })) << "no answer";
    return result.value_or(ErrorCode::UNKNOWN_SERVER_ERROR);
  }
  // Writes records in any format straight into the topic.
  void append_raw(Bytes key, std::optional<Bytes> raw_value) {
    InternalLog raw(*logs_, TransactionLog::kTopic, TransactionLog::kSegmentBytes);
    const LogRecord record{std::move(key), std::move(raw_value)};
    std::optional<ErrorCode> result;
    raw.append(std::span(&record, 1), sched_.now_ms(), [&](ErrorCode e) { result = e; });
    ASSERT_TRUE(loop_.run_until([&] { return result.has_value(); }));
    ASSERT_EQ(*result, ErrorCode::NONE);
  }
  Replayed replay(size_t* records = nullptr) {
    Replayed out;
    const size_t n = log_->replay(
        [&](const std::string& id, std::optional<TxnValue> v) { out.emplace_back(id, v); });
    if (records) *records = n;
    return out;
  }
  // What the coordinator's load() makes of a replay: the latest record per id wins.
  std::map<std::string, TxnValue> latest() {
    std::map<std::string, TxnValue> out;
    log_->replay([&](const std::string& id, std::optional<TxnValue> v) {
      if (v)
        out[id] = *v;
      else
        out.erase(id);
    });
    return out;
  }

  TempDir dir_;
  TestLoop loop_;
  ManualScheduler sched_;
  std::unique_ptr<storage::LogManager> logs_;
  std::unique_ptr<TransactionLog> log_;
};

TEST(TxnStateNames, AreKafkasAndRoundTrip) {
  const std::vector<std::pair<TxnState, std::string>> names = {
      {TxnState::kEmpty, "Empty"},
      {TxnState::kOngoing, "Ongoing"},
      {TxnState::kPrepareCommit, "PrepareCommit"},
      {TxnState::kPrepareAbort, "PrepareAbort"},
      {TxnState::kCompleteCommit, "CompleteCommit"},
      {TxnState::kCompleteAbort, "CompleteAbort"},
      {TxnState::kDead, "Dead"},
      {TxnState::kPrepareEpochFence, "PrepareEpochFence"}};
  for (const auto& [state, name] : names) {
    EXPECT_EQ(to_string(state), name);
    EXPECT_EQ(txn_state_from_string(name), state);
  }
  EXPECT_FALSE(txn_state_from_string("Bogus"));
  EXPECT_FALSE(txn_state_from_string("ongoing"));  // Kafka's names are case-sensitive
  EXPECT_FALSE(txn_state_from_string(""));
  EXPECT_STREQ(to_string(static_cast<TxnState>(42)), "Unknown");
}

TEST(TxnLogCodec, KeyIsVersionZeroAndTheId) {
  EXPECT_EQ(encode_txn_key("tx"), (Bytes{0, 0, 0, 2, 't', 'x'}));
}

TEST(TxnLogCodec, ValueHasKafkasV1Layout) {
  TxnValue v =
      value(0x0102030405060708, 0x0a0b, TxnState::kOngoing, {{"a", 1}, {"a", 2}, {"b", 0}});
  v.timeout_ms = 0x11223344;
  v.last_update_ms = 5;
  v.start_ms = -1;
  const Bytes expected = {
      0,    1,                                                     // version
      1,    2,    3,    4,    5,    6,    7,    8,                 // producer id
      0x0a, 0x0b,                                                  // producer epoch
      0x11, 0x22, 0x33, 0x44,                                      // timeout
      1,                                                           // state: Ongoing
      3,                                                           // topics (compact: 2 + 1)
      2,    'a',  3,    0,    0,    0,    1,    0,    0, 0, 2, 0,  // a: [1, 2], no tags
      2,    'b',  2,    0,    0,    0,    0,    0,                 // b: [0], no tags
      0,    0,    0,    0,    0,    0,    0,    5,                 // last update
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,              // start: none
      0,                                                           // no tagged fields
  };
  EXPECT_EQ(encode_txn_value(v), expected);

  // The transactions-v2 fields are tagged, written only when set.
  v.partitions.clear();
  v.previous_producer_id = 7;
  v.next_producer_id = 0x0100;
  v.client_transaction_version = 2;
  const Bytes tagged = encode_txn_value(v);
  const Bytes tail = {
      3,                             // three tagged fields
      0, 8, 0, 0, 0, 0, 0, 0, 0, 7,  // tag 0: previous producer id
      1, 8, 0, 0, 0, 0, 0, 0, 1, 0,  // tag 1: next producer id
      2, 2, 0, 2,                    // tag 2: client transaction version
  };
  ASSERT_GT(tagged.size(), tail.size());
  EXPECT_EQ(Bytes(tagged.end() - static_cast<std::ptrdiff_t>(tail.size()), tagged.end()), tail);
}

// Logs written before transactions v2 hold v0 values (Kafka 3.x's layout, and samsa's
// before it wrote v1): they are still read.
TEST_F(TransactionLogTest, VersionZeroValuesAreRead) {
  const Bytes v0 = {
      0,    0,                                                              // version
      1,    2,    3,    4,    5,    6,    7,    8,                          // producer id
      0x0a, 0x0b,                                                           // producer epoch
      0x11, 0x22, 0x33, 0x44,                                               // timeout
      1,                                                                    // state: Ongoing
      0,    0,    0,    2,                                                  // topics
      0,    1,    'a',  0,    0,    0,    2,    0,    0, 0, 1, 0, 0, 0, 2,  // a: [1, 2]
      0,    1,    'b',  0,    0,    0,    1,    0,    0, 0, 0,              // b: [0]
      0,    0,    0,    0,    0,    0,    0,    5,                          // last update
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,                       // start: none
  };
  append_raw(encode_txn_key("old"), v0);
  reopen();
  const Replayed got = replay();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].second.has_value());
  const TxnValue& v = *got[0].second;
  EXPECT_EQ(v.producer_id, 0x0102030405060708);
  EXPECT_EQ(v.producer_epoch, 0x0a0b);
  EXPECT_EQ(v.timeout_ms, 0x11223344);
  EXPECT_EQ(v.state, TxnState::kOngoing);
  EXPECT_EQ(v.partitions, (std::vector<TopicPartition>{{"a", 1}, {"a", 2}, {"b", 0}}));
  EXPECT_EQ(v.last_update_ms, 5);
  EXPECT_EQ(v.start_ms, -1);
  EXPECT_EQ(v.previous_producer_id, -1);
  EXPECT_EQ(v.next_producer_id, -1);
  EXPECT_EQ(v.client_transaction_version, 0);
}

TEST_F(TransactionLogTest, TransactionsV2FieldsRoundTrip) {
  TxnValue v = value(10, 32767, TxnState::kPrepareCommit, {{"t", 0}});
  v.next_producer_id = 11;
  v.previous_producer_id = 9;
  v.client_transaction_version = 2;
  ASSERT_EQ(append("v2", v), ErrorCode::NONE);
  reopen();
  const Replayed got = replay();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].second.has_value());
  EXPECT_EQ(got[0].second->next_producer_id, 11);
  EXPECT_EQ(got[0].second->previous_producer_id, 9);
  EXPECT_EQ(got[0].second->client_transaction_version, 2);
  EXPECT_EQ(got[0].second->producer_epoch, 32767);
}

TEST_F(TransactionLogTest, EveryStateRoundTrips) {
  std::vector<TxnValue> values;
  for (int8_t s = 0; s <= static_cast<int8_t>(TxnState::kPrepareEpochFence); ++s) {
    values.push_back(value(100 + s, static_cast<int16_t>(s), static_cast<TxnState>(s),
                           {{"a", 0}, {"a", 3}, {"b", 1}, {"c-long-topic-name", 7}}));
    ASSERT_EQ(append("id-" + std::to_string(s), values.back()), ErrorCode::NONE);
  }
  // No partitions, extreme numbers.
  TxnValue edge = value(INT64_MAX, INT16_MAX, TxnState::kCompleteAbort);
  edge.timeout_ms = INT32_MAX;
  edge.last_update_ms = INT64_MIN;
  ASSERT_EQ(append("edge", edge), ErrorCode::NONE);
  // A transactional id with bytes beyond ASCII.
  ASSERT_EQ(append("id-\xc3\xa9", values[1]), ErrorCode::NONE);

  for (int pass = 0; pass < 2; ++pass) {  // from the live log, then after a restart
    size_t records = 0;
    const Replayed got = replay(&records);
    EXPECT_EQ(records, values.size() + 2);
    ASSERT_EQ(got.size(), values.size() + 2);
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(got[i].first, "id-" + std::to_string(i));
      ASSERT_TRUE(got[i].second);
      expect_same(*got[i].second, values[i]);
    }
    ASSERT_TRUE(got[values.size()].second);
    expect_same(*got[values.size()].second, edge);
    EXPECT_EQ(got.back().first, "id-\xc3\xa9");
    EXPECT_EQ(log_->skipped_records(), 0u);
    reopen();
  }
}

TEST_F(TransactionLogTest, PartitionsAcrossTopicsKeepTheirOrder) {
  // Not grouped by topic: each run of a topic is its own entry, read back in order.
  const TxnValue v = value(1, 0, TxnState::kOngoing, {{"a", 0}, {"b", 5}, {"a", 1}});
  ASSERT_EQ(append("x", v), ErrorCode::NONE);
  const Replayed got = replay();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].second);
  expect_same(*got[0].second, v);
}

TEST_F(TransactionLogTest, TheTopicIsCreatedOnFirstWrite) {
  EXPECT_EQ(logs_->find_topic(TransactionLog::kTopic), nullptr);
  EXPECT_TRUE(replay().empty());
  ASSERT_EQ(append("x", value(1, 0, TxnState::kEmpty)), ErrorCode::NONE);
  const auto* topic = logs_->find_topic(TransactionLog::kTopic);
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->partition_count, 1);
}

TEST_F(TransactionLogTest, ReplayIsInLogOrderAndTheLatestWins) {
  ASSERT_EQ(append("a", value(1, 0, TxnState::kEmpty)), ErrorCode::NONE);
  ASSERT_EQ(append("b", value(2, 0, TxnState::kEmpty)), ErrorCode::NONE);
  ASSERT_EQ(append("a", value(1, 0, TxnState::kOngoing, {{"t", 0}})), ErrorCode::NONE);
  ASSERT_EQ(append("a", value(1, 0, TxnState::kPrepareCommit, {{"t", 0}})), ErrorCode::NONE);
  ASSERT_EQ(append("b", std::nullopt), ErrorCode::NONE);  // expired
  ASSERT_EQ(append("c", value(3, 4, TxnState::kCompleteAbort)), ErrorCode::NONE);
  ASSERT_EQ(append("a", value(1, 0, TxnState::kCompleteCommit)), ErrorCode::NONE);
  reopen();

  const Replayed got = replay();
  ASSERT_EQ(got.size(), 7u);
  const std::vector<std::string> order = {"a", "b", "a", "a", "b", "c", "a"};
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(got[i].first, order[i]) << i;
  EXPECT_FALSE(got[4].second);  // the tombstone is reported as such
  EXPECT_EQ(got[3].second->state, TxnState::kPrepareCommit);

  const auto state = latest();
  ASSERT_EQ(state.size(), 2u);
  EXPECT_EQ(state.at("a").state, TxnState::kCompleteCommit);
  EXPECT_TRUE(state.at("a").partitions.empty());
  EXPECT_EQ(state.at("c").producer_epoch, 4);
  EXPECT_FALSE(state.count("b"));

  // An id written again after its tombstone is back.
  ASSERT_EQ(append("b", value(9, 0, TxnState::kEmpty)), ErrorCode::NONE);
  EXPECT_EQ(latest().at("b").producer_id, 9);
}

TEST_F(TransactionLogTest, RecordsInAnUnknownFormatAreSkipped) {
  ASSERT_EQ(append("a", value(1, 3, TxnState::kEmpty)), ErrorCode::NONE);
  // A value version from the future: not ours to read; it must not replace "a".
  Bytes v2 = encode_txn_value(value(1, 4, TxnState::kOngoing));
  v2[1] = 2;
  append_raw(encode_txn_key("a"), v2);
  // A key of another version.
  Bytes key1 = encode_txn_key("a");
  key1[1] = 1;
  append_raw(key1, encode_txn_value(value(1, 5, TxnState::kEmpty)));
  // A truncated value, a key too short for its version, an unknown state.
  Bytes truncated = encode_txn_value(value(1, 6, TxnState::kEmpty));
  truncated.resize(truncated.size() - 3);
  append_raw(encode_txn_key("a"), truncated);
  append_raw(Bytes{0}, encode_txn_value(value(1, 7, TxnState::kEmpty)));
  Bytes bad_state = encode_txn_value(value(1, 8, TxnState::kEmpty));
  bad_state[16] = 9;  // version 2 + pid 8 + epoch 2 + timeout 4 bytes: the state
  append_raw(encode_txn_key("a"), bad_state);
  ASSERT_EQ(append("b", value(2, 0, TxnState::kEmpty)), ErrorCode::NONE);
  reopen();

  size_t records = 0;
  const Replayed got = replay(&records);
  EXPECT_EQ(records, 7u);                  // every record is read ...
  EXPECT_EQ(log_->skipped_records(), 5u);  // ... and the five unreadable ones skipped
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].first, "a");
  EXPECT_EQ(got[0].second->producer_epoch, 3);
  EXPECT_EQ(got[1].first, "b");
}

TEST_F(TransactionLogTest, CompactionKeepsTheLiveState) {
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(append("a", value(1, static_cast<int16_t>(i), TxnState::kEmpty)), ErrorCode::NONE);
  ASSERT_EQ(append("gone", value(2, 0, TxnState::kEmpty)), ErrorCode::NONE);
  ASSERT_EQ(append("gone", std::nullopt), ErrorCode::NONE);
  const std::vector<LogRecord> live = {
      {encode_txn_key("a"), encode_txn_value(value(1, 19, TxnState::kEmpty))}};
  log_->compact(live, sched_.now_ms());
  auto* plog = logs_->partition(TransactionLog::kTopic, 0);
  ASSERT_NE(plog, nullptr);
  ASSERT_TRUE(loop_.run_until([&] { return plog->log_start_offset() > 0; }));
  EXPECT_EQ(plog->log_start_offset(), 22);
  reopen();
  size_t records = 0;
  const Replayed got = replay(&records);
  EXPECT_EQ(records, 1u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second->producer_epoch, 19);
}

}  // namespace
}  // namespace samsa::coordinator
