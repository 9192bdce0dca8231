// The cleaner's settings, the choice of what to clean (cleanable range, dirty ratio,
// compaction lags), the checkpoint file, and LogManager::clean_now.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cleaner_test_util.h"
#include "samsa/storage/cleaner/cleanable.h"
#include "samsa/storage/log_manager.h"
#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using testing::KV;

TEST(CleanerConfig, KafkaDefaults) {
  const LogConfig c;
  EXPECT_EQ(c.min_cleanable_dirty_ratio, 0.5);
  EXPECT_EQ(c.min_compaction_lag_ms, 0);
  EXPECT_EQ(c.max_compaction_lag_ms, LogConfig::kNoLimit);
  EXPECT_EQ(c.delete_retention_ms, 86400000);
  EXPECT_FALSE(c.compacts());
  // Not reported until set: DescribeConfigs shows Kafka's defaults for them.
  EXPECT_EQ(c.to_topic_configs().count("min.cleanable.dirty.ratio"), 0u);
}

TEST(CleanerConfig, TopicOverridesAreParsedValidatedAndReportedAsGiven) {
  const LogConfig defaults;
  LogConfig c;
  std::string msg;
  ASSERT_EQ(defaults.with_overrides({{"cleanup.policy", "compact,delete"},
                                     {"min.cleanable.dirty.ratio", "0.10"},
                                     {"min.compaction.lag.ms", "5000"},
                                     {"max.compaction.lag.ms", "60000"},
                                     {"delete.retention.ms", "0"}},
                                    c, msg),
            ErrorCode::NONE)
      << msg;
  EXPECT_TRUE(c.compacts());
  EXPECT_TRUE(c.deletes_segments());
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.1);
  EXPECT_EQ(c.min_compaction_lag_ms, 5000);
  EXPECT_EQ(c.max_compaction_lag_ms, 60000);
  EXPECT_EQ(c.delete_retention_ms, 0);
  const ConfigMap reported = c.to_topic_configs();
  EXPECT_EQ(reported.at("min.cleanable.dirty.ratio"), "0.10");
  EXPECT_EQ(reported.at("max.compaction.lag.ms"), "60000");
  // Each key once in the list DescribeConfigs walks.
  const auto& keys = LogConfig::topic_keys();
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "delete.retention.ms"), 1);
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "min.cleanable.dirty.ratio"), 1);

  for (const auto& [key, bad] :
       std::vector<std::pair<std::string, std::string>>{{"min.cleanable.dirty.ratio", "1.5"},
                                                        {"min.cleanable.dirty.ratio", "-0.1"},
                                                        {"min.cleanable.dirty.ratio", "half"},
                                                        {"min.compaction.lag.ms", "-1"},
                                                        {"max.compaction.lag.ms", "0"},
                                                        {"delete.retention.ms", "-1"},
                                                        {"delete.retention.ms", "soon"}}) {
    LogConfig out;
    EXPECT_EQ(defaults.with_overrides({{key, bad}}, out, msg), ErrorCode::INVALID_CONFIG)
        << key << "=" << bad;
  }
}

TEST(CleanerConfig, BrokerKeys) {
  LogConfig c;
  std::string msg;
  ASSERT_EQ(LogConfig::from_broker({{"log.cleaner.min.cleanable.ratio", "0.2"},
                                    {"log.cleaner.min.compaction.lag.ms", "7"},
                                    {"log.cleaner.max.compaction.lag.ms", "8"},
                                    {"log.cleaner.delete.retention.ms", "9"}},
                                   c, msg),
            ErrorCode::NONE);
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.2);
  EXPECT_EQ(c.min_compaction_lag_ms, 7);
  EXPECT_EQ(c.max_compaction_lag_ms, 8);
  EXPECT_EQ(c.delete_retention_ms, 9);
  EXPECT_EQ(LogConfig::from_broker({{"log.cleaner.min.cleanable.ratio", "2"}}, c, msg),
            ErrorCode::INVALID_CONFIG);
}

