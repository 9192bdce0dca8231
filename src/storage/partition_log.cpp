#include "samsa/storage/partition_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>
#include <unordered_map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "samsa/metrics/broker_metrics.h"
#include "samsa/util/durable_file.h"

namespace samsa::storage {
namespace fs = std::filesystem;
namespace bl = batch_layout;
namespace {

constexpr const char* kLogStartFile = "log-start-offset";

bool parse_base_offset(const std::string& name, const char* ext, int64_t& out) {
  const size_t ext_len = std::char_traits<char>::length(ext);
  if (name.size() != 20 + ext_len || name.compare(20, ext_len, ext) != 0) return false;
  const auto [p, ec] = std::from_chars(name.data(), name.data() + 20, out);
  return ec == std::errc() && p == name.data() + 20;
}

void sync_or_warn(const SyncTarget& target, const std::string& what) {
  if (const int err = sync_target(target); err != 0)
    spdlog::error("fsync {} failed: {}", what, std::strerror(err));
}

}  // namespace

PartitionLog::PartitionLog(std::string dir, std::string topic, int32_t partition, LogConfig config,
                           Flusher& flusher)
    : dir_(std::move(dir)),
      topic_(std::move(topic)),
      partition_(partition),
      config_(std::move(config)),
      flusher_(flusher) {}

PartitionLog::~PartitionLog() {
  // Whoever still waits for durability learns that the log is gone.
  for (Waiter& w : waiters_) {
    flusher_.post([cb = std::move(w.callback)] { cb(ErrorCode::NOT_LEADER_OR_FOLLOWER); });
  }
}

std::unique_ptr<PartitionLog> PartitionLog::open(std::string dir, std::string topic,
                                                 int32_t partition, LogConfig config,
                                                 Flusher& flusher, bool clean_shutdown,
                                                 int64_t now_ms, StartGate* gate,
                                                 OpenFileCache* cache) {
  std::unique_ptr<PartitionLog> log(
      new PartitionLog(std::move(dir), std::move(topic), partition, std::move(config), flusher));
  log->gate_ = gate;
  log->file_cache_ = cache;
  log->load(clean_shutdown, now_ms);
  return log;
}

void PartitionLog::load(bool clean_shutdown, int64_t now_ms) {
  fs::create_directories(dir_);
  // One listing serves the whole load: each costs several system calls, and a broker
  // with many partitions pays them per partition at every start. A second one follows
  // only after a clean cut short by a crash, which is discarded or completed first.
  std::set<int64_t> bases, snapshots, txn_indexes;
  std::vector<std::pair<int64_t, std::string>> index_files;
  bool has_log_start_file = false;
  bool removed_files = false;
  for (bool interrupted_clean = false, recovered = false;; interrupted_clean = false) {
    for (const auto& entry : fs::directory_iterator(dir_)) {
      std::string name = entry.path().filename().string();
      int64_t base;
      if (parse_base_offset(name, ".log", base)) {
        bases.insert(base);
      } else if (parse_base_offset(name, ".index", base) ||
                 parse_base_offset(name, ".timeindex", base)) {
        index_files.emplace_back(base, std::move(name));
      } else if (parse_base_offset(name, ".txnindex", base)) {
        txn_indexes.insert(base);
        index_files.emplace_back(base, std::move(name));
      } else if (parse_base_offset(name, ".snapshot", base)) {
        snapshots.insert(base);
      } else if (name == kLogStartFile) {
        has_log_start_file = true;
      } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
        fs::remove(entry.path());  // an interrupted atomic write
        removed_files = true;
      } else if (name.ends_with(".cleaned") || name.ends_with(".swap")) {
        interrupted_clean = true;
      }
    }
    if (!interrupted_clean || recovered) break;
    recovered = true;
    removed_files |= cleaner::recover_interrupted_clean(dir_);
    bases.clear();
    snapshots.clear();
    txn_indexes.clear();
    index_files.clear();
  }
  // Index files without their log are leftovers of a deletion cut short.
  for (const auto& [base, name] : index_files) {
    if (!bases.count(base)) {
      fs::remove(dir_ + "/" + name);
      removed_files = true;
    }
  }

  int64_t persisted_start = 0;
  if (has_log_start_file) {
    if (std::ifstream in(dir_ + "/" + kLogStartFile); in) in >> persisted_start;
  }

  if (bases.empty()) {
    const int64_t base = std::max<int64_t>(0, persisted_start);
    segments_.emplace(base, Segment::create(dir_, base, now_ms, file_cache_));
  } else {
    for (const int64_t base : bases) {
      const bool last = base == *bases.rbegin();
      segments_.emplace(
          base, Segment::open(dir_, base, !clean_shutdown && last, config_.index_interval_bytes,
                              now_ms, file_cache_, txn_indexes.count(base) > 0));
    }
  }
  log_end_offset_ = active().next_offset();
  log_start_offset_ =
      std::max(segments_.begin()->first, std::min(persisted_start, log_end_offset_));
  if (!clean_shutdown) {
    // What survived in the page cache may not be on disk yet: make it so, so that
    // flushed_offset below is true.
    active().persist_indexes();
    for (const auto& f : active().take_files_to_sync()) sync_or_warn(f, dir_);
    sync_or_warn(SyncTarget::at(dir_), dir_);
  }
  flushed_offset_ = log_end_offset_;
  // After a clean shutdown every file was durable, and stays so unless load changed one.
  files_changed_ = !clean_shutdown || bases.empty() || removed_files;
  rebuild_producer_state(snapshots);
  if (active().truncated_bytes() > 0) {
    spdlog::warn("{}: recovered to offset {} after cutting {} bytes", dir_, log_end_offset_,
                 active().truncated_bytes());
  }
}

