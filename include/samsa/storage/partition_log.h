// The log of one partition: a directory of segments plus its offsets (log start, log
// end = high watermark on this single node, flushed), idempotent producer state,
// retention, recovery on open, and group-committed fsync through the Flusher.
//
// Threading: every method runs on the event loop thread. Only fdatasync happens on
// the flusher thread; its completions come back through the loop poster.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/storage/cleaner/clean_job.h"
#include "samsa/storage/cleaner/segment_cleaner.h"
#include "samsa/storage/flusher.h"
#include "samsa/storage/log_config.h"
#include "samsa/storage/open_file_cache.h"
#include "samsa/storage/producer_state.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/segment.h"
#include "samsa/storage/start_gate.h"
#include "samsa/storage/txn_index.h"
#include "samsa/util/file_slice.h"

namespace samsa::storage {

// ListOffsets special timestamps.
inline constexpr int64_t kLatestTimestamp = -1;
inline constexpr int64_t kEarliestTimestamp = -2;
inline constexpr int64_t kMaxTimestamp = -3;
inline constexpr int64_t kEarliestLocalTimestamp = -4;
inline constexpr int64_t kLatestTieredTimestamp = -5;

// Fetch and ListOffsets isolation (KIP-98): read_committed reads stop at the last
// stable offset and come with the aborted transactions of the range served.
enum class IsolationLevel : int8_t { kReadUncommitted = 0, kReadCommitted = 1 };

// MarkerType (what a transaction marker says) lives in txn_index.h.

// An aborted transaction as a read_committed consumer needs it: the records of
// `producer_id` from `first_offset` up to the abort marker are to be skipped.
struct AbortedTransaction {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
};

struct AppendOptions {
  int64_t now_ms = 0;        // wall clock: LogAppendTime, segment.ms
  int32_t leader_epoch = 0;  // written into each batch's partitionLeaderEpoch
  // false for internal writers (coordinators): control batches allowed, only the
  // producer epoch is checked.
  bool from_client = true;
};

// A record a Produce refused, by its index in its batch (Produce v8+ recordErrors).
struct RecordError {
  int32_t batch_index = 0;
  std::string message;
};

struct AppendResult {
  ErrorCode error = ErrorCode::NONE;
  std::string error_message;
  std::vector<RecordError> record_errors;  // INVALID_RECORD: which records, and why
  int64_t base_offset = -1;  // first offset written (for a duplicate: where it was written)
  int64_t last_offset = -1;
  int64_t log_append_time = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;
  bool duplicate = false;  // a retry of a batch already in the log; nothing appended
};

struct ReadResult {
  ErrorCode error = ErrorCode::NONE;
  std::vector<FileSlice> slices;  // whole batches, in order
  uint64_t bytes = 0;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  // read_committed only: the aborted transactions that overlap the batches served
  // (last offset >= the fetch offset, first offset below the end of what is served).
  std::vector<AbortedTransaction> aborted;
};

struct OffsetLookup {
  ErrorCode error = ErrorCode::NONE;
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// One clean of a log (compaction): what to clean and with what.
struct LogCleanOptions {
  int64_t now_ms = 0;
  // The key map's memory (log.cleaner.dedupe.buffer.size) and fill limit
  // (log.cleaner.io.buffer.load.factor).
  size_t dedupe_buffer_bytes = 128u << 20;
  double load_factor = 0.9;
  // Records below this were deduplicated by an earlier clean (the cleaner's checkpoint);
  // the key map is built from here.
  int64_t first_dirty_offset = 0;
  // Nothing at or past this offset is cleaned (min.compaction.lag.ms); the active
  // segment and the last stable offset bound the clean too.
  int64_t end_offset = INT64_MAX;
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms
  // Tests: stop each group's swap after this step, as a crash there would.
  cleaner::SwapStep last_step = cleaner::SwapStep::kRenameToFinal;
};

struct LogCleanResult {
  ErrorCode error = ErrorCode::NONE;
  bool cleaned = false;  // something was rewritten
  // Where the next clean's key map starts: every record below was deduplicated.
  int64_t first_dirty_offset = -1;
  cleaner::CleanStats stats;
};

class PartitionLog {
 public:
  using FlushCallback = std::function<void(ErrorCode)>;

  // Opens or creates the partition directory `dir`. `clean_shutdown`: trust the index
  // files; otherwise the last segment is rescanned with CRC checks and a torn tail is
  // cut off. Appends pass `gate` first (when given). Throws std::system_error /
  // std::runtime_error on I/O failures. `cache` (when given) bounds the open segment files
  // and must outlive the log.
  static std::unique_ptr<PartitionLog> open(std::string dir, std::string topic, int32_t partition,
                                            LogConfig config, Flusher& flusher, bool clean_shutdown,
                                            int64_t now_ms, StartGate* gate = nullptr,
                                            OpenFileCache* cache = nullptr);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Validates, runs idempotence checks, assigns offsets by patching `batches` in place
  // and writes them with one write call. `batches` may hold several batches.
  AppendResult append(std::span<uint8_t> batches, const AppendOptions& options);

