#include "samsa/storage/cleaner/throttle.h"

#include <algorithm>

namespace samsa::storage::cleaner {

void IoThrottle::refill(Clock::time_point now) {
  const double seconds = std::chrono::duration<double>(now - refilled_).count();
  refilled_ = now;
  tokens_ =
      std::min(max_bytes_per_second_ * kBurstSeconds, tokens_ + seconds * max_bytes_per_second_);
}

void IoThrottle::account(uint64_t bytes, const std::atomic<bool>* cancelled) {
  if (cancelled_or_stopped(cancelled)) throw CleanAborted();
  if (max_bytes_per_second_ >= kUnlimited) return;
  std::unique_lock lock(mu_);
  const auto now = Clock::now();
  refill(now);
  tokens_ -= double(bytes);
  if (tokens_ < 0) {
    const auto until = now + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(-tokens_ / max_bytes_per_second_));
    wake_.wait_until(lock, until, [&] { return cancelled_or_stopped(cancelled); });
    const auto woke = Clock::now();
    slept_ += woke - now;
    refill(woke);
  }
  if (cancelled_or_stopped(cancelled)) throw CleanAborted();
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