std::string PartitionLog::snapshot_path(int64_t offset) const {
  return segment_file_path(dir_, offset, ".snapshot");
}

// Producer state = latest usable snapshot + replay of batch headers written after it.
// The replay also re-derives the aborted-transaction index past the snapshot: whatever
// a crash left of those entries (lost, torn, or naming markers cut off the log) is
// replaced by what the markers in the log say.
void PartitionLog::rebuild_producer_state(const std::set<int64_t>& snapshots) {
  int64_t from = segments_.begin()->first;
  producers_.clear();
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    int64_t offset = -1;
    if (*it <= log_end_offset_ && producers_.load_snapshot(snapshot_path(*it), offset) &&
        offset == *it) {
      from = offset;
      snapshot_on_disk_ = offset;
      break;
    }
    producers_.clear();
  }
  // Snapshots beyond the recovered end describe data that is gone.
  for (const int64_t off : snapshots) {
    if (off > log_end_offset_) {
      fs::remove(snapshot_path(off));
      files_changed_ = true;
    }
  }
  for (auto& [_, seg] : segments_) seg->truncate_aborted_txns(from);
  std::vector<uint8_t> control;
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    Segment& seg = *it->second;
    if (seg.next_offset() <= from) continue;
    BatchScanner scanner(seg.log_file(), seg.base_offset() >= from ? 0 : seg.position_floor(from),
                         seg.size());
    BatchHeader h;
    uint64_t pos;
    while (scanner.next(h, pos)) {
      if (h.base_offset < from) continue;
      if (!h.is_control() || !h.has_producer_id()) {
        producers_.replay(h);
        continue;
      }
      // Only a control batch's body is read: its record says commit or abort.
      TxnMarker marker;
      const bool is_marker = scanner.load_current(control) && parse_txn_marker(control, marker);
      const std::optional<CompletedTxn> done = producers_.replay(h, is_marker ? &marker : nullptr);
      if (done && done->aborted) {
        seg.add_aborted_txn(
            {done->producer_id, done->first_offset, done->last_offset, done->last_stable_offset});
      }
    }
  }
  // Rewrite the transaction indexes that changed, durably, before anything is appended.
  std::vector<SyncTarget> files;
  for (auto& [_, seg] : segments_) {
    if (!seg->txn_index_dirty()) continue;
    files_changed_ = true;
    if (const int err = seg->persist_txn_index(); err != 0) {
      throw std::system_error(err, std::generic_category(), "write transaction index of " + dir_);
    }
    seg->take_txn_index_to_sync(files);
  }
  if (!files.empty()) files.push_back(SyncTarget::at(dir_));  // the renames
  for (const auto& f : files) sync_or_warn(f, dir_);
}

void PartitionLog::write_snapshot(int64_t offset) {
  files_changed_ = true;
  if (!producers_.write_snapshot(snapshot_path(offset), offset)) {
    spdlog::warn("{}: cannot write producer snapshot at {}", dir_, offset);
    return;
  }
  snapshot_on_disk_ = offset;
  // Keep the two newest: the older one is a fallback if the newest is torn.
  std::set<int64_t> snapshots;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    int64_t off;
    if (parse_base_offset(entry.path().filename().string(), ".snapshot", off))
      snapshots.insert(off);
  }
  while (snapshots.size() > 2) {
    fs::remove(snapshot_path(*snapshots.begin()));
    snapshots.erase(snapshots.begin());
  }
}

uint64_t PartitionLog::size_bytes() const {
  uint64_t total = 0;
  for (const auto& [_, seg] : segments_) total += seg->size();
  return total;
}

void PartitionLog::roll(int64_t now_ms) {
  files_changed_ = true;
  Segment& old = active();
  old.seal_time_index();
  old.persist_indexes();
  for (auto& f : old.take_files_to_sync()) pending_sync_.push_back(std::move(f));
  write_snapshot(log_end_offset_);
  segments_.emplace(log_end_offset_, Segment::create(dir_, log_end_offset_, now_ms, file_cache_));
  pending_sync_.push_back(SyncTarget::at(dir_));
  // Like Kafka, make a rolled segment durable in the background.
  request_flush();
}

int64_t PartitionLog::last_stable_offset() const {
  const int64_t first_unstable = producers_.first_unstable_offset();
  // Retention or DeleteRecords may have removed an ongoing transaction's start.
  return first_unstable < 0 ? log_end_offset_ : std::max(first_unstable, log_start_offset_);
}

AppendResult PartitionLog::append_marker(int64_t producer_id, int16_t producer_epoch,
                                         MarkerType type, int32_t coordinator_epoch,
                                         int64_t now_ms) {
  std::vector<uint8_t> batch =
      build_txn_marker_batch(producer_id, producer_epoch, {type, coordinator_epoch}, now_ms);
  AppendOptions options;
  options.now_ms = now_ms;
  options.from_client = false;
  return append(batch, options);
}

