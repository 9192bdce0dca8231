// The log cleaner's disk work: building the key map from the dirty segments, rewriting
// a group of sealed segments into one cleaned segment, and the crash-safe swap that
// puts it in their place (Kafka's `.cleaned` / `.swap` protocol).
//
// The source segments are only read (through their FileHandles, so a Segment's cache
// may close its descriptor meanwhile); the swap goes in four steps, each ended by the
// fsyncs that make it durable:
//   1. write `<base>.log.cleaned` and its `.index`, `.timeindex` and `.txnindex`
//      `.cleaned` files (always all four; the .txnindex may be empty), fsync each;
//   2. rename the index files to `.swap`, then the log (the log's `.swap` name is what
//      commits the clean), fsync the directory;
//   3. delete the replaced segments' files, their index files before their logs,
//      fsync the directory;
//   4. rename the index `.swap` files to their final names, then the log, fsync the
//      directory.
// `<base>` is the first replaced segment's base offset, so step 4 also replaces that
// segment's names. recover_interrupted_clean(), run before a log is loaded, makes a
// crash at any point look like the clean either never happened (no `.log.swap`: every
// `.cleaned` and `.swap` file is deleted) or completed (a `.log.swap`: every segment
// whose base offset lies in [base, the swap's next offset) is deleted and the swap files
// are renamed). A crash in step 3 may leave replaced segments above the swap's last
// offset: they hold only records the clean removed, in order after it, so the log stays
// consistent and a later clean removes them again.
//
// All of this runs on whichever thread calls it and touches nothing but files.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "samsa/storage/cleaner/offset_map.h"
#include "samsa/storage/cleaner/record_filter.h"
#include "samsa/storage/txn_index.h"
#include "samsa/util/file_slice.h"

namespace samsa::storage::cleaner {

// A sealed segment to read from.
struct SourceSegment {
  int64_t base_offset = 0;
  std::shared_ptr<const FileHandle> file;  // its .log
  uint64_t size = 0;
};

struct CleanStats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t records_read = 0;
  uint64_t records_removed = 0;
  uint64_t markers_removed = 0;  // transaction markers (counted in records_removed too)
  uint64_t batches_read = 0;
  uint64_t batches_removed = 0;
  uint64_t malformed_batches = 0;  // copied unchanged
  uint64_t segments_cleaned = 0;
  uint64_t segments_written = 0;
  uint64_t map_records = 0;  // records put into the key map
  CleanStats& operator+=(const CleanStats& o);
};

struct CleanedSegment {
  int64_t base_offset = -1;
  int64_t next_offset = -1;  // after its last batch; base_offset when nothing was kept
  uint64_t size = 0;
};

// The steps of a swap, in order.
enum class SwapStep : int {
  kWriteCleaned = 1,
  kRenameToSwap = 2,
  kDeleteReplaced = 3,
  kRenameToFinal = 4,
};

// `<dir>/<20-digit base><ext><suffix>`, e.g. 00000000000000000042.index.swap
std::string cleaner_file_path(const std::string& dir, int64_t base_offset, const char* ext,
                              const char* suffix);

// Puts the newest offset of every key in [from_offset, to_offset) of `segments` into
// `map`: control batches, keyless records and the data of aborted transactions are
// skipped (`aborted`: the log's aborted transactions, from its transaction indexes).
// Stops at the first record whose key no longer fits. Returns the offset up
// to which the map is complete (to_offset unless it filled up). Throws std::system_error
// on read errors, std::runtime_error on a torn or unreadable batch, CleanAborted when
// `control` stops it.
int64_t build_offset_map(std::span<const SourceSegment> segments, int64_t from_offset,
                         int64_t to_offset, std::span<const AbortedTxnEntry> aborted,
                         OffsetMap& map, CleanStats& stats, const CleanControl& control = {});

// Step 1: the cleaned form of `group` (consecutive segments, in order) as `.cleaned`
// files named after the first one's base offset, fsynced. Indexes as Segment builds them
// (an offset index entry after more than `index_interval_bytes`, a sealed time index).
// A batch that cannot be read is copied unchanged. The `.txnindex` lists the aborted
// transactions whose markers ctx.txns kept with their entry (none without a tracker).
// Throws std::system_error,
// std::runtime_error or CleanAborted (ctx.control), removing what it wrote.
CleanedSegment write_cleaned_segment(const std::string& dir, std::span<const SourceSegment> group,
                                     const CleaningContext& ctx, int32_t index_interval_bytes,
                                     CleanStats& stats);
// Step 2. Each step ends with an fsync of the directory unless `sync` is false: then the
// caller does it once for several groups taken through the same step (a crash leaves
// each group in one state or the next, which recovery handles group by group).
void rename_cleaned_to_swap(const std::string& dir, int64_t base_offset, bool sync = true);
// Step 3: deletes the files of the segments at `bases`.
void delete_replaced_segments(const std::string& dir, std::span<const int64_t> bases,
                              bool sync = true);
// Step 4.
void rename_swap_to_final(const std::string& dir, int64_t base_offset, bool sync = true);

// Removes the `.cleaned` files of a group that will not be swapped in (what step 1
// wrote, or part of it).
void discard_cleaned(const std::string& dir, int64_t base_offset);

// Before a log directory is loaded: removes what an interrupted clean left, or completes
// its swap (see above). Returns true when it changed the directory (then fsynced).
// Throws std::system_error.
bool recover_interrupted_clean(const std::string& dir);

}  // namespace samsa::storage::cleaner
