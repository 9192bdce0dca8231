// What paces and stops the cleaner threads' disk work: the I/O bound shared by every
// cleaner thread (log.cleaner.io.max.bytes.per.second), a token bucket that holds up to
// 300 ms of the rate (Kafka's Throttler checks over 300 ms windows), so a thread sleeps
// off each excess as soon as it has it; and the stop flags of shutdown and of one clean
// (its topic was deleted). Both are checked after each batch the cleaner reads or
// writes, so a stop takes effect within one batch, sleeping or not.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace samsa::storage::cleaner {

// Thrown out of a clean that was stopped; what it wrote is removed by the writer.
struct CleanAborted : std::runtime_error {
  CleanAborted() : std::runtime_error("the clean was aborted") {}
};

class IoThrottle {
 public:
  static constexpr double kUnlimited = std::numeric_limits<double>::max();

  explicit IoThrottle(double max_bytes_per_second = kUnlimited)
      : max_bytes_per_second_(max_bytes_per_second),
        tokens_(max_bytes_per_second * kBurstSeconds) {}
  IoThrottle(const IoThrottle&) = delete;
  IoThrottle& operator=(const IoThrottle&) = delete;

  // After `bytes` were read or written: sleeps while the shared rate is over the bound.
  // Throws CleanAborted when stop() was called or `*cancelled` is set.
  void account(uint64_t bytes, const std::atomic<bool>* cancelled = nullptr);
  // Wakes every sleeper; every later account() throws.
  void stop();
  // Wakes the sleepers so they look at their `cancelled` flags again.
  void wake();
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  double max_bytes_per_second() const { return max_bytes_per_second_; }
  // Total time spent sleeping, for the cleaner's log line.
  std::chrono::milliseconds throttled() const;

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr double kBurstSeconds = 0.3;

  bool cancelled_or_stopped(const std::atomic<bool>* cancelled) const {
    return stopped() || (cancelled && cancelled->load(std::memory_order_relaxed));
  }
  void refill(Clock::time_point now);

  const double max_bytes_per_second_;
  std::atomic<bool> stopped_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  double tokens_;  // bytes that may pass now; negative: owed
  Clock::time_point refilled_ = Clock::now();
  Clock::duration slept_{};
};

// What one clean reports its I/O to: the shared throttle (none: unbounded) and the
// clean's own stop flag.
struct CleanControl {
  IoThrottle* throttle = nullptr;
  const std::atomic<bool>* cancelled = nullptr;

  void account(uint64_t bytes) const {
    if (throttle) {
      throttle->account(bytes, cancelled);
    } else if (cancelled && cancelled->load(std::memory_order_relaxed)) {
      throw CleanAborted();
    }
  }
};

}  // namespace samsa::storage::cleaner