AppendResult PartitionLog::append(std::span<uint8_t> payload, const AppendOptions& o) {
  AppendResult r;
  r.log_start_offset = log_start_offset_;
  if (gate_ && !gate_->pass()) {
    r.error = ErrorCode::KAFKA_STORAGE_ERROR;
    r.error_message = gate_->refusal(fmt::format("{}-{}", topic_, partition_));
    return r;
  }
  ValidationLimits limits;
  limits.max_batch_bytes = static_cast<uint32_t>(config_.max_message_bytes);
  limits.allow_control_batches = !o.from_client;
  // Kafka's LogValidator: a compacted topic keeps records by key, so each needs one.
  limits.find_keyless_records = o.from_client && config_.compacts();
  r.error = validator_.validate(payload, limits, validated_, r.error_message);
  if (r.error != ErrorCode::NONE) return r;
  if (const std::vector<int32_t>& keyless = validator_.keyless_records(); !keyless.empty()) {
    // As Kafka, every keyless record of the first batch holding one is listed, and the
    // partition's message names the first three.
    r.error = ErrorCode::INVALID_RECORD;
    const std::string why =
        fmt::format("Compacted topic cannot accept message without key in topic partition {}-{}",
                    topic_, partition_);
    std::string shown;
    for (size_t i = 0; i < keyless.size(); ++i) {
      r.record_errors.push_back({keyless[i], why});
      if (i < 3)
        shown += fmt::format("{}RecordError(batchIndex={}, message='{}')", i ? ", " : "",
                             keyless[i], why);
    }
    r.error_message = fmt::format(
        "One or more records have been rejected due to {} record errors in total, and only "
        "showing the first three errors at most: [{}]",
        keyless.size(), shown);
    return r;
  }
  if (const auto codec = config_.target_compression(); codec && o.from_client) {
    r.error = recompress(payload, *codec, r.error_message);
    if (r.error != ErrorCode::NONE) return r;
  }
  if (static_cast<int64_t>(payload.size()) > config_.segment_bytes) {
    r.error = ErrorCode::RECORD_LIST_TOO_LARGE;
    r.error_message =
        fmt::format("{} bytes exceed segment.bytes {}", payload.size(), config_.segment_bytes);
    return r;
  }

  // Idempotence: check every batch before anything is written.
  staged_index_.assign(validated_.size(), -1);
  int64_t staged = 0;
  int64_t incoming_max_ts = -1;
  int64_t record_total = 0;
  for (size_t i = 0; i < validated_.size(); ++i) {
    const BatchHeader& h = validated_[i].header;
    record_total += h.record_count;
    incoming_max_ts = std::max(incoming_max_ts, validated_[i].max_timestamp);
    if (!h.has_producer_id()) continue;
    ProducerCheck check;
    if (h.is_control()) {
      // Only internal writers get here (the validator refuses clients' control batches).
      TxnMarker marker;
      if (!parse_txn_marker(payload.subspan(validated_[i].position, h.size_in_bytes()), marker)) {
        producers_.abort();
        r.error = ErrorCode::INVALID_RECORD;
        r.error_message =
            fmt::format("control batch of producer {} is no transaction marker", h.producer_id);
        return r;
      }
      check = producers_.check_marker_and_stage(h, marker);
    } else {
      check = o.from_client ? producers_.check_and_stage(h) : producers_.check_epoch_and_stage(h);
    }
    if (check.error != ErrorCode::NONE) {
      producers_.abort();
      r.error = check.error;
      r.error_message = std::move(check.message);
      return r;
    }
    if (check.duplicate) {
      producers_.abort();
      r.duplicate = true;
      r.base_offset = check.duplicate->first_offset;
      r.last_offset = check.duplicate->last_offset;
      // Kafka answers a retried batch with the timestamp it keeps for it, whatever the
      // topic's timestamp type (its max timestamp, or the append time for LogAppendTime).
      r.log_append_time = check.duplicate->timestamp;
      return r;
    }
    staged_index_[i] = staged++;
  }

  const bool log_append_time = config_.message_timestamp_type == TimestampType::kLogAppendTime;
  if (log_append_time) incoming_max_ts = o.now_ms;
  {
    Segment& seg = active();
    const bool too_big =
        !seg.empty() && seg.size() + payload.size() > static_cast<uint64_t>(config_.segment_bytes);
    const bool offsets_overflow =
        log_end_offset_ + record_total - 1 - seg.base_offset() > INT32_MAX;
    if (too_big || offsets_overflow ||
        seg.should_roll_for_time(config_.segment_ms, o.now_ms, incoming_max_ts) ||
        (!seg.empty() && seg.index_full(config_.segment_index_bytes))) {
      roll(o.now_ms);
    }
  }

  // Assign offsets in place: base offset and leader epoch are outside the CRC; the
  // max timestamp is inside it and only rewritten when it changes.
  int64_t next = log_end_offset_;
  for (ValidatedBatch& vb : validated_) {
    const uint32_t size = vb.header.size_in_bytes();
    std::span<uint8_t> batch = payload.subspan(vb.position, size);
    patch_offset_and_epoch(batch.data(), next, o.leader_epoch);
    if (log_append_time) {
      patch_max_timestamp(batch, TimestampType::kLogAppendTime, o.now_ms);
      vb.max_timestamp = o.now_ms;
      vb.offset_delta_of_max_ts = 0;
    } else if (vb.header.max_timestamp != vb.max_timestamp ||
               vb.header.timestamp_type() != TimestampType::kCreateTime) {
      patch_max_timestamp(batch, TimestampType::kCreateTime, vb.max_timestamp);
    }
    vb.header.base_offset = next;
    next += vb.header.record_count;
  }

  Segment& seg = active();
  const uint64_t start_position = seg.size();
  files_changed_ = true;
  if (const int err = seg.append(payload); err != 0) {
    producers_.abort();
    r.error = ErrorCode::KAFKA_STORAGE_ERROR;
    r.error_message = fmt::format("write to {} failed: {}", dir_, std::strerror(err));
    spdlog::error("{}", r.error_message);
    return r;
  }
  for (size_t i = 0; i < validated_.size(); ++i) {
    const ValidatedBatch& vb = validated_[i];
    const BatchHeader& h = vb.header;
    seg.on_batch_appended(h.base_offset, h.last_offset(),
                          static_cast<uint32_t>(start_position + vb.position), h.size_in_bytes(),
                          vb.max_timestamp, h.base_offset + vb.offset_delta_of_max_ts,
                          config_.index_interval_bytes);
    if (staged_index_[i] >= 0) {
      producers_.set_staged_offsets(static_cast<size_t>(staged_index_[i]), h.base_offset,
                                    h.last_offset(), vb.max_timestamp);
    }
  }
  completed_.clear();
  producers_.commit(&completed_);
  for (const CompletedTxn& t : completed_) {
    if (t.aborted)
      seg.add_aborted_txn({t.producer_id, t.first_offset, t.last_offset, t.last_stable_offset});
  }

  r.base_offset = log_end_offset_;
  r.last_offset = next - 1;
  r.log_append_time = log_append_time ? o.now_ms : -1;
  log_end_offset_ = next;
  unflushed_bytes_ += payload.size();
  if (unflushed_since_ms_ < 0) unflushed_since_ms_ = o.now_ms;
  if (config_.flush_messages != LogConfig::kNoLimit &&
      log_end_offset_ - flushed_offset_ >= config_.flush_messages) {
    request_flush();
  }
  return r;
}

