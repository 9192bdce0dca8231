#include "../../../src/http/message_browser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "samsa/storage/batch_builder.h"

namespace samsa::http {
namespace {

using Json = nlohmann::json;
constexpr int64_t kNow = 1'700'000'000'000;

class MessageBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("samsa-http-browser-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    storage::LogManagerOptions options;
    options.log_dirs = dir_.string();
    options.post_to_loop = [this](std::function<void()> fn) {
      std::lock_guard lock(mu_);
      posted_.push_back(std::move(fn));  // flush completions: never waited for here
    };
    options.now_ms = kNow;
    // Small segments: scans cross segment boundaries.
    options.broker_config["log.segment.bytes"] = "16384";
    logs_ = storage::LogManager::open(std::move(options));
  }
  void TearDown() override {
    logs_->shutdown();
    logs_.reset();
    std::filesystem::remove_all(dir_);
  }

  void create(const std::string& topic, int32_t partitions,
              const storage::ConfigMap& configs = {}) {
    std::string message;
    ASSERT_EQ(logs_->create_topic(topic, partitions, configs, message), ErrorCode::NONE) << message;
  }

  // Appends `records` to one partition as one batch; returns its base offset.
  int64_t append(const std::string& topic, int32_t partition,
                 const std::vector<storage::RecordSpec>& records, storage::BatchSpec spec = {}) {
    auto batch = storage::build_batch(spec, records);
    storage::AppendOptions o;
    o.now_ms = kNow;
    const auto r = logs_->partition(topic, partition)->append(batch, o);
    EXPECT_EQ(r.error, ErrorCode::NONE) << r.error_message;
    return r.base_offset;
  }

  // `count` records of value "v<i>", key "k<i % 7>", timestamp kNow + i, in batches of 10.
  void fill(const std::string& topic, int32_t partition, int count, int64_t ts_step = 1,
            int64_t ts_base = kNow) {
    std::vector<std::string> keys, values;
    for (int i = 0; i < count; ++i) {
      keys.push_back("k" + std::to_string(i % 7));
      values.push_back("v" + std::to_string(i));
    }
    for (int i = 0; i < count; i += 10) {
      std::vector<storage::RecordSpec> batch;
      for (int k = i; k < std::min(count, i + 10); ++k)
        batch.push_back({keys[k], values[k], ts_base + k * ts_step, {}});
      append(topic, partition, batch);
    }
  }

  Json browse(const std::string& topic, BrowseQuery q, BrowseLimits limits = {},
              int* steps = nullptr) {
    ErrorCode error;
    std::string message;
    auto b = MessageBrowser::create(*logs_, topic, q, limits, error, message);
    EXPECT_TRUE(b) << message;
    if (!b) return {};
    int n = 1;
    while (!b->step()) ++n;
    if (steps) *steps = n;
    return b->result();
  }

  static std::vector<int64_t> offsets(const Json& result) {
    std::vector<int64_t> out;
    for (const auto& m : result["messages"]) out.push_back(m["offset"].get<int64_t>());
    return out;
  }
  static std::vector<int64_t> range(int64_t from, int64_t to) {  // inclusive, either way
    std::vector<int64_t> out;
    for (int64_t i = from;; i += from <= to ? 1 : -1) {
      out.push_back(i);
      if (i == to) break;
    }
    return out;
  }

