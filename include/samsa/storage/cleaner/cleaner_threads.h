// The cleaner threads (log.cleaner.threads): each takes one clean at a time off a queue,
// does its disk work (run_clean) and hands the outcome back to the loop thread through
// `post`. They share one IoThrottle (log.cleaner.io.max.bytes.per.second). Which log to
// clean and what to do with the outcome is the LogManager's business, on the loop thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "samsa/storage/cleaner/clean_job.h"
#include "samsa/storage/cleaner/throttle.h"

namespace samsa::storage::cleaner {

class CleanerThreads {
 public:
  using Post = std::function<void(std::function<void()>)>;
  // Runs on the loop thread, unless the job was cancelled first.
  using Done = std::function<void(CleanOutcome)>;

  CleanerThreads(int threads, double io_max_bytes_per_second, Post post);
  ~CleanerThreads();  // stop()
  CleanerThreads(const CleanerThreads&) = delete;
  CleanerThreads& operator=(const CleanerThreads&) = delete;

  // Queues a clean; returns its id.
  uint64_t submit(std::shared_ptr<const CleanPlan> plan, Done done);
  // Stops a clean. When this returns, no thread touches its files any more (what it wrote
  // is removed), and its `done` is not called unless the loop already has it queued.
  void cancel(uint64_t id);
  // Threads not busy with or waiting for a clean.
  int idle() const;
  int threads() const { return static_cast<int>(threads_.size()); }
  // Aborts every clean and joins the threads. Idempotent.
  void stop();

 private:
  struct Job {
    uint64_t id = 0;
    std::shared_ptr<const CleanPlan> plan;
    Done done;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };
  void run(size_t index);

  Post post_;
  IoThrottle throttle_;
  mutable std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable finished_;  // a thread let go of its job
  std::deque<Job> queue_;
  std::vector<Job> running_;  // per thread; id 0 when idle
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace samsa::storage::cleaner
