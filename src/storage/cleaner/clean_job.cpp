#include "samsa/storage/cleaner/clean_job.h"

#include <span>

#include <spdlog/spdlog.h>

#include "samsa/storage/cleaner/offset_map.h"

namespace samsa::storage::cleaner {

CleanOutcome run_clean(const CleanPlan& plan, const CleanControl& control) {
  CleanOutcome out;
  const auto started = std::chrono::steady_clock::now();
  auto finish = [&] {
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return out;
  };
  auto fail = [&](bool aborted) {
    for (const CleanedGroup& g : out.groups) discard_cleaned(plan.dir, g.segment.base_offset);
    out.groups.clear();
    out.aborted = aborted;
    out.error = ErrorCode::KAFKA_STORAGE_ERROR;
    return finish();
  };
  // Allocated for this clean only (an idle broker does not hold the dedupe buffer), and
  // no larger than the dirty range's offsets can fill: a log of a few thousand records
  // gets a map of a few hundred KB, not the whole budget.
  const double most_keys = double(plan.clean_end - plan.first_dirty_offset) + 1;
  const double needed = (most_keys / plan.load_factor + 2) * double(OffsetMap::kEntryBytes);
  OffsetMap map(needed < double(plan.dedupe_buffer_bytes) ? static_cast<size_t>(needed)
                                                          : plan.dedupe_buffer_bytes,
                plan.load_factor);
  try {
    out.covered = build_offset_map(plan.sources, plan.first_dirty_offset, plan.clean_end,
                                   plan.aborted_txns, map, out.stats, control);
  } catch (const CleanAborted&) {
    return fail(true);
  } catch (const std::exception& e) {
    spdlog::error("{}: clean: cannot build the key map: {}", plan.dir, e.what());
    return fail(false);
  }
  out.map_keys = map.size();
  out.map_utilization = map.utilization();
  if (out.covered <= plan.first_dirty_offset) {
    spdlog::warn("{}: clean: the dedupe buffer ({} bytes) holds no key: nothing cleaned", plan.dir,
                 plan.dedupe_buffer_bytes);
    return finish();
  }
  // Segments past what the map covers are left for the next clean.
  size_t count = plan.sources.size();
  while (count > 0 && plan.sources[count - 1].base_offset >= out.covered) --count;

  CleaningContext ctx;
  ctx.now_ms = plan.now_ms;
  ctx.delete_retention_ms = plan.delete_retention_ms;
  ctx.map = &map;
  // One tracker for every group, in order: a marker's fate depends on all before it.
  TxnTracker txns(plan.aborted_txns);
  ctx.txns = &txns;
  ctx.last_batch_of_producer = &plan.last_batch_of_producer;
  ctx.marker_epoch_of_producer = &plan.marker_epoch_of_producer;
  ctx.control = control;
  // Groups of consecutive segments whose result fits one segment, as Kafka's
  // groupSegmentsBySize: log and offset index sizes, and offsets relative to the base.
  size_t i = 0;
  while (i < count) {
    size_t j = i;
    uint64_t bytes = 0, index_bytes = 0;
    while (j < count) {
      const bool first = j == i;
      if (!first && (bytes + plan.sources[j].size > plan.segment_bytes ||
                     index_bytes + plan.index_bytes[j] > plan.segment_index_bytes ||
                     plan.next_offsets[j] - 1 - plan.sources[i].base_offset > INT32_MAX))
        break;
      bytes += plan.sources[j].size;
      index_bytes += plan.index_bytes[j];
      ++j;
    }
    const std::span<const SourceSegment> group(plan.sources.data() + i, j - i);
    CleanedGroup g;
    for (const SourceSegment& s : group) g.bases.push_back(s.base_offset);
    try {
      g.segment = write_cleaned_segment(plan.dir, group, ctx, plan.index_interval_bytes, out.stats);
    } catch (const CleanAborted&) {
      return fail(true);
    } catch (const std::exception& e) {
      spdlog::error("{}: clean of segments [{}, {}] failed: {}", plan.dir, g.bases.front(),
                    g.bases.back(), e.what());
      return fail(false);
    }
    out.groups.push_back(std::move(g));
    i = j;
  }
  return finish();
}

}  // namespace samsa::storage::cleaner
