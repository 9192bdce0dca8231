// The log cleaner's per-batch decision (Kafka's MemoryRecords.filterTo with the
// cleaner's filter): which records of one v2 batch survive a clean, and the bytes of
// the batch that replaces it.
//
// A record survives when it has a key and no newer record of that key is in the offset
// map, and, for a tombstone (null value), while its batch's delete horizon has not
// passed. KIP-534: the first clean that keeps a tombstone stamps its batch with a delete
// horizon (now + delete.retention.ms) in the base timestamp field, flagged by attribute
// bit 0x40; record timestamps are deltas from that field, so they are re-encoded
// against it and read back unchanged. A later clean drops the tombstones once now has
// reached the horizon. Records without a key are dropped (Kafka counts them invalid in
// a compacted log). Data of aborted transactions goes. A transaction marker stays
// until its transaction has no data left before it and its batch's delete horizon has
// passed (txn_tracker.h); the first clean that finds it removable stamps the horizon.
//
// The batch that replaces the original:
// - every record kept and no horizon to stamp: the original bytes, unchanged;
// - some kept: a batch with the original base offset, last offset delta, producer id,
//   epoch, base sequence, partition leader epoch, attributes and codec, holding the kept
//   records with their original offsets and timestamps (recompressed with the batch's
//   codec), and a new length and CRC-32C;
// - none kept: nothing, except for a producer's last batch, which is kept as an empty
//   batch (header only, no codec, same offsets and sequence: Kafka's RETAIN_EMPTY) so
//   that the producer's sequence state survives the clean; likewise the marker of a
//   producer whose state holds no data batch, since it carries the producer's epoch.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "samsa/storage/cleaner/offset_map.h"
#include "samsa/storage/cleaner/throttle.h"
#include "samsa/storage/cleaner/txn_tracker.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage::cleaner {

// KIP-534: the base timestamp holds the batch's delete horizon.
inline constexpr int16_t kDeleteHorizonBit = 0x40;

inline bool has_delete_horizon(const BatchHeader& h) {
  return (h.attributes & kDeleteHorizonBit) != 0;
}

struct CleaningContext {
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms
  const OffsetMap* map = nullptr;          // required
  // Advanced by every batch filtered, in offset order: says which data was aborted and
  // which markers may go. None: nothing is aborted and every marker stays.
  TxnTracker* txns = nullptr;
  // Producer id -> base offset of its last batch in the log (always kept).
  const std::unordered_map<int64_t, int64_t>* last_batch_of_producer = nullptr;
  // Producer id -> epoch, for producers with no data batch in their state: their last
  // marker (of that epoch) is kept, emptied once removable, since it holds the epoch
  // that fences older producers.
  const std::unordered_map<int64_t, int16_t>* marker_epoch_of_producer = nullptr;
  // Paces the segment writer and stops it (none: unbounded, never stopped).
  CleanControl control{};
};

enum class BatchFate : uint8_t {
  kCopied,         // appended unchanged
  kRewritten,      // appended rebuilt (records removed or a delete horizon stamped)
  kRetainedEmpty,  // appended as an empty batch (a producer's last)
  kRemoved,        // nothing appended
  kMalformed,      // could not be read: nothing appended
};

struct FilterResult {
  BatchFate fate = BatchFate::kRemoved;
  int32_t records_read = 0;
  int32_t records_kept = 0;
  int32_t keyless_removed = 0;     // records without a key
  int32_t tombstones_removed = 0;  // tombstones past their delete horizon
  int32_t markers_removed = 0;     // transaction markers past their delete horizon
  int64_t max_timestamp = -1;      // of the appended batch (-1 when none)
  int64_t offset_of_max_timestamp = -1;
  size_t bytes_written = 0;
};

class RecordFilter {
 public:
  // Appends to `out` what replaces the whole v2 batch `batch` in a cleaned log.
  FilterResult filter(std::span<const uint8_t> batch, const CleaningContext& ctx,
                      std::vector<uint8_t>& out);

 private:
  struct Kept {
    size_t begin, end;  // the record's bytes (length varint included) in the records section
    int64_t timestamp_delta;
    int32_t offset_delta;
  };
  std::vector<Kept> kept_;
  std::vector<uint8_t> records_;     // decompressed records section
  std::vector<uint8_t> rebuilt_;     // kept records, uncompressed
  std::vector<uint8_t> compressed_;  // kept records, compressed
};

}  // namespace samsa::storage::cleaner
