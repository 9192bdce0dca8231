// The process's open-file limit (RLIMIT_NOFILE), which caps connections and partitions.
#pragma once

#include <cstdint>

namespace samsa {

struct FdLimit {
  uint64_t before = 0;  // soft limit found at start
  uint64_t soft = 0;    // soft limit now
  uint64_t hard = 0;
};

// Raises the soft limit to the hard one, as Go's runtime and the JVM do: the common
// default soft limit of 1,024 is far below what a broker with many partitions needs,
// while the hard limit is usually much higher. Never lowers anything.
FdLimit raise_fd_limit();

}  // namespace samsa