  // Ends `producer_id`'s transaction on this partition with a control batch (one
  // control record: version 0, `type`; value: version 0, `coordinator_epoch`), as
  // Kafka's WriteTxnMarkers does. An abort is recorded in the aborted-transaction
  // index (.txnindex of the segment holding the marker). INVALID_PRODUCER_EPOCH when
  // `producer_epoch` is older than the producer's. A marker for a producer with no
  // ongoing transaction here is still written (Kafka writes it too).
  AppendResult append_marker(int64_t producer_id, int16_t producer_epoch, MarkerType type,
                             int32_t coordinator_epoch, int64_t now_ms);

  // Whole batches starting with the one containing `offset`, up to `max_bytes`; if
  // `min_one_batch` and the first batch is larger, exactly that batch.
  // OFFSET_OUT_OF_RANGE when offset < log start or > log end.
  // read_committed: only batches below the last stable offset, with `aborted` filled.
  ReadResult read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                  IsolationLevel isolation = IsolationLevel::kReadUncommitted);

  // ListOffsets: -1 latest, -2 earliest, -3 max timestamp, else the first record with
  // timestamp >= `timestamp` (offset -1 when there is none).
  // read_committed: latest is the last stable offset.
  OffsetLookup offset_for_timestamp(int64_t timestamp,
                                    IsolationLevel isolation = IsolationLevel::kReadUncommitted);

  // Calls `callback(NONE)` on the loop once every offset <= `offset` is on disk (or
  // KAFKA_STORAGE_ERROR). Waiters arriving during an fsync share the next one, which
  // starts at once (up to kMaxFlushesInFlight overlap) rather than after it.
  void when_flushed(int64_t offset, FlushCallback callback);
  // Starts an fsync of everything written so far (no-op when already durable).
  void request_flush();
  // flush.ms: requests a flush when the oldest unflushed data is older than flush.ms.
  void maybe_flush_for_time(int64_t now_ms);

  // DeleteRecords: moves the log start to `offset` (-1 = high watermark) and deletes
  // segments entirely below it. OFFSET_OUT_OF_RANGE beyond the high watermark.
  ErrorCode delete_records_before(int64_t offset);
  // retention.ms / retention.bytes (cleanup.policy delete) and log start: deletes whole
  // old segments, never the active one. Returns how many were deleted.
  size_t enforce_retention(int64_t now_ms);

  // Compacts the sealed segments below the cleanable end (options.end_offset, the active
  // segment, the last stable offset): builds the key map from the dirty part, rewrites
  // the segments from the log start in groups that fit a segment (segment.bytes,
  // segment.index.bytes), each swapped in crash-safely. Synchronous, on the loop thread.
  LogCleanResult clean(const LogCleanOptions& options);
  // clean() in its parts (cleaner/clean_job.h), so that cleaner::run_clean can run on a
  // cleaner thread between them. plan_clean: nullopt when there is nothing to clean or
  // on an error (then in `result`). finish_clean swaps the written groups in.
  std::optional<cleaner::CleanPlan> plan_clean(const LogCleanOptions& options,
                                               LogCleanResult& result);
  LogCleanResult finish_clean(const cleaner::CleanPlan& plan, cleaner::CleanOutcome&& outcome);

  // Clean shutdown of this log: writes indexes and the producer snapshot and fsyncs,
  // synchronously; a log whose files did not change since they were last made durable
  // (opened after a clean shutdown, or closed before) skips it all. The log stays usable.
  // `sync` false: the files are written but not fsynced; the caller makes them durable
  // with one syncfs for every log (a shutdown of thousands of partitions).
  void close(bool sync = true);

  // close() has files to write or sync.
  bool needs_sync_on_close() const;
  void set_config(LogConfig config) { config_ = std::move(config); }
  const LogConfig& config() const { return config_; }
  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  const std::string& dir() const { return dir_; }

  int64_t log_start_offset() const { return log_start_offset_; }
  int64_t log_end_offset() const { return log_end_offset_; }
  int64_t high_watermark() const { return log_end_offset_; }
  // The first offset of the oldest ongoing transaction, or the high watermark.
  int64_t last_stable_offset() const;
  // Every offset below this is durable.
  int64_t flushed_offset() const { return flushed_offset_; }
  uint64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  const std::map<int64_t, std::unique_ptr<Segment>>& segments() const { return segments_; }
  const ProducerStateManager& producer_state() const { return producers_; }

