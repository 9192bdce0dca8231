// One clean of one log, in the three parts that let its disk work leave the loop thread:
//   1. PartitionLog::plan_clean (loop thread) takes what the clean needs from the log:
//      the sealed source segments (their file handles, sizes and transaction indexes),
//      the aborted transactions and each producer's last batch (or last marker);
//   2. run_clean (a cleaner thread, or the caller's) builds the key map and writes each
//      group's `.cleaned` segment; it touches nothing but files, and the sources are
//      sealed, so nothing the loop does meanwhile changes what it reads;
//   3. PartitionLog::finish_clean (loop thread) swaps each group in (segment_cleaner.h's
//      steps 2 to 4) if its source segments are all still there; a group whose sources
//      were deleted meanwhile (retention, DeleteRecords) is dropped with its files.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/cleaner/record_filter.h"
#include "samsa/storage/cleaner/segment_cleaner.h"
#include "samsa/storage/cleaner/throttle.h"

namespace samsa::storage::cleaner {

struct CleanPlan {
  std::string dir;
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 86400000;
  size_t dedupe_buffer_bytes = 128u << 20;
  double load_factor = 0.9;
  int32_t index_interval_bytes = 4096;
  // A group of segments is cleaned into one: its sum must fit these.
  uint64_t segment_bytes = 1u << 30;
  uint64_t segment_index_bytes = 10u << 20;
  // The key map covers [first_dirty_offset, clean_end).
  int64_t first_dirty_offset = 0;
  int64_t clean_end = 0;
  // From the log start, in order; with each one's offset index size and next offset.
  std::vector<SourceSegment> sources;
  std::vector<uint64_t> index_bytes;
  std::vector<int64_t> next_offsets;
  // Every aborted transaction of the log (its transaction indexes).
  std::vector<AbortedTxnEntry> aborted_txns;
  std::unordered_map<int64_t, int64_t> last_batch_of_producer;
  std::unordered_map<int64_t, int16_t> marker_epoch_of_producer;  // see CleaningContext
  // Tests: stop each group's swap after this step, as a crash there would.
  SwapStep last_step = SwapStep::kRenameToFinal;
};

// A group of source segments and the `.cleaned` segment written for it.
struct CleanedGroup {
  std::vector<int64_t> bases;
  CleanedSegment segment;
};

struct CleanOutcome {
  ErrorCode error = ErrorCode::NONE;
  bool aborted = false;  // stopped by shutdown or the topic's deletion
  // Every record below this was deduplicated (the next clean's first dirty offset).
  int64_t covered = -1;
  std::vector<CleanedGroup> groups;  // step 1 done for each, in offset order
  CleanStats stats;
  size_t map_keys = 0;
  double map_utilization = 0;
  std::chrono::milliseconds took{0};
};

// Part 2: safe on any thread. On failure or abort, removes every `.cleaned` file it wrote.
CleanOutcome run_clean(const CleanPlan& plan, const CleanControl& control = {});

}  // namespace samsa::storage::cleaner
