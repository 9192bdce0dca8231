#include "samsa/storage/log_manager.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage_test_util.h"

namespace samsa::storage {
namespace {
namespace fs = std::filesystem;
using testing::make_batch;

class LogManagerTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open(ConfigMap broker = {}) {
    LogManagerOptions o;
    o.log_dirs = dir_.str() + ",/nonexistent/second";
    o.broker_config = std::move(broker);
    o.post_to_loop = loop_.poster();
    o.now_ms = 1'700'000'000'000;
    return LogManager::open(std::move(o));
  }
  // Topic "r" (retention.ms 1000) holding several segments of 1000 bytes whose records
  // carry timestamp 5000. The broker must use log.segment.bytes=1000.
  void fill_retention_topic(LogManager& m) {
    std::string msg;
    ASSERT_EQ(m.create_topic("r", 1, {{"retention.ms", "1000"}}, msg), ErrorCode::NONE) << msg;
    AppendOptions o;
    for (int i = 0; i < 20; ++i) {
      auto b = make_batch(2, 5000, {}, 50);
      ASSERT_EQ(m.partition("r", 0)->append(b, o).error, ErrorCode::NONE);
    }
    ASSERT_GT(m.partition("r", 0)->segment_count(), 2u);
  }
  testing::TempDir dir_;
  testing::TestLoop loop_;
};

TEST(TopicId, Base64RoundTrip) {
  TopicId id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i * 17 + 250);
  const std::string s = topic_id_to_string(id);
  EXPECT_EQ(s.size(), 22u);
  EXPECT_EQ(topic_id_from_string(s), id);
  EXPECT_FALSE(topic_id_from_string("short").has_value());
  EXPECT_FALSE(topic_id_from_string("!!!!!!!!!!!!!!!!!!!!!!").has_value());
}