ErrorCode PartitionLog::recompress(std::span<uint8_t>& payload, Compression codec,
                                   std::string& message) {
  // Control batches (markers) keep their bytes, as do batches already in the codec.
  auto kept = [codec](const ValidatedBatch& vb) {
    return vb.header.compression() == codec || vb.header.is_control();
  };
  if (std::all_of(validated_.begin(), validated_.end(), kept))
    return ErrorCode::NONE;  // the common case: the client's bytes are stored
  transcoded_.clear();
  for (ValidatedBatch& vb : validated_) {
    const std::span<const uint8_t> batch = payload.subspan(vb.position, vb.header.size_in_bytes());
    const size_t at = transcoded_.size();
    if (kept(vb)) {
      transcoded_.insert(transcoded_.end(), batch.begin(), batch.end());
    } else if (!transcode_batch(batch, codec, transcoded_, transcode_records_, transcode_buffer_)) {
      message = fmt::format("cannot recompress a batch for compression.type {}",
                            config_.compression_type);
      return ErrorCode::CORRUPT_MESSAGE;
    }
    vb.position = static_cast<uint32_t>(at);
    vb.header = BatchHeader::parse(transcoded_.data() + at);
    if (vb.header.size_in_bytes() > static_cast<uint64_t>(config_.max_message_bytes)) {
      message = fmt::format("the batch recompressed with {} is {} bytes, over max.message.bytes {}",
                            config_.compression_type, vb.header.size_in_bytes(),
                            config_.max_message_bytes);
      return ErrorCode::MESSAGE_TOO_LARGE;
    }
  }
  payload = transcoded_;
  return ErrorCode::NONE;
}

bool PartitionLog::locate(int64_t offset, std::map<int64_t, std::unique_ptr<Segment>>::iterator& it,
                          uint64_t& position, BatchHeader& header, bool keep,
                          std::shared_ptr<const FileHandle>& file) {
  bool first = true;
  for (; it != segments_.end(); ++it, first = false) {
    Segment& seg = *it->second;
    uint64_t start = 0;
    if (first) {
      start = (read_hint_.offset == offset && read_hint_.segment_base == seg.base_offset() &&
               read_hint_.position <= seg.size())
                  ? read_hint_.position
                  : seg.position_floor(offset);
    }
    file = seg.log_file(keep);
    BatchScanner scanner(file, start, seg.size());
    while (scanner.next(header, position)) {
      if (header.last_offset() >= offset) return true;
    }
  }
  return false;
}

void PartitionLog::collect_aborted(int64_t offset, int64_t upper,
                                   std::vector<AbortedTransaction>& out) const {
  // An aborted transaction overlapping [offset, upper) has its marker at or past
  // `offset`, so in the segment holding `offset` or a later one. Entries are in marker
  // order; once one's last stable offset reaches `upper`, every later one starts at or
  // beyond it (Kafka's collectAbortedTransactions).
  bool complete = false;
  for (auto it = std::prev(segments_.upper_bound(offset)); it != segments_.end() && !complete;
       ++it) {
    const std::vector<AbortedTxnEntry>& entries = it->second->aborted_txns();
    auto e =
        std::lower_bound(entries.begin(), entries.end(), offset,
                         [](const AbortedTxnEntry& a, int64_t off) { return a.last_offset < off; });
    for (; e != entries.end() && !complete; ++e) {
      if (e->first_offset < upper) out.push_back({e->producer_id, e->first_offset});
      complete = e->last_stable_offset >= upper;
    }
  }
  std::sort(out.begin(), out.end(), [](const AbortedTransaction& a, const AbortedTransaction& b) {
    return a.first_offset < b.first_offset;
  });
}

