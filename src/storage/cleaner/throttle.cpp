#include "samsa/storage/cleaner/throttle.h"

namespace samsa::storage::cleaner {

void IoThrottle::account(uint64_t bytes, const std::atomic<bool>* cancelled) {
  if (stopped() || (cancelled && cancelled->load(std::memory_order_relaxed))) throw CleanAborted();
  if (max_bytes_per_second_ >= kUnlimited) return;
  std::unique_lock lock(mu_);
  window_bytes_ += bytes;
  const auto now = Clock::now();
  const auto elapsed = now - window_start_;
  if (elapsed < kCheckInterval) return;
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = double(window_bytes_) / seconds;
  if (rate > max_bytes_per_second_) {
    // As long as the window's bytes take at the allowed rate, less what already passed.
    const auto owed = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(double(window_bytes_) / max_bytes_per_second_ - seconds));
    const auto until = now + owed;
    wake_.wait_until(lock, until, [&] {
      return stopped() || (cancelled && cancelled->load(std::memory_order_relaxed));
    });
    slept_ += Clock::now() - now;
  }
  window_start_ = Clock::now();
  window_bytes_ = 0;
  if (stopped() || (cancelled && cancelled->load(std::memory_order_relaxed))) throw CleanAborted();
}

void IoThrottle::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_.store(true, std::memory_order_relaxed);
  }
  wake_.notify_all();
}

void IoThrottle::wake() {
  { std::lock_guard lock(mu_); }
  wake_.notify_all();
}

std::chrono::milliseconds IoThrottle::throttled() const {
  std::lock_guard lock(mu_);
  return std::chrono::duration_cast<std::chrono::milliseconds>(slept_);
}

}  // namespace samsa::storage::cleaner
