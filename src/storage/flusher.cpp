#include "samsa/storage/flusher.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace samsa::storage {

Flusher::Flusher(PostToLoop post, unsigned threads) : post_(std::move(post)) {
  threads_.reserve(std::max(threads, 1u));
  for (unsigned i = 0; i < std::max(threads, 1u); ++i) threads_.emplace_back([this] { run(); });
}

Flusher::~Flusher() {
  stop();
}

void Flusher::submit(std::vector<std::shared_ptr<const FileHandle>> files, Done done) {
  Job job{std::move(files), std::move(done)};
  {
    std::lock_guard lock(mu_);
    if (!stopped_) {
      queue_.push_back(std::move(job));
      cv_.notify_one();
      return;
    }
  }
  // Shutting down: there is no thread any more, sync here so durability still holds.
  const int err = sync_files(job);
  if (job.done) job.done(err);
}

void Flusher::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
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
  int first_error = 0;
  for (const auto& f : job.files) {
    if (!f) continue;
    fsyncs_.fetch_add(1, std::memory_order_relaxed);
    if (::fdatasync(f->fd()) != 0 && first_error == 0) first_error = errno;
  }
  jobs_done_.fetch_add(1, std::memory_order_relaxed);
  return first_error;
}

void Flusher::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
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