ReadResult PartitionLog::read(int64_t offset, int32_t max_bytes, bool min_one_batch,
                              IsolationLevel isolation) try {
  ReadResult r;
  r.high_watermark = log_end_offset_;
  r.last_stable_offset = last_stable_offset();
  r.log_start_offset = log_start_offset_;
  if (offset < log_start_offset_ || offset > log_end_offset_) {
    r.error = ErrorCode::OFFSET_OUT_OF_RANGE;
    return r;
  }
  // read_committed stops at the last stable offset. It always falls on a batch
  // boundary (an ongoing transaction's first batch starts there), so a batch that
  // starts below it lies wholly below it.
  const bool committed = isolation == IsolationLevel::kReadCommitted;
  const int64_t end_offset = committed ? r.last_stable_offset : log_end_offset_;
  if (offset >= end_offset) return r;
  auto it = std::prev(segments_.upper_bound(offset));
  uint64_t position;
  BatchHeader h;
  // Near the open-file limit a read holds no descriptor past its return: it copies.
  const bool crowded = file_cache_ && file_cache_->crowded();
  std::shared_ptr<const FileHandle> file;
  if (!locate(offset, it, position, h, !crowded, file)) return r;
  if (h.base_offset >= end_offset) return r;

  Segment& seg = *it->second;
  const uint64_t start = position;
  uint64_t end = position + h.size_in_bytes();
  int64_t last = h.last_offset();
  const uint64_t limit = max_bytes < 0 ? 0 : static_cast<uint64_t>(max_bytes);
  if (h.size_in_bytes() > limit && !min_one_batch) return r;
  if (end - start < limit) {
    BatchScanner scanner(file, end, seg.size());
    while (scanner.next(h, position)) {
      if (position + h.size_in_bytes() - start > limit || h.base_offset >= end_offset) break;
      end = position + h.size_in_bytes();
      last = h.last_offset();
    }
  }
  const auto length = static_cast<uint32_t>(end - start);
  if (crowded) {
    // Responses in flight hold many descriptors already: hand out a copy rather than
    // one more (bounded by the fetch's size, and only under that pressure).
    auto copy = std::make_shared<std::vector<uint8_t>>(length);
    if (::pread(file->fd(), copy->data(), length, static_cast<off_t>(start)) !=
        static_cast<ssize_t>(length)) {
      throw std::system_error(errno ? errno : EIO, std::generic_category(), "read " + dir_);
    }
    r.slices.push_back(FileSlice{nullptr, 0, length, std::move(copy)});
  } else {
    r.slices.push_back(FileSlice{std::move(file), start, length, nullptr});
  }
  r.bytes = end - start;
  read_hint_ = {last + 1, seg.base_offset(), end};
  if (committed) collect_aborted(offset, last + 1, r.aborted);
  return r;
} catch (const std::system_error& e) {
  // A segment file that cannot be reopened (e.g. the open-file limit reached).
  spdlog::error("{}: read at offset {} failed: {}", dir_, offset, e.what());
  ReadResult r;
  r.error = ErrorCode::KAFKA_STORAGE_ERROR;
  return r;
}

OffsetLookup PartitionLog::offset_for_timestamp(int64_t ts, IsolationLevel isolation) try {
  OffsetLookup r;
  // What a consumer of this isolation level may read (Kafka's lastFetchableOffset).
  const int64_t fetchable =
      isolation == IsolationLevel::kReadCommitted ? last_stable_offset() : log_end_offset_;
  switch (ts) {
    case kLatestTimestamp:
      r.offset = fetchable;
      return r;
    case kEarliestTimestamp:
    case kEarliestLocalTimestamp:
      r.offset = log_start_offset_;
      return r;
    case kLatestTieredTimestamp:
      return r;  // nothing is tiered
    default:
      break;
  }
  if (ts == kMaxTimestamp) {
    const Segment* best = nullptr;
    for (const auto& [_, seg] : segments_) {
      if (seg->max_timestamp() >= 0 && (!best || seg->max_timestamp() > best->max_timestamp()))
        best = seg.get();
    }
    if (!best) return r;
    ts = best->max_timestamp();  // find the first record carrying it
  } else if (ts < 0) {
    r.error = ErrorCode::INVALID_REQUEST;
    return r;
  }
  for (auto it = segments_.begin(); it != segments_.end(); ++it) {
    Segment& seg = *it->second;
    if (seg.max_timestamp() < ts || seg.next_offset() <= log_start_offset_) continue;
    const int64_t from = std::max(seg.offset_floor_for_timestamp(ts), log_start_offset_);
    BatchScanner scanner(seg.log_file(!file_cache_ || !file_cache_->crowded()),
                         seg.position_floor(from), seg.size());
    BatchHeader h;
    uint64_t pos;
    while (scanner.next(h, pos)) {
      if (h.last_offset() < log_start_offset_ || h.max_timestamp < ts) continue;
      std::vector<uint8_t> batch;
      if (!scanner.load_current(batch)) break;
      const RecordSearchResult found =
          find_first_record_at_or_after(batch, ts, scratch_, log_start_offset_ - h.base_offset);
      if (found.offset_delta >= 0) {
        // Kafka answers no offset for a record a consumer of this level cannot read yet.
        if (h.base_offset + found.offset_delta >= fetchable) return r;
        r.offset = h.base_offset + found.offset_delta;
        r.timestamp = found.timestamp;
        return r;
      }
    }
  }
  return r;
} catch (const std::system_error& e) {
  spdlog::error("{}: timestamp lookup failed: {}", dir_, e.what());
  OffsetLookup r;
  r.error = ErrorCode::KAFKA_STORAGE_ERROR;
  return r;
}

