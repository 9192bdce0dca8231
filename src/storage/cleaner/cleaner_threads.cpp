#include "samsa/storage/cleaner/cleaner_threads.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace samsa::storage::cleaner {

CleanerThreads::CleanerThreads(int threads, double io_max_bytes_per_second, Post post)
    : post_(std::move(post)), throttle_(io_max_bytes_per_second) {
  const size_t n = static_cast<size_t>(std::max(threads, 1));
  running_.resize(n);
  threads_.reserve(n);
  for (size_t i = 0; i < n; ++i) threads_.emplace_back([this, i] { run(i); });
}

CleanerThreads::~CleanerThreads() {
  stop();
}

uint64_t CleanerThreads::submit(std::shared_ptr<const CleanPlan> plan, Done done) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_id_++;
  queue_.push_back(
      {id, std::move(plan), std::move(done), std::make_shared<std::atomic<bool>>(false)});
  work_.notify_one();
  return id;
}

void CleanerThreads::cancel(uint64_t id) {
  std::unique_lock lock(mu_);
  if (std::erase_if(queue_, [id](const Job& j) { return j.id == id; }) > 0) return;
  auto is_running = [&] {
    return std::any_of(running_.begin(), running_.end(), [id](const Job& j) { return j.id == id; });
  };
  for (const Job& j : running_) {
    if (j.id == id) j.cancelled->store(true, std::memory_order_relaxed);
  }
  if (!is_running()) return;
  lock.unlock();
  throttle_.wake();
  lock.lock();
  finished_.wait(lock, [&] { return !is_running(); });
}

int CleanerThreads::idle() const {
  std::lock_guard lock(mu_);
  int busy = static_cast<int>(queue_.size());
  for (const Job& j : running_) busy += j.id != 0;
  return std::max(0, static_cast<int>(running_.size()) - busy);
}

void CleanerThreads::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
  }
  throttle_.stop();
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void CleanerThreads::run(size_t index) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_[index] = {job.id, nullptr, nullptr, job.cancelled};
    }
    CleanOutcome outcome;
    try {
      outcome = run_clean(*job.plan, CleanControl{&throttle_, job.cancelled.get()});
    } catch (const std::exception& e) {  // e.g. bad_alloc of the key map
      spdlog::error("{}: clean failed: {}", job.plan->dir, e.what());
      outcome.error = ErrorCode::KAFKA_STORAGE_ERROR;
    }
    const bool cancelled = job.cancelled->load(std::memory_order_relaxed) || outcome.aborted;
    {
      std::lock_guard lock(mu_);
      running_[index] = {};
    }
    finished_.notify_all();
    if (!cancelled) {
      post_([done = std::move(job.done), outcome = std::move(outcome)]() mutable {
        done(std::move(outcome));
      });
    }
  }
}

}  // namespace samsa::storage::cleaner