TEST(CleanerCheckpoint, KafkasFormatRoundTrips) {
  testing::TempDir dir;
  const std::string path = dir.sub(cleaner::kCheckpointFile);
  EXPECT_TRUE(cleaner::read_checkpoints(path).empty());
  cleaner::Checkpoints cps{{{"a", 0}, 12}, {{"b.c", 3}, 0}};
  cleaner::write_checkpoints(path, cps);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "0\n2\na 0 12\nb.c 3 0\n");
  EXPECT_EQ(cleaner::read_checkpoints(path), cps);
  std::ofstream(path) << "1\n1\na 0 12\n";  // a version we do not know
  EXPECT_TRUE(cleaner::read_checkpoints(path).empty());
  std::ofstream(path) << "0\n2\na 0 12\n";  // cut short
  EXPECT_TRUE(cleaner::read_checkpoints(path).empty());
}

class CleanerManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open(ConfigMap broker = {}) {
    LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.broker_config = std::move(broker);
    o.post_to_loop = loop_.poster();
    o.now_ms = now_;
    return LogManager::open(std::move(o));
  }
  // `batches` batches of 4 records over 4 keys, timestamps `ts`.
  static void produce(PartitionLog& log, int batches, int64_t ts) {
    for (int b = 0; b < batches; ++b) {
      std::vector<KV> kvs;
      for (int r = 0; r < 4; ++r)
        kvs.push_back({"key-" + std::to_string(r), "value-" + std::to_string(b), ts});
      auto batch = testing::keyed_batch(kvs);
      AppendOptions o;
      ASSERT_EQ(log.append(batch, o).error, ErrorCode::NONE);
    }
  }
  testing::TempDir dir_;
  testing::TestLoop loop_;
  int64_t now_ = 1'700'000'000'000;
};

TEST_F(CleanerManagerTest, CleanableRangeFollowsCheckpointLagsAndRatio) {
  auto m = open();
  std::string msg;
  ASSERT_EQ(m->create_topic("c", 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "600"}}, msg),
            ErrorCode::NONE)
      << msg;
  PartitionLog& log = *m->partition("c", 0);
  produce(log, 30, now_ - 10'000);
  ASSERT_GT(log.segment_count(), 4u);
  const int64_t active_base = log.segments().rbegin()->first;

  auto r = cleaner::cleanable_range(log, -1, now_);
  EXPECT_EQ(r.first_dirty_offset, 0);
  EXPECT_EQ(r.first_uncleanable_offset, active_base);
  EXPECT_EQ(r.clean_bytes, 0u);
  EXPECT_EQ(r.dirty_ratio, 1.0);
  EXPECT_FALSE(r.max_lag_exceeded);
  EXPECT_TRUE(r.due(log.config()));

  // A checkpoint past the log end is reset to the log start.
  EXPECT_EQ(cleaner::cleanable_range(log, 1'000'000, now_).first_dirty_offset, 0);

  // From a checkpoint at the third segment: the first two count as clean.
  auto seg = log.segments().begin();
  const int64_t third = std::next(seg, 2)->first;
  r = cleaner::cleanable_range(log, third, now_);
  EXPECT_EQ(r.first_dirty_offset, third);
  EXPECT_EQ(r.clean_bytes, seg->second->size() + std::next(seg)->second->size());
  EXPECT_GT(r.dirty_ratio, 0.5);

  // min.compaction.lag.ms longer than the records' age: nothing is cleanable.
  LogConfig lagged = log.config();
  lagged.min_compaction_lag_ms = 20'000;
  log.set_config(lagged);
  r = cleaner::cleanable_range(log, -1, now_);
  EXPECT_EQ(r.first_uncleanable_offset, 0);
  EXPECT_EQ(r.dirty_bytes, 0u);
  EXPECT_FALSE(r.due(log.config()));
  lagged.min_compaction_lag_ms = 5'000;
  log.set_config(lagged);
  EXPECT_EQ(cleaner::cleanable_range(log, -1, now_).first_uncleanable_offset, active_base);

  // max.compaction.lag.ms: a ratio below the minimum is cleaned all the same.
  LogConfig forced = log.config();
  forced.min_compaction_lag_ms = 0;
  forced.min_cleanable_dirty_ratio = 1.0;
  log.set_config(forced);
  EXPECT_FALSE(cleaner::cleanable_range(log, -1, now_).due(log.config()));
  forced.max_compaction_lag_ms = 9'000;
  log.set_config(forced);
  r = cleaner::cleanable_range(log, -1, now_);
  EXPECT_TRUE(r.max_lag_exceeded);
  EXPECT_TRUE(r.due(log.config()));
}