void PartitionLog::when_flushed(int64_t offset, FlushCallback callback) {
  // Only what is written can be waited for; a later offset would never complete.
  offset = std::min(offset, log_end_offset_ - 1);
  if (offset < flushed_offset_) {
    flusher_.post([cb = std::move(callback)] { cb(ErrorCode::NONE); });
    return;
  }
  waiters_.push_back({offset, std::move(callback)});
  schedule_flush();
}

void PartitionLog::request_flush() {
  flush_requested_ = true;
  schedule_flush();
}

void PartitionLog::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  std::weak_ptr<char> alive = alive_;
  flusher_.post([this, alive] {
    if (alive.expired()) return;
    flush_scheduled_ = false;
    start_flush();
  });
}

void PartitionLog::maybe_flush_for_time(int64_t now_ms) {
  if (config_.flush_ms == LogConfig::kNoLimit || flushed_offset_ >= log_end_offset_) return;
  if (unflushed_since_ms_ >= 0 && now_ms - unflushed_since_ms_ >= config_.flush_ms) {
    request_flush();
  }
}

void PartitionLog::start_flush() {
  const bool needed = flush_requested_ || !waiters_.empty() || !pending_sync_.empty();
  if (!needed || flushes_.size() >= kMaxFlushesInFlight) return;
  // What the flushes in flight will make durable needs no new one.
  const int64_t covered = flushes_.empty() ? flushed_offset_ : flushes_.back().target;
  flush_requested_ = false;
  if (log_end_offset_ <= covered && pending_sync_.empty()) return;
  unflushed_since_ms_ = -1;
  // The aborted-transaction index is durable with the markers it lists: a flush that
  // covers a marker writes and syncs its entry too (and fails when it cannot).
  const int txn_error = active().persist_txn_index();
  if (txn_error != 0) {
    spdlog::error("{}: cannot write the transaction index: {}", dir_, std::strerror(txn_error));
  }
  active().persist_indexes();
  std::vector<SyncTarget> files = std::move(pending_sync_);
  pending_sync_.clear();
  active().take_txn_index_to_sync(files);
  // By path: a flush holds no descriptor while it waits for a flusher thread.
  files.push_back(active().log_sync_target());
  const uint64_t id = next_flush_id_++;
  flushes_.push_back({id, log_end_offset_, unflushed_bytes_});
  unflushed_bytes_ = 0;
  std::weak_ptr<char> alive = alive_;
  flusher_.submit(std::move(files), [this, alive, id, txn_error](int err) {
    if (alive.expired()) return;
    on_flush_done(id, err != 0 ? err : txn_error);
  });
}

void PartitionLog::on_flush_done(uint64_t id, int err) {
  for (InFlightFlush& f : flushes_) {
    if (f.id == id) {
      f.done = true;
      f.error = err;
    }
  }
  // Only a completed prefix counts: an older flush may still owe a rolled segment.
  while (!flushes_.empty() && flushes_.front().done) {
    const InFlightFlush f = flushes_.front();
    flushes_.pop_front();
    const ErrorCode ec = f.error == 0 ? ErrorCode::NONE : ErrorCode::KAFKA_STORAGE_ERROR;
    if (f.error == 0) {
      flushed_offset_ = std::max(flushed_offset_, f.target);
    } else {
      spdlog::error("{}: fsync failed: {}", dir_, std::strerror(f.error));
    }
    // Stable: waiters complete in the order they registered (an OffsetCommit answered
    // later must not be overtaken by an older one).
    const int64_t target = f.target;
    auto keep = std::stable_partition(waiters_.begin(), waiters_.end(),
                                      [target](const Waiter& w) { return w.offset >= target; });
    std::vector<Waiter> ready(std::make_move_iterator(keep),
                              std::make_move_iterator(waiters_.end()));
    waiters_.erase(keep, waiters_.end());
    if (auto* metrics = flusher_.metrics())
      metrics->flush_completed(ready.size(), f.bytes, f.error != 0);
    for (Waiter& w : ready) w.callback(ec);
  }
  if (!waiters_.empty() || flush_requested_ || !pending_sync_.empty()) start_flush();
}

bool PartitionLog::delete_segment(std::map<int64_t, std::unique_ptr<Segment>>::iterator it) {
  // A deletion changes the log, so the start-up steps go first; a retention check that
  // deletes nothing leaves them waiting.
  if (gate_ && !gate_->pass()) return false;
  files_changed_ = true;
  it->second->delete_files();
  if (read_hint_.segment_base == it->first) read_hint_ = {};
  segments_.erase(it);
  return true;
}

void PartitionLog::delete_segments_below_log_start() {
  while (segments_.size() > 1 && std::next(segments_.begin())->first <= log_start_offset_) {
    if (!delete_segment(segments_.begin())) break;
  }
}

bool PartitionLog::persist_log_start_offset(int64_t offset) {
  files_changed_ = true;
  try {
    write_file_durably(dir_ + "/" + kLogStartFile, fmt::format("{}\n", offset));
    return true;
  } catch (const std::exception& e) {
    spdlog::error("{}: cannot record log start offset {}: {}", dir_, offset, e.what());
    return false;
  }
}

