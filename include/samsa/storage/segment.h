// One segment of a partition log, in Kafka's layout: `<base>.log` holds batches
// verbatim, `<base>.index` maps relative offsets to file positions every
// index.interval.bytes, `<base>.timeindex` maps timestamps to offsets, and
// `<base>.txnindex` (created with its first entry) lists the transactions aborted by
// markers in this segment.
//
// Index files are appended (not preallocated like Kafka's mmapped ones): entries live
// in memory and are written out in bulk when the log is flushed, rolled or closed.
// The log is the source of truth; an offset or time index that is stale, torn or missing
// is rebuilt from it on start. The transaction index needs the producer state to be
// rebuilt, so PartitionLog re-derives its entries past the producer snapshot it
// recovers from; it is synced with the log (a flush that covers a marker covers its
// entry).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "samsa/storage/flusher.h"
#include "samsa/storage/open_file_cache.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/txn_index.h"
#include "samsa/util/file_slice.h"

namespace samsa::storage {

struct OffsetIndexEntry {
  int32_t relative_offset;
  uint32_t position;
};

struct TimeIndexEntry {
  int64_t timestamp;
  int32_t relative_offset;
};

// `<dir>/<20-digit base offset><ext>`, e.g. 00000000000000000042.log
std::string segment_file_path(const std::string& dir, int64_t base_offset, const char* ext);

// Reads batch headers sequentially from a file through a small window, so walking a
// region costs a few preads rather than one per batch. It holds the file, so the
// segment's descriptor may be closed by the OpenFileCache meanwhile.
class BatchScanner {
 public:
  BatchScanner(std::shared_ptr<const FileHandle> file, uint64_t start, uint64_t end)
      : file_(std::move(file)), pos_(start), end_(end) {}
  // Returns the next batch's header and position; false at the end or when the next
  // bytes are not a complete v2 batch (then torn() is true).
  bool next(BatchHeader& header, uint64_t& position);
  bool torn() const { return torn_; }
  uint64_t position() const { return pos_; }
  // Reads the whole batch last returned by next() into `out`.
  bool load_current(std::vector<uint8_t>& out) const;

 private:
  bool fill(uint64_t at, size_t need);
  std::shared_ptr<const FileHandle> file_;
  uint64_t pos_;
  uint64_t end_;
  uint64_t current_ = 0;
  uint32_t current_size_ = 0;
  bool torn_ = false;
  std::vector<uint8_t> window_;
  uint64_t window_start_ = 0;
};

class Segment : private OpenFileCache::Entry {
 public:
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // New, empty segment files. Throws std::system_error.
  static std::unique_ptr<Segment> create(const std::string& dir, int64_t base_offset,
                                         int64_t now_ms, OpenFileCache* cache = nullptr);
  // Existing segment. `full_recovery`: walk every batch from the start checking CRCs,
  // truncate a torn/corrupt tail and rebuild both indexes (unclean start). Otherwise
  // trust the index files (rebuilding them only if missing or inconsistent) and walk
  // headers from the last index entry to find the end. `has_txn_index`: the directory
  // holds its .txnindex (saves a failed open per segment). Throws std::system_error.
  static std::unique_ptr<Segment> open(const std::string& dir, int64_t base_offset,
                                       bool full_recovery, int32_t index_interval_bytes,
                                       int64_t now_ms, OpenFileCache* cache = nullptr,
                                       bool has_txn_index = true);

  int64_t base_offset() const { return base_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_timestamp_; }
  // What retention.ms compares (Kafka's LogSegment.largestTimestamp): the max timestamp,
  // or for a segment without one (no records, as a clean may leave, or records without
  // timestamps) its log file's modification time; -1 when that cannot be read.
  int64_t retention_timestamp() const;
  int64_t offset_of_max_timestamp() const { return offset_of_max_timestamp_; }
  // Bytes cut off a torn/corrupt tail by open().
  uint64_t truncated_bytes() const { return truncated_bytes_; }
  // The log file, reopened when the cache closed it (`cache` given at creation keeps
  // the number open bounded). Throws std::system_error.
  // `keep` false: a file not open is opened for the caller alone, leaving the cache as it
  // is (reads while descriptors run short).
  std::shared_ptr<const FileHandle> log_file(bool keep = true);
  bool log_file_open() const { return log_ != nullptr; }
  const std::vector<OffsetIndexEntry>& offset_index() const { return offset_index_; }
  const std::vector<TimeIndexEntry>& time_index() const { return time_index_; }

