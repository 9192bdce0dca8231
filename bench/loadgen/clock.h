// The one clock every load run uses: steady, in nanoseconds, so latencies and
// measurement windows are plain integer arithmetic.
#pragma once

#include <chrono>
#include <cstdint>

namespace samsa::bench {

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace samsa::bench