ErrorCode PartitionLog::delete_records_before(int64_t offset) {
  if (offset == -1) offset = log_end_offset_;
  if (offset < 0 || offset > log_end_offset_) return ErrorCode::OFFSET_OUT_OF_RANGE;
  if (offset > log_start_offset_) {
    if (gate_ && !gate_->pass()) return ErrorCode::KAFKA_STORAGE_ERROR;
    // Durable before it is visible: a restart must not bring deleted records back.
    if (!persist_log_start_offset(offset)) return ErrorCode::KAFKA_STORAGE_ERROR;
    log_start_offset_ = offset;
    delete_segments_below_log_start();
  }
  return ErrorCode::NONE;
}

size_t PartitionLog::enforce_retention(int64_t now_ms) {
  size_t deleted = 0;
  const bool deletes = config_.deletes_segments();
  if (deletes && config_.retention_ms >= 0) {
    while (segments_.size() > 1) {
      const int64_t newest = segments_.begin()->second->retention_timestamp();
      if (newest < 0 || now_ms - newest <= config_.retention_ms) break;
      if (!delete_segment(segments_.begin())) return deleted;
      ++deleted;
    }
  }
  if (deletes && config_.retention_bytes >= 0) {
    uint64_t total = size_bytes();
    while (segments_.size() > 1) {
      const uint64_t first_size = segments_.begin()->second->size();
      if (total - first_size < static_cast<uint64_t>(config_.retention_bytes)) break;
      if (!delete_segment(segments_.begin())) return deleted;
      total -= first_size;
      ++deleted;
    }
  }
  const size_t before = segments_.size();
  delete_segments_below_log_start();
  deleted += before - segments_.size();
  if (segments_.begin()->first > log_start_offset_) {
    log_start_offset_ = segments_.begin()->first;
  }
  return deleted;
}

std::optional<cleaner::CleanPlan> PartitionLog::plan_clean(const LogCleanOptions& o,
                                                           LogCleanResult& res) {
  res = {};
  res.first_dirty_offset = std::max(o.first_dirty_offset, log_start_offset_);
  // Whole sealed segments below the cleanable end.
  const int64_t end = std::min({o.end_offset, active().base_offset(), last_stable_offset()});
  cleaner::CleanPlan plan;
  try {
    for (auto& [base, seg] : segments_) {
      if (seg.get() == &active() || seg->next_offset() > end) break;
      plan.sources.push_back({base, seg->log_file(false), seg->size()});
      plan.index_bytes.push_back(seg->offset_index().size() * 8);
      plan.next_offsets.push_back(seg->next_offset());
    }
  } catch (const std::system_error& e) {
    spdlog::error("{}: clean: cannot open a segment: {}", dir_, e.what());
    res.error = ErrorCode::KAFKA_STORAGE_ERROR;
    return std::nullopt;
  }
  if (plan.sources.empty()) return std::nullopt;
  plan.clean_end = plan.next_offsets.back();
  if (res.first_dirty_offset >= plan.clean_end) return std::nullopt;  // nothing dirty
  if (gate_ && !gate_->pass()) {
    res.error = ErrorCode::KAFKA_STORAGE_ERROR;
    return std::nullopt;
  }
  plan.dir = dir_;
  plan.now_ms = o.now_ms;
  plan.delete_retention_ms = o.delete_retention_ms;
  plan.dedupe_buffer_bytes = o.dedupe_buffer_bytes;
  plan.load_factor = o.load_factor;
  plan.index_interval_bytes = config_.index_interval_bytes;
  plan.segment_bytes = static_cast<uint64_t>(config_.segment_bytes);
  plan.segment_index_bytes = static_cast<uint64_t>(config_.segment_index_bytes);
  plan.first_dirty_offset = res.first_dirty_offset;
  plan.last_step = o.last_step;
  for (const auto& [_, seg] : segments_) {
    const auto& entries = seg->aborted_txns();
    plan.aborted_txns.insert(plan.aborted_txns.end(), entries.begin(), entries.end());
  }
  for (const ProducerEntry& p : producers_.entries()) {
    if (const ProducerBatchMeta* last = p.last())
      plan.last_batch_of_producer[p.producer_id] = last->first_offset;
    else
      plan.marker_epoch_of_producer[p.producer_id] = p.epoch;
  }
  return plan;
}