  std::filesystem::path dir_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  std::unique_ptr<storage::LogManager> logs_;
};

TEST_F(MessageBrowserTest, LatestShowsTheLastRecordsNewestFirst) {
  create("t", 1);
  fill("t", 0, 200);
  BrowseQuery q;  // latest, newest first, 50
  const Json r = browse("t", q);
  EXPECT_EQ(offsets(r), range(199, 150));
  EXPECT_FALSE(r["truncated"].get<bool>());
  EXPECT_GE(r["scanned"].get<int64_t>(), 50);
  EXPECT_LE(r["scanned"].get<int64_t>(), 110);  // the last window or two, not the partition
  const Json& m = r["messages"][0];
  EXPECT_EQ(m["partition"], 0);
  EXPECT_EQ(m["timestamp"], kNow + 199);
  EXPECT_EQ(m["timestamp_type"], "CreateTime");
  EXPECT_EQ(m["key"]["text"], "k3");  // 199 % 7
  EXPECT_EQ(m["value"]["text"], "v199");
  EXPECT_EQ(m["value"]["format"], "text");
  EXPECT_EQ(m["headers"], Json::array());
  EXPECT_TRUE(m["type_id"].is_null());
  EXPECT_EQ(m["compression"], "none");
  EXPECT_EQ(m["producer_id"], -1);
  EXPECT_EQ(m["transactional"], false);

  q.newest_first = false;
  EXPECT_EQ(offsets(browse("t", q)), range(150, 199));
}

TEST_F(MessageBrowserTest, EarliestOffsetAndTimestampReadForward) {
  create("t", 1);
  fill("t", 0, 200, /*ts_step=*/10);
  BrowseQuery q;
  q.from = BrowseQuery::From::kEarliest;
  q.newest_first = false;
  q.limit = 5;
  EXPECT_EQ(offsets(browse("t", q)), range(0, 4));
  q.newest_first = true;  // the same records, sorted the other way
  EXPECT_EQ(offsets(browse("t", q)), range(4, 0));

  q.newest_first = false;
  q.from = BrowseQuery::From::kOffset;
  q.offset = 123;  // inside a batch
  EXPECT_EQ(offsets(browse("t", q)), range(123, 127));
  q.offset = 197;
  EXPECT_EQ(offsets(browse("t", q)), range(197, 199));
  q.offset = 5000;
  EXPECT_TRUE(offsets(browse("t", q)).empty());

  q.from = BrowseQuery::From::kTimestamp;
  q.timestamp = kNow + 1305;  // between records 130 and 131
  EXPECT_EQ(offsets(browse("t", q)), range(131, 135));
  q.timestamp = kNow + 99'999;
  EXPECT_TRUE(offsets(browse("t", q)).empty());
  q.timestamp = 0;
  EXPECT_EQ(offsets(browse("t", q)), range(0, 4));
}

TEST_F(MessageBrowserTest, KeyAndTextFilters) {
  create("t", 1);
  fill("t", 0, 500);
  BrowseQuery q;
  q.key = "k3";
  q.limit = 4;
  const Json by_key = browse("t", q);
  EXPECT_EQ(offsets(by_key), (std::vector<int64_t>{493, 486, 479, 472}));
  for (const auto& m : by_key["messages"]) EXPECT_EQ(m["key"]["text"], "k3");

  // "v17" is in v17 and v170-v179: all eleven, found by windows reaching back to 0.
  q.key.reset();
  q.contains = "v17";
  q.limit = 50;
  const Json by_text = browse("t", q);
  std::vector<int64_t> want = range(179, 170);
  want.push_back(17);
  EXPECT_EQ(offsets(by_text), want);
  EXPECT_EQ(by_text["scanned"], 500);
  EXPECT_FALSE(by_text["truncated"].get<bool>());

  q.contains = "no such text";
  q.from = BrowseQuery::From::kEarliest;
  const Json none = browse("t", q);
  EXPECT_TRUE(none["messages"].empty());
  EXPECT_EQ(none["scanned"], 500);
}

TEST_F(MessageBrowserTest, HeadersTypeIdAndJsonValues) {
  create("t", 1);
  storage::BatchSpec gzip;
  gzip.compression = storage::Compression::kGzip;
  append("t", 0,
         {{"order-1",
           R"({"id": 1, "total": 9.5})",
           kNow,
           {{"__TypeId__", "com.example.OrderCreated"}, {"trace", std::nullopt}}},
          {std::nullopt, std::nullopt, kNow + 1, {}}},
         gzip);
  BrowseQuery q;
  q.newest_first = false;
  const Json r = browse("t", q);
  ASSERT_EQ(r["messages"].size(), 2u);
  const Json& m = r["messages"][0];
  EXPECT_EQ(m["value"]["format"], "json");
  EXPECT_EQ(m["type_id"], "com.example.OrderCreated");
  EXPECT_EQ(m["compression"], "gzip");
  ASSERT_EQ(m["headers"].size(), 2u);
  EXPECT_EQ(m["headers"][0]["key"], "__TypeId__");
  EXPECT_EQ(m["headers"][0]["value"]["text"], "com.example.OrderCreated");
  EXPECT_EQ(m["headers"][1]["value"]["format"], "null");
  const Json& tomb = r["messages"][1];
  EXPECT_EQ(tomb["key"]["format"], "null");
  EXPECT_EQ(tomb["value"]["size"], -1);
}

TEST_F(MessageBrowserTest, AllPartitionsMergeByTimestamp) {
  create("t", 3);
  // Partition p holds records at kNow + 3i + p: the newest overall alternate partitions.
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 30; i += 10) {
      std::vector<storage::RecordSpec> batch;
      std::vector<std::string> values;
      for (int k = i; k < i + 10; ++k)
        values.push_back(std::to_string(p) + ":" + std::to_string(k));
      for (int k = 0; k < 10; ++k)
        batch.push_back({std::nullopt, values[k], kNow + 3 * (i + k) + p, {}});
      append("t", p, batch);
    }
  }
  BrowseQuery q;
  q.limit = 6;
  const Json latest = browse("t", q);
  std::vector<std::pair<int, int64_t>> got;
  for (const auto& m : latest["messages"]) got.emplace_back(m["partition"], m["offset"]);
  EXPECT_EQ(got, (std::vector<std::pair<int, int64_t>>{
                     {2, 29}, {1, 29}, {0, 29}, {2, 28}, {1, 28}, {0, 28}}));

  q.from = BrowseQuery::From::kEarliest;
  q.newest_first = false;
  got.clear();
  const Json earliest = browse("t", q);
  for (const auto& m : earliest["messages"]) got.emplace_back(m["partition"], m["offset"]);
  EXPECT_EQ(got,
            (std::vector<std::pair<int, int64_t>>{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {2, 1}}));

  q.partition = 1;
  got.clear();
  const Json one = browse("t", q);
  for (const auto& m : one["messages"]) got.emplace_back(m["partition"], m["offset"]);
  EXPECT_EQ(got,
            (std::vector<std::pair<int, int64_t>>{{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}}));
}