TEST_F(LogManagerTest, CreatePersistsAndReloads) {
  TopicId id{};
  {
    auto m = open({{"log.retention.hours", "1"}});
    std::string msg;
    ASSERT_EQ(m->create_topic("orders", 3, {{"retention.bytes", "12345"}}, msg), ErrorCode::NONE)
        << msg;
    id = m->find_topic("orders")->topic_id;
    EXPECT_NE(id, TopicId{});
    EXPECT_EQ(m->topic_config("orders")->retention_bytes, 12345);
    EXPECT_EQ(m->topic_config("orders")->retention_ms, 3600000);  // broker default
    auto batch = make_batch(4);
    AppendOptions o;
    o.now_ms = 1;
    ASSERT_EQ(m->partition("orders", 2)->append(batch, o).error, ErrorCode::NONE);
    EXPECT_EQ(m->partition("orders", 3), nullptr);
    EXPECT_TRUE(fs::exists(dir_.str() + "/orders-0/partition.metadata"));
    std::ifstream pm(dir_.str() + "/orders-1/partition.metadata");
    std::string all((std::istreambuf_iterator<char>(pm)), {});
    EXPECT_EQ(all, "version: 0\ntopic_id: " + topic_id_to_string(id) + "\n");
    m->shutdown();
    EXPECT_TRUE(fs::exists(dir_.str() + "/.kafka_cleanshutdown"));
  }
  auto m = open();
  EXPECT_TRUE(m->recovered_cleanly());
  ASSERT_TRUE(m->make_writable());
  EXPECT_FALSE(fs::exists(dir_.str() + "/.kafka_cleanshutdown"));
  const TopicMetadata* t = m->find_topic("orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->topic_id, id);
  EXPECT_EQ(t->partition_count, 3);
  EXPECT_EQ(t->config_overrides.at("retention.bytes"), "12345");
  EXPECT_EQ(m->find_topic(id), t);
  EXPECT_EQ(m->partition("orders", 2)->log_end_offset(), 4);
  EXPECT_EQ(m->topics().size(), 1u);
}

// The marker's removal and the caller's durable steps wait for the first write: open()
// touches neither, and the write runs both before it changes the log.
TEST_F(LogManagerTest, TheFirstWriteRunsTheStartSteps) {
  const std::string marker = dir_.str() + "/.kafka_cleanshutdown";
  {
    auto m = open();
    std::string msg;
    ASSERT_EQ(m->create_topic("a", 1, {}, msg), ErrorCode::NONE) << msg;
  }  // clean shutdown: the marker is written
  int steps_run = 0;
  bool marker_gone_before_step = false;
  int64_t log_end_during_step = -1;
  std::unique_ptr<LogManager> m;
  LogManagerOptions o;
  o.log_dirs = dir_.str();
  o.post_to_loop = loop_.poster();
  o.before_first_write.push_back([&] {
    ++steps_run;
    marker_gone_before_step = !fs::exists(marker);
    log_end_during_step = m->partition("a", 0)->log_end_offset();
  });
  m = LogManager::open(std::move(o));
  EXPECT_TRUE(m->recovered_cleanly());
  EXPECT_TRUE(fs::exists(marker));  // reading needs no start-up step
  EXPECT_EQ(steps_run, 0);

  auto batch = make_batch(2);
  AppendOptions ao;
  ao.now_ms = 1;
  ASSERT_EQ(m->partition("a", 0)->append(batch, ao).error, ErrorCode::NONE);
  EXPECT_EQ(steps_run, 1);
  EXPECT_TRUE(marker_gone_before_step);
  EXPECT_EQ(log_end_during_step, 0);
  EXPECT_FALSE(fs::exists(marker));
  auto again = make_batch(1);
  ASSERT_EQ(m->partition("a", 0)->append(again, ao).error, ErrorCode::NONE);
  EXPECT_EQ(steps_run, 1);
  EXPECT_EQ(m->partition("a", 0)->log_end_offset(), 3);
}

// A broker that never wrote runs its steps at shutdown (a first meta.properties).
TEST_F(LogManagerTest, ShutdownRunsTheStartStepsWhenNoWriteDid) {
  int steps_run = 0;
  LogManagerOptions o;
  o.log_dirs = dir_.str();
  o.post_to_loop = loop_.poster();
  o.before_first_write.push_back([&] { ++steps_run; });
  auto m = LogManager::open(std::move(o));
  EXPECT_EQ(steps_run, 0);
  m->shutdown();
  EXPECT_EQ(steps_run, 1);
  EXPECT_TRUE(fs::exists(dir_.str() + "/.kafka_cleanshutdown"));
}

// A clean restart that nothing wrote to stops without touching the disk: the marker on
// disk still vouches for the logs, so it is neither removed nor rewritten.
TEST_F(LogManagerTest, AStopWithoutWritesKeepsTheOldMarker) {
  const std::string marker = dir_.str() + "/.kafka_cleanshutdown";
  auto inode = [&] {
    struct stat st {};
    EXPECT_EQ(::stat(marker.c_str(), &st), 0);
    return st.st_ino;
  };
  {
    auto m = open();
    std::string msg;
    ASSERT_EQ(m->create_topic("a", 2, {}, msg), ErrorCode::NONE) << msg;
  }
  // A hard link keeps the first marker's inode alive, so a rewritten marker cannot
  // be given the same inode number again (file systems reuse freed ones at once).
  fs::create_hard_link(marker, dir_.str() + "/first-marker");
  const auto written = inode();
  {
    auto m = open();
    EXPECT_EQ(m->partition("a", 1)->read(0, 1000, true).error, ErrorCode::NONE);
    m->shutdown();
  }
  EXPECT_EQ(inode(), written);  // a rewrite renames a new file into place
  {
    auto m = open();
    EXPECT_TRUE(m->recovered_cleanly());
    auto batch = make_batch(2);
    AppendOptions ao;
    ao.now_ms = 1;
    ASSERT_EQ(m->partition("a", 0)->append(batch, ao).error, ErrorCode::NONE);
    EXPECT_FALSE(fs::exists(marker));
  }
  EXPECT_NE(inode(), written);
  auto m = open();
  EXPECT_TRUE(m->recovered_cleanly());
  EXPECT_EQ(m->partition("a", 0)->log_end_offset(), 2);
}

TEST_F(LogManagerTest, FailedStartStepLeavesTheLogsReadOnly) {
  {
    auto m = open();
    std::string msg;
    ASSERT_EQ(m->create_topic("a", 1, {}, msg), ErrorCode::NONE) << msg;
  }
  std::vector<std::string> reported;
  LogManagerOptions o;
  o.log_dirs = dir_.str();
  o.post_to_loop = loop_.poster();
  o.before_first_write.push_back([] { throw std::runtime_error("disk on fire"); });
  o.on_start_failure = [&](const std::string& why) { reported.push_back(why); };
  auto m = LogManager::open(std::move(o));
  EXPECT_FALSE(m->make_writable());
  EXPECT_EQ(reported, (std::vector<std::string>{"disk on fire"}));

  auto batch = make_batch(2);
  AppendOptions ao;
  ao.now_ms = 1;
  const AppendResult r = m->partition("a", 0)->append(batch, ao);
  EXPECT_EQ(r.error, ErrorCode::KAFKA_STORAGE_ERROR);
  EXPECT_NE(r.error_message.find("disk on fire"), std::string::npos);
  std::string msg;
  EXPECT_EQ(m->create_topic("b", 1, {}, msg), ErrorCode::KAFKA_STORAGE_ERROR);
  EXPECT_NE(msg.find("disk on fire"), std::string::npos);
  EXPECT_EQ(m->delete_topic("a"), ErrorCode::KAFKA_STORAGE_ERROR);
  EXPECT_EQ(m->create_partitions("a", 2, msg), ErrorCode::KAFKA_STORAGE_ERROR);
  EXPECT_EQ(m->set_topic_configs("a", {{"retention.ms", "1000"}}, msg),
            ErrorCode::KAFKA_STORAGE_ERROR);
  EXPECT_EQ(m->partition("a", 0)->log_end_offset(), 0);
  EXPECT_EQ(m->find_topic("b"), nullptr);
  m->shutdown();
  // The first step removed the marker; a failed start does not vouch for the logs
  // again, so the next start recovers them.
  EXPECT_FALSE(fs::exists(dir_.str() + "/.kafka_cleanshutdown"));
}

TEST_F(LogManagerTest, UncleanStartIsDetected) {
  {
    auto m = open();
    std::string msg;
    ASSERT_EQ(m->create_topic("a", 1, {}, msg), ErrorCode::NONE);
    // Simulate a crash: the destructor would shut down cleanly, so remove the marker.
    m->shutdown();
    fs::remove(dir_.str() + "/.kafka_cleanshutdown");
  }
  auto m = open();
  EXPECT_FALSE(m->recovered_cleanly());
  EXPECT_NE(m->partition("a", 0), nullptr);
}

TEST_F(LogManagerTest, CreateErrors) {
  auto m = open();
  std::string msg;
  EXPECT_EQ(m->create_topic("bad name", 1, {}, msg), ErrorCode::INVALID_TOPIC_EXCEPTION);
  EXPECT_EQ(m->create_topic("..", 1, {}, msg), ErrorCode::INVALID_TOPIC_EXCEPTION);
  EXPECT_EQ(m->create_topic(std::string(250, 'a'), 1, {}, msg), ErrorCode::INVALID_TOPIC_EXCEPTION);
  EXPECT_EQ(m->create_topic("t", 0, {}, msg), ErrorCode::INVALID_PARTITIONS);
  EXPECT_EQ(m->create_topic("t", 1, {{"retention.ms", "soon"}}, msg), ErrorCode::INVALID_CONFIG);
  EXPECT_NE(msg.find("retention.ms"), std::string::npos);
  EXPECT_EQ(m->create_topic("t", 1, {}, msg, /*validate_only=*/true), ErrorCode::NONE);
  EXPECT_EQ(m->find_topic("t"), nullptr);
  EXPECT_EQ(m->create_topic("a.b", 1, {}, msg), ErrorCode::NONE);
  EXPECT_EQ(m->create_topic("a.b", 1, {}, msg), ErrorCode::TOPIC_ALREADY_EXISTS);
  EXPECT_EQ(m->create_topic("a_b", 1, {}, msg), ErrorCode::INVALID_TOPIC_EXCEPTION);
}

TEST_F(LogManagerTest, DeleteGrowAndAlter) {
  {
    auto m = open();
    std::string msg;
    ASSERT_EQ(m->create_topic("gone", 2, {}, msg), ErrorCode::NONE);
    ASSERT_EQ(m->create_topic("grow", 1, {}, msg), ErrorCode::NONE);
    EXPECT_EQ(m->delete_topic("gone"), ErrorCode::NONE);
    EXPECT_EQ(m->delete_topic("gone"), ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    EXPECT_FALSE(fs::exists(dir_.str() + "/gone-0"));
    EXPECT_EQ(m->create_partitions("grow", 1, msg), ErrorCode::INVALID_PARTITIONS);
    EXPECT_EQ(m->create_partitions("grow", 4, msg), ErrorCode::NONE);
    EXPECT_NE(m->partition("grow", 3), nullptr);
    EXPECT_EQ(m->set_topic_configs("grow", {{"max.message.bytes", "-5"}}, msg),
              ErrorCode::INVALID_CONFIG);
    EXPECT_EQ(m->set_topic_configs("grow", {{"max.message.bytes", "100"}}, msg), ErrorCode::NONE);
    auto big = make_batch(10, 0, {}, 50);
    AppendOptions o;
    EXPECT_EQ(m->partition("grow", 0)->append(big, o).error, ErrorCode::MESSAGE_TOO_LARGE);
  }
  // A stray directory of an uncommitted creation is removed at start.
  fs::create_directories(dir_.str() + "/ghost-0");
  auto m = open();
  EXPECT_EQ(m->find_topic("gone"), nullptr);
  ASSERT_NE(m->find_topic("grow"), nullptr);
  EXPECT_EQ(m->find_topic("grow")->partition_count, 4);
  EXPECT_EQ(m->topic_config("grow")->max_message_bytes, 100);
  EXPECT_FALSE(fs::exists(dir_.str() + "/ghost-0"));
  int count = 0;
  m->for_each_partition([&](const TopicMetadata&, int32_t, PartitionLog&) { ++count; });
  EXPECT_EQ(count, 4);
}

TEST_F(LogManagerTest, RetentionFromTimer) {
  auto m = open({{"log.segment.bytes", "1000"}});
  fill_retention_topic(*m);
  EXPECT_EQ(m->enforce_retention(5000 + 1000), 0u);
  EXPECT_GT(m->enforce_retention(5000 + 1001 + 1), 0u);
  EXPECT_EQ(m->partition("r", 0)->segment_count(), 1u);
}

// A retention check passes the start gate only when it deletes a segment.
TEST_F(LogManagerTest, RetentionRunsTheStartStepsOnlyToDelete) {
  const std::string marker = dir_.str() + "/.kafka_cleanshutdown";
  {
    auto m = open({{"log.segment.bytes", "1000"}});
    fill_retention_topic(*m);
  }
  int steps_run = 0;
  LogManagerOptions o;
  o.log_dirs = dir_.str();
  o.post_to_loop = loop_.poster();
  o.before_first_write.push_back([&] { ++steps_run; });
  auto m = LogManager::open(std::move(o));
  const size_t segments = m->partition("r", 0)->segment_count();
  ASSERT_GT(segments, 2u);
  EXPECT_EQ(m->enforce_retention(5000 + 1000), 0u);
  EXPECT_EQ(steps_run, 0);
  EXPECT_TRUE(fs::exists(marker));
  EXPECT_EQ(m->enforce_retention(5000 + 1001 + 1), segments - 1);
  EXPECT_EQ(steps_run, 1);
  EXPECT_FALSE(fs::exists(marker));
}

}  // namespace
}  // namespace samsa::storage