LogCleanResult PartitionLog::finish_clean(const cleaner::CleanPlan& plan,
                                          cleaner::CleanOutcome&& outcome) {
  LogCleanResult res;
  res.first_dirty_offset = plan.first_dirty_offset;
  res.stats = outcome.stats;
  res.error = outcome.error;
  if (outcome.error != ErrorCode::NONE) return res;
  if (plan.last_step == cleaner::SwapStep::kWriteCleaned) return res;  // a test's "crash"
  const auto started = std::chrono::steady_clock::now();
  size_t dropped = 0;
  // The groups whose source segments are all still here; a group retention or
  // DeleteRecords took a source of meanwhile is dropped (what it held is gone anyway).
  std::vector<const cleaner::CleanedGroup*> groups;
  for (const cleaner::CleanedGroup& g : outcome.groups) {
    const bool intact = std::all_of(g.bases.begin(), g.bases.end(),
                                    [&](int64_t b) { return segments_.count(b) != 0; });
    if (intact && (!gate_ || gate_->pass())) {
      groups.push_back(&g);
    } else {
      cleaner::discard_cleaned(dir_, g.segment.base_offset);
      ++dropped;
    }
  }
  if (!groups.empty()) {
    files_changed_ = true;
    // Each step for every group, then one directory fsync: three on the loop thread
    // whatever the number of groups.
    try {
      for (const auto* g : groups)
        cleaner::rename_cleaned_to_swap(dir_, g->segment.base_offset, false);
      fsync_directory(dir_);
      if (plan.last_step < cleaner::SwapStep::kDeleteReplaced) return res;  // a test's "crash"
      for (const auto* g : groups) cleaner::delete_replaced_segments(dir_, g->bases, false);
      fsync_directory(dir_);
      if (plan.last_step < cleaner::SwapStep::kRenameToFinal) return res;
      for (const auto* g : groups)
        cleaner::rename_swap_to_final(dir_, g->segment.base_offset, false);
      fsync_directory(dir_);
      for (const auto* g : groups) {
        for (const int64_t b : g->bases) {
          if (read_hint_.segment_base == b) read_hint_ = {};
          segments_.erase(b);
        }
        segments_.emplace(g->segment.base_offset, Segment::open(dir_, g->segment.base_offset, false,
                                                                config_.index_interval_bytes,
                                                                plan.now_ms, file_cache_, true));
      }
      res.cleaned = true;
    } catch (const std::exception& e) {
      spdlog::error("{}: swap of a clean failed: {}", dir_, e.what());
      std::vector<int64_t> bases;
      for (const auto* g : groups) bases.insert(bases.end(), g->bases.begin(), g->bases.end());
      reload_segments_after_failed_clean(bases, plan.now_ms);
      res.error = ErrorCode::KAFKA_STORAGE_ERROR;
      return res;
    }
  }
  if (outcome.covered > plan.first_dirty_offset) res.first_dirty_offset = outcome.covered;
  const auto swap_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  const cleaner::CleanStats& st = res.stats;
  spdlog::info(
      "{}: cleaned {} segments into {} in {} ms (swap {} ms{}): read {} bytes, wrote {} "
      "({:.1f}%), removed {} of {} records{}; key map {} keys ({:.1f}% full); dirty from "
      "offset {} now",
      dir_, st.segments_cleaned, st.segments_written, outcome.took.count() + swap_ms.count(),
      swap_ms.count(),
      dropped ? fmt::format(", {} group(s) dropped: their segments were deleted meanwhile", dropped)
              : std::string(),
      st.bytes_read, st.bytes_written,
      st.bytes_read ? 100.0 * double(st.bytes_written) / double(st.bytes_read) : 0.0,
      st.records_removed, st.records_read,
      st.markers_removed ? fmt::format(" ({} transaction markers)", st.markers_removed)
                         : std::string(),
      outcome.map_keys, 100.0 * outcome.map_utilization, res.first_dirty_offset);
  return res;
}

LogCleanResult PartitionLog::clean(const LogCleanOptions& o) {
  LogCleanResult res;
  std::optional<cleaner::CleanPlan> plan = plan_clean(o, res);
  if (!plan) return res;
  return finish_clean(*plan, cleaner::run_clean(*plan));
}

void PartitionLog::reload_segments_after_failed_clean(const std::vector<int64_t>& bases,
                                                      int64_t now_ms) {
  try {
    cleaner::recover_interrupted_clean(dir_);
    for (const int64_t b : bases) {
      if (read_hint_.segment_base == b) read_hint_ = {};
      segments_.erase(b);
      if (fs::exists(segment_file_path(dir_, b, ".log"))) {
        segments_.emplace(
            b, Segment::open(dir_, b, false, config_.index_interval_bytes, now_ms, file_cache_,
                             fs::exists(segment_file_path(dir_, b, ".txnindex"))));
      }
    }
  } catch (const std::exception& e) {
    // The files are what a restart recovers from; until then reads of this range fail.
    spdlog::error("{}: cannot reload the segments of a failed clean: {}", dir_, e.what());
  }
}

void PartitionLog::close(bool sync) {
  Segment& seg = active();
  seg.seal_time_index();
  // With many idle partitions, their fsyncs (log, indexes, directory) were most of a
  // shutdown: skip them where nothing changed.
  if (needs_sync_on_close()) sync_all_for_close(seg, sync);
  flushed_offset_ = log_end_offset_;
  std::vector<Waiter> ready = std::move(waiters_);
  waiters_.clear();
  for (Waiter& w : ready) w.callback(ErrorCode::NONE);
}

bool PartitionLog::needs_sync_on_close() const {
  // A sealed time index may still gain its final entry: count that as a change.
  const Segment& seg = *segments_.rbegin()->second;
  return files_changed_ || seg.has_unwritten_index_entries() || seg.time_index_needs_seal() ||
         !pending_sync_.empty() || snapshot_on_disk_ != log_end_offset_;
}

void PartitionLog::sync_all_for_close(Segment& seg, bool sync) {
  seg.persist_indexes();
  // Producer state changes only with appends: a log nothing was appended to since its
  // snapshot keeps that file.
  if (snapshot_on_disk_ != log_end_offset_) write_snapshot(log_end_offset_);
  std::vector<SyncTarget> files = std::move(pending_sync_);
  pending_sync_.clear();
  for (auto& f : seg.take_files_to_sync()) files.push_back(std::move(f));
  files.push_back(SyncTarget::at(dir_));
  if (sync) {
    for (const auto& f : files) sync_or_warn(f, dir_);
  }
  files_changed_ = false;
}

}  // namespace samsa::storage