 private:
  PartitionLog(std::string dir, std::string topic, int32_t partition, LogConfig config,
               Flusher& flusher);
  void load(bool clean_shutdown, int64_t now_ms);
  // After a clean's group swap failed: the directory is recovered and the segments of
  // `bases` are reopened from whatever is on disk.
  void reload_segments_after_failed_clean(const std::vector<int64_t>& bases, int64_t now_ms);
  // `snapshots`: the offsets of the directory's producer snapshot files.
  void rebuild_producer_state(const std::set<int64_t>& snapshots);
  Segment& active() { return *segments_.rbegin()->second; }
  void roll(int64_t now_ms);
  // Starts a flush once the loop has run what it already has queued, so that the
  // requests of one loop pass share it.
  void schedule_flush();
  void start_flush();
  void on_flush_done(uint64_t id, int error);
  // False when the start gate refused (the logs are read-only).
  bool delete_segment(std::map<int64_t, std::unique_ptr<Segment>>::iterator it);
  void delete_segments_below_log_start();
  // Records `offset` as the log start, durably; false (logged) when the disk refused.
  bool persist_log_start_offset(int64_t offset);
  void write_snapshot(int64_t offset);
  // close()'s work: index entries, producer snapshot, then an fsync of every file.
  void sync_all_for_close(Segment& seg, bool sync);
  std::string snapshot_path(int64_t offset) const;
  // Appends to `out` the aborted transactions with a marker at or past `offset` that
  // began below `upper`, by first offset.
  void collect_aborted(int64_t offset, int64_t upper, std::vector<AbortedTransaction>& out) const;
  // Finds the first batch with last offset >= `offset`, starting in segment `it`.
  // `keep`: open segment files through the cache; `file` receives the file of `it`.
  bool locate(int64_t offset, std::map<int64_t, std::unique_ptr<Segment>>::iterator& it,
              uint64_t& position, BatchHeader& header, bool keep,
              std::shared_ptr<const FileHandle>& file);

  std::string dir_;
  std::string topic_;
  int32_t partition_;
  LogConfig config_;
  Flusher& flusher_;
  StartGate* gate_ = nullptr;
  int64_t snapshot_on_disk_ = -1;  // offset of the snapshot file that matches producers_
  // Some file or the directory changed since open() or close() last made them durable.
  bool files_changed_ = true;
  OpenFileCache* file_cache_ = nullptr;  // bounds the segments' open log files
  std::map<int64_t, std::unique_ptr<Segment>> segments_;
  int64_t log_start_offset_ = 0;
  int64_t log_end_offset_ = 0;
  int64_t flushed_offset_ = 0;

  ProducerStateManager producers_;
  BatchValidator validator_;
  std::vector<ValidatedBatch> validated_;  // reused by append()
  std::vector<int64_t> staged_index_;      // batch -> producer staging slot, or -1
  std::vector<CompletedTxn> completed_;    // transactions ended by an append's markers
  std::vector<uint8_t> scratch_;           // batch reads for timestamp lookups
  // Batches recompressed for the topic's compression.type, and their work buffers.
  std::vector<uint8_t> transcoded_, transcode_records_, transcode_buffer_;

  // Rewrites the validated batches whose codec is not the topic's into transcoded_
  // and points `payload` and validated_ at it. Fails like Kafka when a recompressed
  // batch outgrows max.message.bytes.
  ErrorCode recompress(std::span<uint8_t>& payload, Compression codec, std::string& message);

  // Group commit.
  struct Waiter {
    int64_t offset;
    FlushCallback callback;
  };
  std::vector<Waiter> waiters_;
  // fdatasync calls of one log may overlap: one started while another runs covers the
  // data written since, and waiters do not sit out the rest of the older call. They
  // complete in the order they were started, because only the older one syncs the
  // files of a segment rolled in between.
  struct InFlightFlush {
    uint64_t id;
    int64_t target;      // every offset below is durable once this one and all older are
    uint64_t bytes = 0;  // appended since the previous flush started (for the metrics)
    bool done = false;
    int error = 0;
  };
  static constexpr size_t kMaxFlushesInFlight = 2;
  std::deque<InFlightFlush> flushes_;
  uint64_t next_flush_id_ = 0;
  bool flush_requested_ = false;
  bool flush_scheduled_ = false;
  std::vector<SyncTarget> pending_sync_;  // rolled segments, the directory
  int64_t unflushed_since_ms_ = -1;
  uint64_t unflushed_bytes_ = 0;  // appended since the last flush started
  std::shared_ptr<char> alive_ = std::make_shared<char>();

  // Consumers fetch sequentially: remember where the last read ended.
  struct ReadHint {
    int64_t offset = -1;
    int64_t segment_base = -1;
    uint64_t position = 0;
  } read_hint_;
};

}  // namespace samsa::storage