TEST_F(CleanerManagerTest, CleanNowCleansDueCompactedLogsAndCheckpoints) {
  int64_t active_base;
  {
    auto m = open({{"log.cleaner.dedupe.buffer.size", "1048576"}});
    std::string msg;
    ASSERT_EQ(
        m->create_topic("c", 2, {{"cleanup.policy", "compact"}, {"segment.bytes", "600"}}, msg),
        ErrorCode::NONE);
    ASSERT_EQ(m->create_topic("d", 1, {{"segment.bytes", "600"}}, msg), ErrorCode::NONE);
    produce(*m->partition("c", 0), 30, now_);
    produce(*m->partition("d", 0), 30, now_);
    const uint64_t c_before = m->partition("c", 0)->size_bytes();
    const uint64_t d_before = m->partition("d", 0)->size_bytes();
    active_base = m->partition("c", 0)->segments().rbegin()->first;

    const LogCleanerSummary s = m->clean_now(now_);
    EXPECT_EQ(s.logs_cleaned, 1u);  // c-0; c-1 is empty, d deletes
    EXPECT_EQ(s.logs_failed, 0u);
    EXPECT_GT(s.stats.records_removed, 0u);
    EXPECT_LT(m->partition("c", 0)->size_bytes(), c_before);
    EXPECT_EQ(m->partition("d", 0)->size_bytes(), d_before);
    EXPECT_EQ(m->cleaner_checkpoint("c", 0), active_base);
    EXPECT_EQ(m->cleaner_checkpoint("c", 1), -1);

    std::ifstream in(dir_.sub(cleaner::kCheckpointFile));
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), "0\n1\nc 0 " + std::to_string(active_base) + "\n");

    // Clean now: nothing is due.
    EXPECT_EQ(m->clean_now(now_).logs_cleaned, 0u);
    m->shutdown();
  }
  auto m = open();
  EXPECT_EQ(m->cleaner_checkpoint("c", 0), active_base);
  // Each key's newest value survived, and the offsets past the clean are untouched.
  PartitionLog& log = *m->partition("c", 0);
  const ReadResult r = log.read(0, 1 << 20, true);
  ASSERT_EQ(r.error, ErrorCode::NONE);
  EXPECT_EQ(log.log_end_offset(), 120);
  // Deleting the topic forgets its checkpoint.
  ASSERT_EQ(m->delete_topic("c"), ErrorCode::NONE);
  EXPECT_EQ(m->cleaner_checkpoint("c", 0), -1);
}

TEST_F(CleanerManagerTest, BadCleanerBrokerSettingsAreRefused) {
  EXPECT_THROW(open({{"log.cleaner.dedupe.buffer.size", "-1"}}), std::runtime_error);
  EXPECT_THROW(open({{"log.cleaner.io.buffer.load.factor", "1.5"}}), std::runtime_error);
  EXPECT_THROW(open({{"log.cleaner.threads", "0"}}), std::runtime_error);
  EXPECT_THROW(open({{"log.cleaner.threads", "2x"}}), std::runtime_error);
  EXPECT_THROW(open({{"log.cleaner.io.max.bytes.per.second", "0.5"}}), std::runtime_error);
  EXPECT_THROW(open({{"log.cleaner.enable", "yes"}}), std::runtime_error);
}

}  // namespace
}  // namespace samsa::storage
