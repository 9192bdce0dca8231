#include "samsa/storage/cleaner/cleanable.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "samsa/storage/partition_log.h"
#include "samsa/util/durable_file.h"

namespace samsa::storage::cleaner {

CleanableRange cleanable_range(PartitionLog& log, int64_t checkpoint, int64_t now_ms) {
  CleanableRange r;
  const LogConfig& config = log.config();
  const auto& segments = log.segments();
  const int64_t active_base = segments.rbegin()->first;
  r.first_dirty_offset = checkpoint;
  if (checkpoint < log.log_start_offset() || checkpoint > log.log_end_offset()) {
    if (checkpoint > log.log_end_offset()) {
      spdlog::warn(
          "{}: the cleaner's checkpoint {} is past the log end {}: cleaning from the start",
          log.dir(), checkpoint, log.log_end_offset());
    }
    r.first_dirty_offset = log.log_start_offset();
  }
  r.first_uncleanable_offset = std::min(active_base, log.last_stable_offset());
  // The sealed segments from the one holding the first dirty offset.
  auto first_dirty = std::prev(segments.upper_bound(r.first_dirty_offset));
  if (config.min_compaction_lag_ms > 0) {
    for (auto it = first_dirty; it != segments.end() && it->first < active_base; ++it) {
      if (it->second->max_timestamp() > now_ms - config.min_compaction_lag_ms) {
        r.first_uncleanable_offset = std::min(r.first_uncleanable_offset, it->first);
        break;
      }
    }
  }
  r.first_uncleanable_offset = std::max(r.first_uncleanable_offset, r.first_dirty_offset);
  if (config.max_compaction_lag_ms != LogConfig::kNoLimit) {
    const int64_t clean_until = now_ms - config.max_compaction_lag_ms;
    for (auto it = first_dirty; it != segments.end() && it->first < active_base; ++it) {
      Segment& seg = *it->second;
      if (seg.empty()) continue;
      // The first batch's timestamp, as Kafka's getFirstBatchTimestampForSegments.
      BatchScanner scanner(seg.log_file(false), 0, seg.size());
      BatchHeader h;
      uint64_t pos;
      if (scanner.next(h, pos) && h.max_timestamp >= 0 && h.max_timestamp < clean_until) {
        r.max_lag_exceeded = true;
        break;
      }
    }
  }
  for (const auto& [base, seg] : segments) {
    if (base < r.first_dirty_offset) r.clean_bytes += seg->size();
  }
  for (auto it = first_dirty; it != segments.end() && it->first < r.first_uncleanable_offset; ++it)
    r.dirty_bytes += it->second->size();
  const uint64_t total = r.clean_bytes + r.dirty_bytes;
  r.dirty_ratio = total ? double(r.dirty_bytes) / double(total) : 0;
  return r;
}

Checkpoints read_checkpoints(const std::string& path) {
  Checkpoints out;
  std::ifstream in(path);
  if (!in) return out;
  auto fail = [&](const std::string& why) {
    spdlog::warn("{}: {}: ignored, compacted logs are cleaned again from their start", path, why);
    return Checkpoints{};
  };
  std::string line;
  if (!std::getline(in, line) || line != "0") return fail("unknown version");
  size_t count = 0;
  if (!std::getline(in, line)) return fail("no entry count");
  try {
    count = std::stoul(line);
  } catch (const std::exception&) {
    return fail("bad entry count");
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::getline(in, line)) return fail("fewer entries than counted");
    std::istringstream fields(line);
    std::string topic;
    int32_t partition;
    int64_t offset;
    if (!(fields >> topic >> partition >> offset)) return fail("bad entry: " + line);
    out[{topic, partition}] = offset;
  }
  return out;
}

void write_checkpoints(const std::string& path, const Checkpoints& checkpoints) {
  std::string text = fmt::format("0\n{}\n", checkpoints.size());
  for (const auto& [key, offset] : checkpoints)
    text += fmt::format("{} {} {}\n", key.first, key.second, offset);
  write_file_durably(path, text);
}

}  // namespace samsa::storage::cleaner
