// Which part of a compacted log a clean may touch, and whether it is due (Kafka's
// LogCleanerManager.cleanableOffsets and its dirty ratio):
// - the dirty part starts at the cleaner's checkpoint for the log (the log start when
//   there is none, or when it lies outside the log);
// - it ends at the first uncleanable offset: the active segment's base, the last stable
//   offset, and, with min.compaction.lag.ms, the base of the first segment holding a
//   record younger than the lag, whichever is lowest;
// - the dirty ratio is dirty bytes / (clean + dirty bytes), counted in whole segments
//   (the segment holding the checkpoint counts as both, as in Kafka); the log is due
//   when it is above min.cleanable.dirty.ratio, or when a dirty segment's first batch
//   is older than max.compaction.lag.ms (then it is cleaned whatever its ratio).
// Also the cleaner's checkpoint file, `cleaner-offset-checkpoint` in the log directory,
// in Kafka's format: a version line (0), a count line, then `topic partition offset`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "samsa/storage/log_config.h"

namespace samsa::storage {
class PartitionLog;
}

namespace samsa::storage::cleaner {

struct CleanableRange {
  int64_t first_dirty_offset = 0;
  int64_t first_uncleanable_offset = 0;
  uint64_t clean_bytes = 0;
  uint64_t dirty_bytes = 0;
  double dirty_ratio = 0;
  bool max_lag_exceeded = false;

  // Due for a clean under `config`.
  bool due(const LogConfig& config) const {
    return dirty_bytes > 0 && (max_lag_exceeded || dirty_ratio > config.min_cleanable_dirty_ratio);
  }
};

// `checkpoint`: the log's first dirty offset from the checkpoint file, or -1.
CleanableRange cleanable_range(PartitionLog& log, int64_t checkpoint, int64_t now_ms);

inline constexpr const char* kCheckpointFile = "cleaner-offset-checkpoint";

using Checkpoints = std::map<std::pair<std::string, int32_t>, int64_t>;

// The entries of a checkpoint file; none when it is missing. A file that cannot be
// parsed is reported (logged) and ignored: cleaning again from the log start is
// always correct.
Checkpoints read_checkpoints(const std::string& path);
// Replaces the file durably. Throws std::system_error.
void write_checkpoints(const std::string& path, const Checkpoints& checkpoints);

}  // namespace samsa::storage::cleaner
