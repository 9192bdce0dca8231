// The process's own resources as Prometheus clients name them (process_cpu_seconds_total,
// process_resident_memory_bytes, ...), read from /proc at scrape time.
#pragma once

#include <cstdint>
#include <optional>

#include "samsa/metrics/text_format.h"

namespace samsa::metrics {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  uint64_t virtual_memory_bytes = 0;
  uint64_t resident_memory_bytes = 0;
  int64_t threads = 0;
  double start_time_seconds = 0;  // since the epoch
  int64_t open_fds = -1;          // -1: unknown
  int64_t max_fds = -1;           // the soft limit; -1: unlimited or unknown
};

// From /proc/self/stat, /proc/stat (boot time), /proc/self/fd and getrlimit; nullopt
// where /proc cannot be read (not Linux).
std::optional<ProcessStats> read_process_stats();

// The process_* families (the Prometheus client libraries' names).
void write_process_metrics(TextWriter& writer, const ProcessStats& stats);

}  // namespace samsa::metrics
