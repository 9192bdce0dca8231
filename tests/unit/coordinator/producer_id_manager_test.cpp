#include "samsa/coordinator/producer_id_manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>

namespace samsa::coordinator {
namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("samsa-pid-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ProducerIdManager, FreshDirectoryStartsAtZeroAndCountsUp) {
  TempDir dir;
  ProducerIdManager ids(dir.path(), 10);
  EXPECT_EQ(ids.next_id(), 0);
  EXPECT_EQ(ids.next_id(), 1);
  EXPECT_EQ(ids.reserved_until(), 10);
  EXPECT_EQ(read_file(dir.path() / ProducerIdManager::kFileName), "samsa-producer-ids 1 10\n");
}

TEST(ProducerIdManager, ReservesTheNextBlockWhenOneIsUsedUp) {
  TempDir dir;
  ProducerIdManager ids(dir.path(), 3);
  for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(ids.next_id(), i);
  EXPECT_EQ(ids.reserved_until(), 9);
  EXPECT_EQ(read_file(dir.path() / ProducerIdManager::kFileName), "samsa-producer-ids 1 9\n");
}

TEST(ProducerIdManager, RestartNeverReusesAnId) {
  TempDir dir;
  std::set<int64_t> seen;
  for (int run = 0; run < 4; ++run) {
    // Each run stops mid-block, as a crash would.
    ProducerIdManager ids(dir.path(), 5);
    for (int i = 0; i < 3; ++i) {
      auto id = ids.next_id();
      ASSERT_TRUE(id.has_value());
      EXPECT_TRUE(seen.insert(*id).second) << "id " << *id << " handed out twice";
    }
  }
  // The unused rest of each block is skipped: run k starts at 5k.
  EXPECT_EQ(*seen.rbegin(), 17);
}

TEST(ProducerIdManager, EnsureAboveSkipsPastIdsInUse) {
  TempDir dir;
  {
    ProducerIdManager ids(dir.path(), 100);
    EXPECT_EQ(ids.next_id(), 0);
    EXPECT_TRUE(ids.ensure_above(41));  // inside the reserved block
    EXPECT_EQ(ids.next_id(), 42);
    EXPECT_TRUE(ids.ensure_above(5000));  // beyond it: persisted
    EXPECT_EQ(ids.next_id(), 5001);
    EXPECT_TRUE(ids.ensure_above(3));  // already above: no change
    EXPECT_EQ(ids.next_id(), 5002);
  }
  ProducerIdManager again(dir.path(), 100);
  EXPECT_EQ(again.next_id(), 5101);
}

TEST(ProducerIdManager, CorruptStateRefusesToStart) {
  TempDir dir;
  std::ofstream(dir.path() / ProducerIdManager::kFileName) << "samsa-producer-ids 1 12x\n";
  EXPECT_THROW(ProducerIdManager(dir.path()), std::runtime_error);
  std::ofstream(dir.path() / ProducerIdManager::kFileName) << "something else\n";
  EXPECT_THROW(ProducerIdManager(dir.path()), std::runtime_error);
}

TEST(ProducerIdManager, LeftoverTempFileIsIgnored) {
  TempDir dir;
  std::ofstream(dir.path() / ProducerIdManager::kFileName) << "samsa-producer-ids 1 2000\n";
  const auto tmp = dir.path() / (std::string(ProducerIdManager::kFileName) + ".tmp");
  std::ofstream(tmp) << "samsa-producer-ids 1 0\n";
  ProducerIdManager ids(dir.path());
  EXPECT_EQ(ids.next_id(), 2000);
  EXPECT_FALSE(std::filesystem::exists(tmp));
}

TEST(ProducerIdManager, UnwritableDirectoryGivesNoIdUntilItRecovers) {
  TempDir dir;
  // A regular file where the directory should be: every write fails (even as root).
  const auto blocker = dir.path() / "blocker";
  std::ofstream(blocker) << "x";
  ProducerIdManager ids(blocker / "logs", 10);
  EXPECT_EQ(ids.next_id(), std::nullopt);
  std::filesystem::remove(blocker);
  EXPECT_EQ(ids.next_id(), 0);
  EXPECT_TRUE(std::filesystem::exists(blocker / "logs" / ProducerIdManager::kFileName));
}

}  // namespace
}  // namespace samsa::coordinator
