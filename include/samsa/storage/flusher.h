// The flusher threads: run fdatasync for the logs so the event loop never blocks on
// the disk, and post each completion back to the loop. Threads start when jobs wait
// and none is idle, up to the limit. Several threads, because
// fsyncs of different partitions then overlap (and share journal commits) instead of
// queueing behind each other; a partition has at most two flushes in flight, and its
// PartitionLog applies their completions in the order they started.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "samsa/util/file_slice.h"

namespace samsa::metrics {
class LogFlushMetrics;
}

namespace samsa::storage {

// Runs a function on the event loop thread (e.g. wraps asio::post). Must be callable
// from any thread.
using PostToLoop = std::function<void(std::function<void()>)>;

// A file to fsync: an open descriptor, or a path opened just for the sync (on the
// flusher's thread). fsync through any descriptor of a file flushes what every other
// one wrote, so logs need not stay open until they are synced and the open-file
// limit bounds only what the OpenFileCache keeps. A path that no longer exists (a
// segment deleted meanwhile) has nothing to sync.
struct SyncTarget {
  SyncTarget(std::shared_ptr<const FileHandle> f) : file(std::move(f)) {}  // NOLINT: implicit
  static SyncTarget at(std::string path) {
    SyncTarget t(nullptr);
    t.path = std::move(path);
    return t;
  }
  std::shared_ptr<const FileHandle> file;
  std::string path;
};

// fdatasync of one target: 0 or errno.
int sync_target(const SyncTarget& target);

class Flusher {
 public:
  // `done(errno_or_0)` runs on the loop via `post`.
  using Done = std::function<void(int error)>;

  static constexpr unsigned kDefaultThreads = 4;
  // `metrics` (optional, must outlive the flusher) learns each job's duration, from the
  // flusher's threads, and the logs report their group commits to it.
  explicit Flusher(PostToLoop post, unsigned threads = kDefaultThreads,
                   metrics::LogFlushMetrics* metrics = nullptr);
  ~Flusher();  // stop()
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues fdatasync of every file (in order), then `done` with the first error.
  // After stop() the job runs synchronously on the caller's thread.
  void submit(std::vector<SyncTarget> files, Done done);

  // Runs `fn` on the loop (through the poster given at construction).
  void post(std::function<void()> fn) { post_(std::move(fn)); }

  // Finishes queued jobs and joins the threads. Idempotent.
  void stop();

  size_t thread_count();  // started so far
  uint64_t fsync_count() const { return fsyncs_.load(std::memory_order_relaxed); }
  uint64_t job_count() const { return jobs_done_.load(std::memory_order_relaxed); }
  metrics::LogFlushMetrics* metrics() const { return metrics_; }

 private:
  struct Job {
    std::vector<SyncTarget> files;
    Done done;
  };
  void run();
  int sync_files(const Job& job);

  PostToLoop post_;
  const unsigned max_threads_;
  metrics::LogFlushMetrics* const metrics_;
  std::mutex mu_;
  size_t idle_ = 0;  // threads waiting for a job
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> jobs_done_{0};
  std::vector<std::thread> threads_;
};

}  // namespace samsa::storage