namespace samsa::storage {
namespace {

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// A partition keeps one descriptor per segment (its log) open, nothing else: the usual
// soft limit of 1,024 must not cap a broker at a few hundred partitions.
TEST_F(LogManagerTest, APartitionHoldsOneDescriptorPerSegment) {
  const size_t before = open_descriptors();
  {
    auto m = open({{"log.segment.bytes", "1000"}});
    std::string msg;
    ASSERT_EQ(m->create_topic("many", 60, {}, msg), ErrorCode::NONE) << msg;
    fill_retention_topic(*m);  // "r": one partition of several segments (written, rolled)
    // The rolls queued their files (indexes, directory) for a background fsync.
    m->partition("r", 0)->request_flush();
    ASSERT_TRUE(loop_.run_until([&] { return m->partition("r", 0)->flushed_offset() == 40; }));
    const size_t segments = m->partition("r", 0)->segment_count();
    EXPECT_LE(open_descriptors() - before, 60 + segments + 8);
    m->shutdown();
  }
  auto m = open({{"log.segment.bytes", "1000"}});
  EXPECT_TRUE(m->recovered_cleanly());
  EXPECT_LE(open_descriptors() - before, 60 + m->partition("r", 0)->segment_count() + 8);
  EXPECT_EQ(m->partition("r", 0)->log_end_offset(), 40);
}

}  // namespace
}  // namespace samsa::storage

