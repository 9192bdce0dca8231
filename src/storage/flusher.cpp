#include "samsa/storage/flusher.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "samsa/metrics/broker_metrics.h"

namespace samsa::storage {

int sync_target(const SyncTarget& target) {
  if (target.file) return ::fdatasync(target.file->fd()) == 0 ? 0 : errno;
  if (target.path.empty()) return 0;
  const int fd = ::open(target.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  const int err = ::fdatasync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

Flusher::Flusher(PostToLoop post, unsigned threads, metrics::LogFlushMetrics* metrics)
    : post_(std::move(post)), max_threads_(std::max(threads, 1u)), metrics_(metrics) {
  threads_.reserve(max_threads_);
}

Flusher::~Flusher() {
  stop();
}

void Flusher::submit(std::vector<SyncTarget> files, Done done) {
  Job job{std::move(files), std::move(done)};
  {
    std::lock_guard lock(mu_);
    if (!stopped_) {
      queue_.push_back(std::move(job));
      // Threads start on demand: an idle broker keeps none, a busy one up to the limit.
      if (idle_ < queue_.size() && threads_.size() < max_threads_) {
        threads_.emplace_back([this] { run(); });
      } else {
        cv_.notify_one();
      }
      return;
    }
  }
  // Shutting down: there is no thread any more, sync here so durability still holds.
  const int err = sync_files(job);
  if (job.done) job.done(err);
}

size_t Flusher::thread_count() {
  std::lock_guard lock(mu_);
  return threads_.size();
}

void Flusher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  // No submit() runs concurrently with stop() (both belong to the loop thread), so
  // threads_ does not change under this loop.
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  std::deque<Job> late;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    late.swap(queue_);  // submitted between the thread's exit and now
  }
  for (Job& job : late) {
    const int err = sync_files(job);
    if (job.done) post_([done = std::move(job.done), err] { done(err); });
  }
}

int Flusher::sync_files(const Job& job) {
  const auto started = std::chrono::steady_clock::now();
  int first_error = 0;
  size_t synced = 0;
  for (const SyncTarget& target : job.files) {
    if (!target.file && target.path.empty()) continue;
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    ++synced;
    const int err = sync_target(target);
    if (err != 0 && first_error == 0) first_error = err;
  }
  if (metrics_ != nullptr) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    metrics_->fsynced(took.count(), synced);
  }
  jobs_done_.fetch_add(1, std::memory_order_relaxed);
  return first_error;
}

void Flusher::run() {
  std::unique_lock lock(mu_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping and drained
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const int err = sync_files(job);
    if (job.done) post_([done = std::move(job.done), err] { done(err); });
    lock.lock();
  }
}

}  // namespace samsa::storage
