// The background cleaner: LogManager plans a clean on the loop thread, a cleaner thread
// writes it, and the loop swaps it in; appends, retention, topic deletion and shutdown
// may come in between. Also the I/O throttle the threads share.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "cleaner_test_util.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/storage/cleaner/throttle.h"
#include "samsa/storage/log_manager.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using testing::DecodedRecord;
using testing::KV;
using Clock = std::chrono::steady_clock;

class CleanerBackgroundTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open(ConfigMap broker = {}) {
    LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.broker_config = std::move(broker);
    o.post_to_loop = loop_.poster();
    o.now_ms = now_;
    o.cleaner_metrics = &metrics_;
    auto m = LogManager::open(std::move(o));
    m->start_cleaner([this] { return now_; });
    return m;
  }
  static void create(LogManager& m, const std::string& topic, const std::string& policy,
                     int partitions = 1) {
    std::string msg;
    ASSERT_EQ(m.create_topic(topic, partitions,
                             {{"cleanup.policy", policy},
                              {"segment.bytes", "2000"},
                              {"min.cleanable.dirty.ratio", "0.01"}},
                             msg),
              ErrorCode::NONE)
        << msg;
  }
  // `batches` batches of 8 records over keys 0..15, each value naming its batch.
  void produce(PartitionLog& log, int batches, int first_batch = 0) {
    for (int b = first_batch; b < first_batch + batches; ++b) {
      std::vector<KV> kvs;
      for (int r = 0; r < 8; ++r) {
        const int key = (b * 8 + r) % 16;
        kvs.push_back({"key-" + std::to_string(key), "value-" + std::to_string(b), now_});
        latest_[kvs.back().key.value()] = *kvs.back().value;
      }
      AppendOptions o;
      o.now_ms = now_;
      auto batch = testing::keyed_batch(kvs);
      ASSERT_EQ(log.append(batch, o).error, ErrorCode::NONE);
    }
  }
  // The newest value of each key, as a read from the start sees them.
  static std::map<std::string, std::string> latest_seen(PartitionLog& log) {
    std::map<std::string, std::string> out;
    int64_t previous = -1;
    for (const DecodedRecord& r : testing::read_log_records(log)) {
      EXPECT_GT(r.offset, previous);
      previous = r.offset;
      out[r.key.value()] = r.value.value();
    }
    return out;
  }
  std::vector<std::string> cleaner_files(const std::string& partition_dir) const {
    std::vector<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir_.str())) {
      const std::string n = e.path().filename().string();
      if (n.ends_with(".cleaned") || n.ends_with(".swap")) names.push_back(n);
    }
    (void)partition_dir;
    return names;
  }
  testing::TempDir dir_;
  testing::TestLoop loop_;
  metrics::LogCleanerMetrics metrics_;
  int64_t now_ = 1'700'000'000'000;
  std::map<std::string, std::string> latest_;
};

TEST_F(CleanerBackgroundTest, CleansOnItsThreadAndSwapsInOnTheLoop) {
  auto m = open();
  ASSERT_TRUE(m->cleaner_running());
  create(*m, "c", "compact");
  PartitionLog& log = *m->partition("c", 0);
  produce(log, 60);
  ASSERT_GT(log.segment_count(), 5u);
  const uint64_t before = log.size_bytes();
  const int64_t active_base = log.segments().rbegin()->first;

  ASSERT_EQ(m->schedule_cleaning(now_), 1u);
  EXPECT_EQ(m->cleans_in_flight(), 1u);
  EXPECT_EQ(metrics_.in_flight(), 1);
  EXPECT_EQ(m->schedule_cleaning(now_), 0u);  // one thread, busy
  // Appends go on while the thread cleans.
  produce(log, 20, 60);
  ASSERT_TRUE(loop_.run_until([&] { return m->cleans_in_flight() == 0; }));
  EXPECT_LT(log.size_bytes(), before);
  EXPECT_GE(m->cleaner_checkpoint("c", 0), active_base);
  EXPECT_EQ(log.log_end_offset(), 80 * 8);
  EXPECT_EQ(latest_seen(log), latest_);
  EXPECT_TRUE(cleaner_files(log.dir()).empty());
  EXPECT_GE(metrics_.cleans(), 1u);  // and a second for the appends made meanwhile
  EXPECT_GT(metrics_.records_removed(), 0u);
  EXPECT_EQ(metrics_.in_flight(), 0);
}