  // Writes `bytes` at the end with one pwrite. Returns 0 or errno (then the file is
  // cut back so no partial batch stays).
  int append(std::span<const uint8_t> bytes);
  // Index bookkeeping for one batch that append() wrote at `position`.
  void on_batch_appended(int64_t base_offset, int64_t last_offset, uint32_t position, uint32_t size,
                         int64_t max_timestamp, int64_t offset_of_max_ts,
                         int32_t index_interval_bytes);

  // Time-based roll: Kafka compares the incoming batch's timestamp with the segment's
  // first batch timestamp (falling back to wall-clock age when it has none).
  bool should_roll_for_time(int64_t segment_ms, int64_t now_ms, int64_t incoming_max_ts) const;
  bool index_full(int32_t segment_index_bytes) const;

  // File position to start scanning for `offset`: the floor index entry, or 0.
  uint32_t position_floor(int64_t offset) const;
  // An offset at or before the first record with timestamp >= ts in this segment.
  int64_t offset_floor_for_timestamp(int64_t ts) const;

  // Adds the segment's max timestamp as a final time-index entry (roll/close).
  void seal_time_index();
  // seal_time_index() would add an entry.
  bool time_index_needs_seal() const {
    return max_timestamp_ >= 0 &&
           (time_index_.empty() || max_timestamp_ > time_index_.back().timestamp);
  }
  // Appends not-yet-written index entries to the index files (the transaction index
  // included). Returns 0 or errno.
  int persist_indexes();
  // persist_indexes() has something to write.
  bool has_unwritten_index_entries() const {
    return rewrite_indexes_ || offset_index_persisted_ < offset_index_.size() ||
           time_index_persisted_ < time_index_.size() || txn_index_dirty();
  }
  // The files to fsync when a segment is rolled or closed: the log, and the index files
  // when persist_indexes() wrote them since the last call. Paths, opened by the sync.
  std::vector<SyncTarget> take_files_to_sync();
  SyncTarget log_sync_target() const { return SyncTarget::at(path(".log")); }

  // Aborted transactions whose markers are in this segment, by marker offset.
  const std::vector<AbortedTxnEntry>& aborted_txns() const { return aborted_; }
  // Records an abort marker appended to this segment (written by persist_txn_index()).
  void add_aborted_txn(const AbortedTxnEntry& entry);
  // Drops the entries whose marker is at or past `offset` (recovery re-derives them);
  // the file is rewritten by the next persist. Returns how many were dropped.
  size_t truncate_aborted_txns(int64_t offset);
  // persist_txn_index() has something to write.
  bool txn_index_dirty() const {
    return rewrite_txn_index_ || aborted_persisted_ < aborted_.size();
  }
  // Appends unwritten .txnindex entries, or (after recovery dropped some) replaces the
  // file atomically, fsynced. Returns 0 or errno.
  int persist_txn_index();
  // The .txnindex when written since it was last synced (a flush of the active
  // segment syncs it with the log); clears that state.
  bool take_txn_index_to_sync(std::vector<SyncTarget>& files);

  void delete_files();

 private:
  Segment(std::string dir, int64_t base_offset, OpenFileCache* cache);
  void open_files(bool create);
  void close_for_cache() override;
  bool load_indexes();
  void recover_from(uint64_t start_pos, bool check_crc, int32_t index_interval_bytes);
  // Reads `<base>.txnindex` if there is one, keeping its longest valid prefix of entries
  // inside the segment; anything else is cut by the next persist.
  void load_txn_index();
  std::string path(const char* ext) const { return segment_file_path(dir_, base_offset_, ext); }

  std::string dir_;
  int64_t base_offset_;
  std::shared_ptr<const FileHandle> log_;  // the only file a segment keeps open, if any
  uint64_t size_ = 0;
  int64_t next_offset_;
  int64_t max_timestamp_ = -1;
  int64_t offset_of_max_timestamp_ = -1;
  int64_t first_batch_timestamp_ = -1;
  int64_t created_ms_ = 0;
  uint64_t truncated_bytes_ = 0;
  uint32_t bytes_since_index_entry_ = 0;
  std::vector<OffsetIndexEntry> offset_index_;
  std::vector<TimeIndexEntry> time_index_;
  size_t offset_index_persisted_ = 0;
  size_t time_index_persisted_ = 0;
  bool rewrite_indexes_ = false;   // on-disk index files must be rewritten from scratch
  bool indexes_unsynced_ = false;  // index files written since take_files_to_sync()
  std::vector<AbortedTxnEntry> aborted_;
  size_t aborted_persisted_ = 0;
  bool txn_index_exists_ = false;    // the .txnindex file exists
  bool rewrite_txn_index_ = false;   // the .txnindex must be rewritten from scratch
  bool txn_index_unsynced_ = false;  // .txnindex written since it was last synced
};

}  // namespace samsa::storage