TEST_F(MessageBrowserTest, BoundedPerCallAndPerStep) {
  create("t", 1);
  fill("t", 0, 3000);
  BrowseQuery q;
  q.contains = "never";
  BrowseLimits limits;
  limits.max_records = 1000;
  const Json r = browse("t", q, limits);
  EXPECT_TRUE(r["truncated"].get<bool>());
  EXPECT_TRUE(r["messages"].empty());
  EXPECT_GE(r["scanned"].get<int64_t>(), 1000);
  EXPECT_LE(r["scanned"].get<int64_t>(), 1010);  // the record limit stops mid-batch

  limits = {};
  limits.max_bytes = 20'000;
  const Json by_bytes = browse("t", q, limits);
  EXPECT_TRUE(by_bytes["truncated"].get<bool>());
  EXPECT_LT(by_bytes["scanned"].get<int64_t>(), 3000);

  // Tiny steps: the same answer, in many steps.
  limits = {};
  limits.step_bytes = 1;
  limits.step_records = 100;
  int steps = 0;
  q.contains.reset();
  q.from = BrowseQuery::From::kEarliest;
  q.limit = 500;
  const Json stepped = browse("t", q, limits, &steps);
  EXPECT_EQ(offsets(stepped), range(499, 0));
  EXPECT_GE(steps, 5);
  EXPECT_FALSE(stepped["truncated"].get<bool>());
}

