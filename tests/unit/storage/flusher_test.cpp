// The flusher: fsyncs off the loop, completions posted back, threads started on demand.
#include "samsa/storage/flusher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "storage_test_util.h"

namespace samsa::storage {
namespace {

std::shared_ptr<const FileHandle> open_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  EXPECT_GE(fd, 0);
  return std::make_shared<const FileHandle>(fd);
}

TEST(Flusher, StartsThreadsOnlyWhenJobsWait) {
  testing::TempDir dir;
  testing::TestLoop loop;
  Flusher flusher(loop.poster(), 3);
  EXPECT_EQ(flusher.thread_count(), 0u);  // an idle broker keeps no flusher thread

  const auto file = open_file(dir.sub("a"));
  int done = 0;
  flusher.submit({file}, [&](int err) {
    EXPECT_EQ(err, 0);
    ++done;
  });
  ASSERT_TRUE(loop.run_until([&] { return done == 1; }));
  EXPECT_EQ(flusher.thread_count(), 1u);

  // A burst of jobs never needs more threads than the limit.
  for (int i = 0; i < 50; ++i) flusher.submit({file}, [&](int err) { done += err == 0; });
  ASSERT_TRUE(loop.run_until([&] { return done == 51; }));
  EXPECT_GE(flusher.thread_count(), 1u);
  EXPECT_LE(flusher.thread_count(), 3u);
  EXPECT_EQ(flusher.job_count(), 51u);
}

TEST(Flusher, JobsSubmittedAfterStopRunSynchronously) {
  testing::TempDir dir;
  testing::TestLoop loop;
  Flusher flusher(loop.poster(), 2);
  flusher.stop();
  int result = -1;
  flusher.submit({open_file(dir.sub("b"))}, [&](int err) { result = err; });
  EXPECT_EQ(result, 0);
  EXPECT_EQ(flusher.thread_count(), 0u);
}

// A burst from many partitions (jobs taken together behind one syncfs): every job
// completes once, without error.
TEST(Flusher, ABurstOfJobsCompletesEachOnce) {
  testing::TempDir dir;
  testing::TestLoop loop;
  Flusher flusher(loop.poster(), 2);
  std::vector<int> done(200, 0);
  size_t completions = 0;
  for (size_t i = 0; i < done.size(); ++i) {
    const std::string path = dir.sub("f" + std::to_string(i));
    open_file(path);
    flusher.submit({SyncTarget::at(path)}, [&done, &completions, i](int err) {
      done[i] += err == 0 ? 1 : 100;
      ++completions;
    });
  }
  // Wait on the completions themselves: job_count() rises on the flusher thread just
  // before the completion is posted, so it may lead what the loop has run.
  ASSERT_TRUE(loop.run_until([&] { return completions == done.size(); }));
  loop.drain();
  EXPECT_EQ(flusher.job_count(), done.size());
  for (int d : done) EXPECT_EQ(d, 1);
  EXPECT_EQ(flusher.fsync_count(), done.size());
}

// A path is opened just for the sync; a file deleted meanwhile has nothing to sync.
TEST(Flusher, PathsAreOpenedForTheSync) {
  testing::TempDir dir;
  testing::TestLoop loop;
  Flusher flusher(loop.poster(), 1);
  open_file(dir.sub("present"));
  int result = -1;
  flusher.submit({SyncTarget::at(dir.sub("present")), SyncTarget::at(dir.sub("gone")),
                  SyncTarget::at(dir.str())},
                 [&](int err) { result = err; });
  ASSERT_TRUE(loop.run_until([&] { return result != -1; }));
  EXPECT_EQ(result, 0);
  EXPECT_EQ(flusher.fsync_count(), 3u);
  EXPECT_EQ(sync_target(SyncTarget::at(dir.sub("gone"))), 0);
}

}  // namespace
}  // namespace samsa::storage