namespace samsa::storage {
namespace {

class BoundedFilesTest : public ::testing::Test {
 protected:
  std::unique_ptr<LogManager> open(size_t open_files) {
    LogManagerOptions o;
    o.log_dirs = dir_.str();
    o.post_to_loop = loop_.poster();
    o.open_segment_files_max = open_files;
    return LogManager::open(std::move(o));
  }
  testing::TempDir dir_;
  testing::TestLoop loop_;
};

// More partitions than the cache holds: every one is written, synced and read, while
// the process never holds more segment files than the cache allows.
TEST_F(BoundedFilesTest, ManyPartitionsLiveWithinTheCache) {
  constexpr int kPartitions = 120;
  constexpr size_t kCache = 8;
  const size_t before = open_descriptors();
  {
    auto m = open(kCache);
    std::string msg;
    ASSERT_EQ(m->create_topic("t", kPartitions, {}, msg), ErrorCode::NONE) << msg;
    EXPECT_LE(open_descriptors() - before, kCache + 8);
    int acked = 0;
    for (int p = 0; p < kPartitions; ++p) {
      auto batch = make_batch(3, 1000 + p);
      PartitionLog& log = *m->partition("t", p);
      ASSERT_EQ(log.append(batch, {}).error, ErrorCode::NONE);
      log.when_flushed(2, [&](ErrorCode e) { acked += e == ErrorCode::NONE; });
      EXPECT_LE(open_descriptors() - before, kCache + 8);
    }
    ASSERT_TRUE(loop_.run_until([&] { return acked == kPartitions; }));
    // One fetch over every partition: its slices are held until the response is sent,
    // so past a point the log hands out copies instead of more descriptors.
    std::vector<ReadResult> response;
    for (int p = kPartitions - 1; p >= 0; --p) {
      ReadResult& r = response.emplace_back(m->partition("t", p)->read(1, 1 << 20, true));
      ASSERT_EQ(r.error, ErrorCode::NONE);
      ASSERT_EQ(r.slices.size(), 1u);
      EXPECT_LE(open_descriptors() - before, kCache + kCache / 4 + 8);
      OffsetLookup found = m->partition("t", p)->offset_for_timestamp(1000 + p + 1);
      EXPECT_EQ(found.offset, 1);
    }
    size_t copies = 0;
    for (int i = 0; i < kPartitions; ++i) {
      const FileSlice& slice = response[static_cast<size_t>(i)].slices[0];
      std::vector<uint8_t> bytes(slice.length);
      if (slice.memory) {
        ++copies;
        std::copy_n(slice.memory->data() + slice.offset, slice.length, bytes.data());
      } else {
        ASSERT_EQ(
            ::pread(slice.file->fd(), bytes.data(), bytes.size(), static_cast<off_t>(slice.offset)),
            static_cast<ssize_t>(bytes.size()));
      }
      EXPECT_EQ(BatchHeader::parse(bytes.data()).max_timestamp, 1000 + (kPartitions - 1 - i) + 2);
    }
    EXPECT_GT(copies, kPartitions / 2u);
    response.clear();
    EXPECT_LE(open_descriptors() - before, kCache + 8);
    EXPECT_GT(m->open_file_cache().evictions(), 2u * kPartitions - kCache - 1);
    m->shutdown();
  }
  auto m = open(kCache);
  EXPECT_TRUE(m->recovered_cleanly());
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(m->partition("t", p)->log_end_offset(), 3);
  EXPECT_LE(open_descriptors() - before, kCache + 8);
}

// A log file closed by the cache with writes no fsync covered yet: a later wait for
// durability still syncs them (through a descriptor of the flusher's own).
TEST_F(BoundedFilesTest, WritesToAClosedFileAreSyncedWhenAsked) {
  auto m = open(1);
  std::string msg;
  ASSERT_EQ(m->create_topic("t", 2, {}, msg), ErrorCode::NONE) << msg;
  PartitionLog& first = *m->partition("t", 0);
  PartitionLog& second = *m->partition("t", 1);
  auto a = make_batch(2);
  ASSERT_EQ(first.append(a, {}).error, ErrorCode::NONE);
  EXPECT_TRUE(first.segments().begin()->second->log_file_open());
  auto b = make_batch(2);
  ASSERT_EQ(second.append(b, {}).error, ErrorCode::NONE);  // closes the first's file
  EXPECT_FALSE(first.segments().begin()->second->log_file_open());
  const uint64_t fsyncs = m->flusher().fsync_count();
  ErrorCode result = ErrorCode::UNKNOWN_SERVER_ERROR;
  first.when_flushed(1, [&](ErrorCode e) { result = e; });
  ASSERT_TRUE(loop_.run_until([&] { return first.flushed_offset() == 2; }));
  EXPECT_EQ(result, ErrorCode::NONE);
  EXPECT_GT(m->flusher().fsync_count(), fsyncs);
  EXPECT_FALSE(first.segments().begin()->second->log_file_open());
  // Appending again reopens it.
  auto c = make_batch(1);
  ASSERT_EQ(first.append(c, {}).error, ErrorCode::NONE);
  EXPECT_EQ(first.read(0, 1 << 20, true).bytes, a.size() + c.size());
}

}  // namespace
}  // namespace samsa::storage