TEST_F(MessageBrowserTest, TransactionMarkersAreNotMessages) {
  create("t", 1);
  fill("t", 0, 3);
  storage::BatchSpec txn;
  txn.transactional = true;
  txn.producer_id = 42;
  txn.producer_epoch = 0;
  txn.base_sequence = 0;
  append("t", 0, {{"k", "in-txn", kNow + 10, {}}}, txn);
  const auto marker =
      logs_->partition("t", 0)->append_marker(42, 0, storage::MarkerType::kCommit, 1, kNow);
  ASSERT_EQ(marker.error, ErrorCode::NONE);
  fill("t", 0, 2, 1, kNow + 20);  // offsets 5, 6
  BrowseQuery q;
  const Json r = browse("t", q);
  EXPECT_EQ(offsets(r), (std::vector<int64_t>{6, 5, 3, 2, 1, 0}));
  EXPECT_EQ(r["messages"][2]["transactional"], true);
  EXPECT_EQ(r["messages"][2]["producer_id"], 42);
  EXPECT_EQ(r["messages"][2]["value"]["text"], "in-txn");
}

TEST_F(MessageBrowserTest, LogStartMovesAndDeletedTopics) {
  create("t", 1);
  fill("t", 0, 100);
  ASSERT_EQ(logs_->partition("t", 0)->delete_records_before(95), ErrorCode::NONE);
  BrowseQuery q;
  EXPECT_EQ(offsets(browse("t", q)), range(99, 95));
  q.from = BrowseQuery::From::kEarliest;
  q.newest_first = false;
  q.limit = 2;
  EXPECT_EQ(offsets(browse("t", q)), range(95, 96));

  // Deleted between two steps: the answer holds what was found before.
  fill("t", 0, 400);
  BrowseLimits limits;
  limits.step_bytes = 1;
  q.limit = 500;
  ErrorCode error;
  std::string message;
  auto b = MessageBrowser::create(*logs_, "t", q, limits, error, message);
  ASSERT_TRUE(b);
  ASSERT_FALSE(b->step());
  ASSERT_EQ(logs_->delete_topic("t"), ErrorCode::NONE);
  EXPECT_TRUE(b->step());
  EXPECT_FALSE(b->result()["messages"].empty());
}

TEST_F(MessageBrowserTest, UnknownTopicOrPartition) {
  create("t", 2);
  ErrorCode error;
  std::string message;
  EXPECT_FALSE(MessageBrowser::create(*logs_, "nope", {}, {}, error, message));
  EXPECT_EQ(error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  BrowseQuery q;
  q.partition = 2;
  EXPECT_FALSE(MessageBrowser::create(*logs_, "t", q, {}, error, message));
  EXPECT_EQ(error, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  EXPECT_NE(message.find("partitions 0-1"), std::string::npos) << message;
}

TEST_F(MessageBrowserTest, LargeValuesAreShownInPart) {
  create("t", 1, {{"segment.bytes", "1048576"}});
  const std::string big(300'000, 'x');
  append("t", 0, {{std::nullopt, big, kNow, {}}});
  BrowseQuery q;
  q.limit = 50;  // 8 MiB / 50: about 167 KB of each value
  const Json r = browse("t", q);
  const Json& v = r["messages"][0]["value"];
  EXPECT_EQ(v["size"], 300'000);
  EXPECT_EQ(v["truncated"], true);
  EXPECT_EQ(v["text"].get<std::string>().size(), (8u << 20) / 50);
  q.limit = 1;  // one record: all of it
  const Json one = browse("t", q);
  EXPECT_EQ(one["messages"][0]["value"]["text"].get<std::string>().size(), 300'000u);
  EXPECT_FALSE(one["messages"][0]["value"].contains("truncated"));
}

}  // namespace
}  // namespace samsa::http