// A log whose clean fails waits a minute before the next attempt, then twice as long
// after each further failure, rather than failing (and logging) at every tick.
TEST_F(CleanerBackgroundTest, AFailingCleanWaitsLongerEachTime) {
  auto m = open();
  create(*m, "c", "compact");
  PartitionLog& log = *m->partition("c", 0);
  produce(log, 60);
  const uint64_t before = log.size_bytes();
  // A directory where the clean writes its first segment: every attempt fails.
  const fs::path blocker = fs::path(log.dir()) / "00000000000000000000.log.cleaned";
  ASSERT_TRUE(fs::create_directory(blocker));
  auto clean_once = [&] {
    ASSERT_TRUE(loop_.run_until([&] { return m->cleans_in_flight() == 0; }));
  };
  ASSERT_EQ(m->schedule_cleaning(now_), 1u);
  clean_once();
  EXPECT_EQ(log.size_bytes(), before);
  EXPECT_EQ(m->schedule_cleaning(now_ + LogManager::kCleanRetryFirstMs - 1), 0u);
  now_ += LogManager::kCleanRetryFirstMs;
  ASSERT_EQ(m->schedule_cleaning(now_), 1u);  // the second attempt fails too
  clean_once();
  EXPECT_EQ(m->schedule_cleaning(now_ + 2 * LogManager::kCleanRetryFirstMs - 1), 0u);
  // Once the cause is gone, the next attempt cleans.
  fs::remove(blocker);
  now_ += 2 * LogManager::kCleanRetryFirstMs;
  ASSERT_EQ(m->schedule_cleaning(now_), 1u);
  clean_once();
  EXPECT_LT(log.size_bytes(), before);
  EXPECT_EQ(latest_seen(log), latest_);
  EXPECT_TRUE(cleaner_files(log.dir()).empty());
}

TEST_F(CleanerBackgroundTest, AGroupWhoseSegmentsWereDeletedMeanwhileIsDropped) {
  auto m = open();
  create(*m, "c", "compact,delete");
  PartitionLog& log = *m->partition("c", 0);
  produce(log, 60);
  ASSERT_EQ(m->schedule_cleaning(now_), 1u);
  // DeleteRecords past the second segment while the thread works.
  const int64_t third = std::next(log.segments().begin(), 2)->first;
  ASSERT_EQ(log.delete_records_before(third), ErrorCode::NONE);
  ASSERT_TRUE(loop_.run_until([&] { return m->cleans_in_flight() == 0; }));
  EXPECT_EQ(log.log_start_offset(), third);
  const auto records = testing::read_log_records(log);
  ASSERT_FALSE(records.empty());
  EXPECT_GE(records.front().offset, third);
  EXPECT_TRUE(cleaner_files(log.dir()).empty());
  // Whatever was swapped in, the log reopens to the same records.
  m->shutdown();
  m.reset();
  auto again = open();
  EXPECT_EQ(testing::read_log_records(*again->partition("c", 0)), records);
}

