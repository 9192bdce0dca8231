#include "samsa/storage/open_file_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace samsa::storage {
namespace {

// Stands in for a segment: records when the cache closes it.
class FakeFile : public OpenFileCache::Entry {
 public:
  FakeFile(OpenFileCache& cache, std::string name, std::vector<std::string>& closed)
      : name_(std::move(name)), closed_(closed) {
    cache_ = &cache;
  }
  void open() { cache_->touch(*this); }
  void close() { cache_->forget(*this); }

 private:
  void close_for_cache() override { closed_.push_back(name_); }
  std::string name_;
  std::vector<std::string>& closed_;
};

TEST(OpenFileCache, ClosesTheLeastRecentlyUsedBeyondItsCapacity) {
  OpenFileCache cache(2);
  std::vector<std::string> closed;
  FakeFile a(cache, "a", closed), b(cache, "b", closed), c(cache, "c", closed);
  a.open();
  b.open();
  EXPECT_EQ(cache.open_files(), 2u);
  a.open();  // a is now newer than b
  c.open();
  EXPECT_EQ(closed, std::vector<std::string>{"b"});
  EXPECT_EQ(cache.open_files(), 2u);
  b.open();  // reopened: a is the oldest now
  EXPECT_EQ(closed, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(cache.evictions(), 2u);
}

TEST(OpenFileCache, TouchingTheNewestAgainChangesNothing) {
  OpenFileCache cache(1);
  std::vector<std::string> closed;
  FakeFile a(cache, "a", closed);
  for (int i = 0; i < 3; ++i) a.open();
  EXPECT_EQ(cache.open_files(), 1u);
  EXPECT_TRUE(closed.empty());
}

TEST(OpenFileCache, ForgottenAndDestroyedEntriesLeaveTheList) {
  OpenFileCache cache(2);
  std::vector<std::string> closed;
  FakeFile a(cache, "a", closed);
  {
    FakeFile gone(cache, "gone", closed);
    gone.open();
    a.open();
    EXPECT_EQ(cache.open_files(), 2u);
  }
  EXPECT_EQ(cache.open_files(), 1u);
  a.close();
  a.close();  // twice is harmless
  EXPECT_EQ(cache.open_files(), 0u);
  FakeFile b(cache, "b", closed), c(cache, "c", closed);
  b.open();
  c.open();
  a.open();
  EXPECT_EQ(closed, std::vector<std::string>{"b"});
}

TEST(OpenFileCache, CapacityFollowsTheOpenFileLimit) {
  EXPECT_EQ(open_file_capacity_for_limit(1024), 512u);
  EXPECT_EQ(open_file_capacity_for_limit(10), 16u);
  EXPECT_EQ(OpenFileCache(0).capacity(), 1u);
}

}  // namespace
}  // namespace samsa::storage