TEST_F(CleanerBackgroundTest, DeletingATopicStopsItsCleanAtOnce) {
  // 1 KB/s: the clean would take minutes.
  auto m = open({{"log.cleaner.io.max.bytes.per.second", "1000"}});
  create(*m, "c", "compact");
  produce(*m->partition("c", 0), 200);
  ASSERT_EQ(m->schedule_cleaning(now_), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // it sleeps in the throttle
  const auto started = Clock::now();
  ASSERT_EQ(m->delete_topic("c"), ErrorCode::NONE);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(m->cleans_in_flight(), 0u);
  loop_.drain();
  // The thread is free for the next topic.
  create(*m, "c", "compact");
  produce(*m->partition("c", 0), 10);
  EXPECT_TRUE(cleaner_files("").empty());
}

TEST_F(CleanerBackgroundTest, ShutdownAbandonsACleanAndLeavesNoFiles) {
  {
    auto m = open({{"log.cleaner.io.max.bytes.per.second", "1000"}});
    create(*m, "c", "compact");
    produce(*m->partition("c", 0), 200);
    ASSERT_EQ(m->schedule_cleaning(now_), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto started = Clock::now();
    m->shutdown();
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
    loop_.drain();
  }
  EXPECT_TRUE(cleaner_files("").empty());
  auto m = open();
  EXPECT_EQ(latest_seen(*m->partition("c", 0)), latest_);
  EXPECT_EQ(m->partition("c", 0)->log_end_offset(), 200 * 8);
}

TEST_F(CleanerBackgroundTest, FilthiestLogFirstAndEveryThreadBusy) {
  auto m = open({{"log.cleaner.threads", "2"}});
  create(*m, "a", "compact");
  create(*m, "b", "compact");
  create(*m, "d", "delete");
  produce(*m->partition("a", 0), 40);
  produce(*m->partition("b", 0), 40);
  produce(*m->partition("d", 0), 40);
  EXPECT_EQ(m->schedule_cleaning(now_), 2u);  // a and b, each on a thread; never d
  EXPECT_EQ(m->cleans_in_flight(), 2u);
  ASSERT_TRUE(loop_.run_until([&] { return m->cleans_in_flight() == 0; }));
  EXPECT_GT(m->cleaner_checkpoint("a", 0), 0);
  EXPECT_GT(m->cleaner_checkpoint("b", 0), 0);
  EXPECT_EQ(m->cleaner_checkpoint("d", 0), -1);
  // Nothing is due now.
  EXPECT_EQ(m->schedule_cleaning(now_), 0u);
}

TEST_F(CleanerBackgroundTest, DisabledCleanerStartsNoThread) {
  auto m = open({{"log.cleaner.enable", "false"}});
  EXPECT_FALSE(m->cleaner_running());
  create(*m, "c", "compact");
  produce(*m->partition("c", 0), 40);
  EXPECT_EQ(m->schedule_cleaning(now_), 0u);
}

TEST(IoThrottleTest, HoldsTheRateAndStopWakesASleeper) {
  cleaner::IoThrottle throttle(1'000'000);  // 1 MB/s, bursts of 300 KB
  const auto started = Clock::now();
  throttle.account(200'000);  // within the burst
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(50));
  throttle.account(200'000);  // 100 KB over: 100 ms
  throttle.account(500'000);  // 500 ms more
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(590));
  EXPECT_GE(throttle.throttled(), std::chrono::milliseconds(590));
  // After a pause the bucket is full again: no sleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto calm = Clock::now();
  throttle.account(250'000);
  EXPECT_LT(Clock::now() - calm, std::chrono::milliseconds(50));

  cleaner::IoThrottle slow(1);
  std::atomic<bool> cancelled{false};
  std::thread sleeper([&] {
    EXPECT_THROW(
        {
          for (;;) slow.account(1'000'000, &cancelled);
        },
        cleaner::CleanAborted);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto stop_at = Clock::now();
  cancelled = true;
  slow.wake();
  sleeper.join();
  EXPECT_LT(Clock::now() - stop_at, std::chrono::seconds(1));
  EXPECT_THROW(slow.account(1, &cancelled), cleaner::CleanAborted);
  cleaner::IoThrottle stopped;
  stopped.stop();
  EXPECT_THROW(stopped.account(1), cleaner::CleanAborted);
}

}  // namespace
}  // namespace samsa::storage
