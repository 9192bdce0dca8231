#include "samsa/storage/segment.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "samsa/storage/crc32c.h"

namespace samsa::storage {
namespace bl = batch_layout;
namespace {

constexpr size_t kOffsetEntrySize = 8;
constexpr size_t kTimeEntrySize = 12;
constexpr size_t kWindowSize = 64 * 1024;
constexpr size_t kSmallWindow = 4 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::shared_ptr<const FileHandle> open_file(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno("open " + path);
  return std::make_shared<const FileHandle>(fd);
}

bool pread_full(int fd, uint8_t* buf, size_t n, uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    buf += r;
    n -= static_cast<size_t>(r);
    at += static_cast<uint64_t>(r);
  }
  return true;
}

bool pwrite_full(int fd, const uint8_t* buf, size_t n, uint64_t at) {
  while (n > 0) {
    const ssize_t r = ::pwrite(fd, buf, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = EIO;
      return false;
    }
    buf += r;
    n -= static_cast<size_t>(r);
    at += static_cast<uint64_t>(r);
  }
  return true;
}

std::vector<uint8_t> read_whole(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {};
  std::vector<uint8_t> data(static_cast<size_t>(st.st_size));
  if (!data.empty() && !pread_full(fd, data.data(), data.size(), 0)) return {};
  return data;
}

}  // namespace

std::string segment_file_path(const std::string& dir, int64_t base_offset, const char* ext) {
  return fmt::format("{}/{:020d}{}", dir, base_offset, ext);
}

// --- BatchScanner ---------------------------------------------------------------

bool BatchScanner::fill(uint64_t at, size_t need) {
  if (at >= window_start_ && at + need <= window_start_ + window_.size()) return true;
  // After a big batch the next header is far away: read just around it.
  const size_t want = current_size_ > kWindowSize / 4 ? kSmallWindow : kWindowSize;
  const size_t len = static_cast<size_t>(std::min<uint64_t>(std::max(want, need), end_ - at));
  window_.resize(len);
  window_start_ = at;
  return len >= need && pread_full(file_->fd(), window_.data(), len, at);
}

bool BatchScanner::next(BatchHeader& h, uint64_t& position) {
  if (pos_ >= end_ || torn_) return false;
  if (end_ - pos_ < bl::kHeaderSize || !fill(pos_, bl::kHeaderSize)) {
    torn_ = true;
    return false;
  }
  h = BatchHeader::parse(window_.data() + (pos_ - window_start_));
  if (h.magic != kCurrentMagic ||
      h.batch_length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead) ||
      h.size_in_bytes() > end_ - pos_) {
    torn_ = true;
    return false;
  }
  position = current_ = pos_;
  current_size_ = h.size_in_bytes();
  pos_ += current_size_;
  return true;
}

bool BatchScanner::load_current(std::vector<uint8_t>& out) const {
  out.resize(current_size_);
  return pread_full(file_->fd(), out.data(), out.size(), current_);
}

// --- Segment --------------------------------------------------------------------

Segment::Segment(std::string dir, int64_t base_offset, OpenFileCache* cache)
    : dir_(std::move(dir)), base_offset_(base_offset), next_offset_(base_offset) {
  cache_ = cache;
}

Segment::~Segment() = default;

// Only the log stays open, and only while the OpenFileCache keeps it. The indexes live
// in memory; their files are opened for the moment they are read (open), written
// (persist_indexes) or synced (take_files_to_sync).
void Segment::open_files(bool create) {
  const int log_flags = O_RDWR | (create ? O_CREAT | O_TRUNC : 0);
  log_ = open_file(path(".log"), log_flags);
  // Kafka's layout has both index files next to every log, even when empty.
  open_file(path(".index"), O_WRONLY | O_CREAT | (create ? O_TRUNC : 0));
  open_file(path(".timeindex"), O_WRONLY | O_CREAT | (create ? O_TRUNC : 0));
  struct stat st {};
  if (::fstat(log_->fd(), &st) != 0) throw_errno("fstat " + path(".log"));
  size_ = static_cast<uint64_t>(st.st_size);
  if (cache_) cache_->touch(*this);
}

std::shared_ptr<const FileHandle> Segment::log_file(bool keep) {
  if (!log_) {
    if (!keep) return open_file(path(".log"), O_RDONLY);
    log_ = open_file(path(".log"), O_RDWR);
  }
  if (cache_) cache_->touch(*this);
  return log_;
}

// Unsynced writes stay in the page cache when the descriptor closes; the next flush
// syncs them through a descriptor of its own (and is told of a failed write-back, which
// the kernel reports to every descriptor opened before anyone has seen it).
void Segment::close_for_cache() {
  log_.reset();
}

std::unique_ptr<Segment> Segment::create(const std::string& dir, int64_t base_offset,
                                         int64_t now_ms, OpenFileCache* cache) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, cache));
  s->open_files(true);
  s->created_ms_ = now_ms;
  return s;
}

std::unique_ptr<Segment> Segment::open(const std::string& dir, int64_t base_offset,
                                       bool full_recovery, int32_t index_interval_bytes,
                                       int64_t now_ms, OpenFileCache* cache, bool has_txn_index) {
  std::unique_ptr<Segment> s(new Segment(dir, base_offset, cache));
  s->open_files(false);
  s->created_ms_ = now_ms;
  if (full_recovery || !s->load_indexes()) {
    s->offset_index_.clear();
    s->time_index_.clear();
    s->rewrite_indexes_ = true;
    s->recover_from(0, true, index_interval_bytes);
  } else {
    const uint64_t start = s->offset_index_.empty() ? 0 : s->offset_index_.back().position;
    s->recover_from(start, false, index_interval_bytes);
  }
  if (has_txn_index) s->load_txn_index();
  // The first batch's timestamp drives time-based rolling.
  if (s->size_ >= bl::kHeaderSize) {
    uint8_t h[bl::kHeaderSize];
    if (pread_full(s->log_file()->fd(), h, sizeof h, 0)) {
      s->first_batch_timestamp_ = BatchHeader::parse(h).max_timestamp;
    }
  }
  return s;
}

// Loads both index files, keeping their longest consistent prefix. Returns false when
// the offset index cannot be trusted at all (the caller then rebuilds from the log).
bool Segment::load_indexes() {
  const std::vector<uint8_t> idx = read_whole(open_file(path(".index"), O_RDONLY)->fd());
  const std::vector<uint8_t> tidx = read_whole(open_file(path(".timeindex"), O_RDONLY)->fd());
  if (idx.size() % kOffsetEntrySize != 0 || tidx.size() % kTimeEntrySize != 0) return false;
  for (size_t at = 0; at < idx.size(); at += kOffsetEntrySize) {
    const OffsetIndexEntry e{load_be32(&idx[at]), static_cast<uint32_t>(load_be32(&idx[at + 4]))};
    const bool ordered =
        offset_index_.empty() || (e.relative_offset > offset_index_.back().relative_offset &&
                                  e.position > offset_index_.back().position);
    if (!ordered || e.relative_offset < 0 || uint64_t(e.position) + bl::kHeaderSize > size_) {
      // Kafka preallocates index files with zeros; anything past the last good entry
      // is dropped and the file rewritten.
      rewrite_indexes_ = true;
      break;
    }
    offset_index_.push_back(e);
  }
  for (size_t at = 0; at < tidx.size(); at += kTimeEntrySize) {
    const TimeIndexEntry e{load_be64(&tidx[at]), load_be32(&tidx[at + 8])};
    const bool ordered =
        time_index_.empty() || (e.timestamp > time_index_.back().timestamp &&
                                e.relative_offset >= time_index_.back().relative_offset);
    if (!ordered || e.relative_offset < 0) {
      rewrite_indexes_ = true;
      break;
    }
    time_index_.push_back(e);
  }
  offset_index_persisted_ = offset_index_.size();
  time_index_persisted_ = time_index_.size();
  if (!offset_index_.empty()) {
    // The last entry must point at the batch it names.
    uint8_t h[bl::kHeaderSize];
    if (!pread_full(log_file()->fd(), h, sizeof h, offset_index_.back().position)) return false;
    if (BatchHeader::parse(h).base_offset != base_offset_ + offset_index_.back().relative_offset)
      return false;
  }
  if (!time_index_.empty()) {
    max_timestamp_ = time_index_.back().timestamp;
    offset_of_max_timestamp_ = base_offset_ + time_index_.back().relative_offset;
  }
  return true;
}

void Segment::recover_from(uint64_t start, bool check_crc, int32_t index_interval_bytes) {
  const std::shared_ptr<const FileHandle> file = log_file();
  BatchScanner scanner(file, start, size_);
  BatchHeader h;
  uint64_t pos = start;
  uint64_t good_end = start;
  std::vector<uint8_t> batch;
  bytes_since_index_entry_ = 0;
  const uint32_t indexed_position = offset_index_.empty() ? 0 : offset_index_.back().position;
  int64_t expected_min = start == 0 ? base_offset_ : next_offset_;
  bool corrupt = false;
  while (scanner.next(h, pos)) {
    if (h.base_offset < expected_min || h.last_offset_delta < 0) {
      corrupt = true;
      break;
    }
    if (check_crc) {
      if (!scanner.load_current(batch) || compute_batch_crc(batch) != h.crc) {
        corrupt = true;
        break;
      }
    }
    const bool already_indexed = !offset_index_.empty() && pos == indexed_position;
    if (already_indexed) {
      max_timestamp_ = std::max(max_timestamp_, h.max_timestamp);
      if (max_timestamp_ == h.max_timestamp) offset_of_max_timestamp_ = h.base_offset;
      bytes_since_index_entry_ = h.size_in_bytes();
      next_offset_ = h.last_offset() + 1;
    } else {
      on_batch_appended(h.base_offset, h.last_offset(), static_cast<uint32_t>(pos),
                        h.size_in_bytes(), h.max_timestamp, h.base_offset, index_interval_bytes);
    }
    expected_min = next_offset_;
    good_end = pos + h.size_in_bytes();
  }
  if (scanner.torn() || corrupt || good_end < size_) {
    spdlog::warn("{}: truncating {} bytes of torn or corrupt data at position {}", path(".log"),
                 size_ - good_end, good_end);
    if (::ftruncate(file->fd(), static_cast<off_t>(good_end)) != 0)
      throw_errno("truncate " + path(".log"));
    truncated_bytes_ = size_ - good_end;
    size_ = good_end;
    // Index entries past the cut are invalid.
    while (!offset_index_.empty() && offset_index_.back().position >= size_) {
      offset_index_.pop_back();
      rewrite_indexes_ = true;
    }
  }
  while (!time_index_.empty() &&
         base_offset_ + time_index_.back().relative_offset >= next_offset_ &&
         next_offset_ > base_offset_) {
    time_index_.pop_back();
    rewrite_indexes_ = true;
  }
  if (size_ == 0) {
    next_offset_ = base_offset_;
    time_index_.clear();
    offset_index_.clear();
    max_timestamp_ = offset_of_max_timestamp_ = -1;
  }
}

void Segment::load_txn_index() {
  const int fd = ::open(path(".txnindex").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) throw_errno("open " + path(".txnindex"));
    return;
  }
  const FileHandle file(fd);
  txn_index_exists_ = true;
  const std::vector<uint8_t> data = read_whole(file.fd());
  // A torn last entry (a crash mid-write) is cut, as is anything after a bad entry.
  if (data.size() % kTxnIndexEntrySize != 0) rewrite_txn_index_ = true;
  for (size_t at = 0; at + kTxnIndexEntrySize <= data.size(); at += kTxnIndexEntrySize) {
    AbortedTxnEntry e;
    const bool valid = decode_txn_index_entry(&data[at], e) && e.last_offset >= base_offset_ &&
                       e.last_offset < next_offset_ &&
                       (aborted_.empty() || e.last_offset > aborted_.back().last_offset);
    if (!valid) {
      spdlog::warn("{}: dropping transaction index entries from position {}", path(".txnindex"),
                   at);
      rewrite_txn_index_ = true;
      break;
    }
    aborted_.push_back(e);
  }
  if (rewrite_txn_index_ && data.size() % kTxnIndexEntrySize != 0) {
    spdlog::warn("{}: cutting a torn entry", path(".txnindex"));
  }
  aborted_persisted_ = aborted_.size();
}

void Segment::add_aborted_txn(const AbortedTxnEntry& entry) {
  aborted_.push_back(entry);
}

size_t Segment::truncate_aborted_txns(int64_t offset) {
  size_t keep = aborted_.size();
  while (keep > 0 && aborted_[keep - 1].last_offset >= offset) --keep;
  const size_t dropped = aborted_.size() - keep;
  if (keep < aborted_persisted_) {
    aborted_persisted_ = keep;
    rewrite_txn_index_ = true;
  }
  aborted_.resize(keep);
  return dropped;
}

int Segment::persist_txn_index() try {
  if (!txn_index_dirty()) return 0;
  const std::string file_path = path(".txnindex");
  if (rewrite_txn_index_) {
    rewrite_txn_index_ = false;
    if (aborted_.empty() && !txn_index_exists_) return 0;
    // Only recovery rewrites (on the loading thread). The file is replaced atomically:
    // a crash in the middle must not lose the entries below the producer snapshot,
    // which nothing re-derives. The caller syncs the directory.
    std::vector<uint8_t> buf(aborted_.size() * kTxnIndexEntrySize);
    for (size_t i = 0; i < aborted_.size(); ++i)
      encode_txn_index_entry(aborted_[i], buf.data() + i * kTxnIndexEntrySize);
    const std::string tmp = file_path + ".tmp";
    const auto file = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!pwrite_full(file->fd(), buf.data(), buf.size(), 0) || ::fdatasync(file->fd()) != 0 ||
        ::rename(tmp.c_str(), file_path.c_str()) != 0) {
      rewrite_txn_index_ = true;
      return errno ? errno : EIO;
    }
    txn_index_exists_ = true;
    txn_index_unsynced_ = true;
    aborted_persisted_ = aborted_.size();
    return 0;
  }
  const size_t count = aborted_.size() - aborted_persisted_;
  std::vector<uint8_t> buf(count * kTxnIndexEntrySize);
  for (size_t i = 0; i < count; ++i)
    encode_txn_index_entry(aborted_[aborted_persisted_ + i], buf.data() + i * kTxnIndexEntrySize);
  const auto file = open_file(file_path, O_WRONLY | O_CREAT);
  txn_index_exists_ = true;
  txn_index_unsynced_ = true;
  if (!pwrite_full(file->fd(), buf.data(), buf.size(), aborted_persisted_ * kTxnIndexEntrySize))
    return errno ? errno : EIO;
  aborted_persisted_ = aborted_.size();
  return 0;
} catch (const std::system_error& e) {
  return e.code().value() ? e.code().value() : EIO;
}

bool Segment::take_txn_index_to_sync(std::vector<SyncTarget>& files) {
  if (!txn_index_unsynced_) return false;
  files.push_back(SyncTarget::at(path(".txnindex")));
  txn_index_unsynced_ = false;
  return true;
}

int Segment::append(std::span<const uint8_t> bytes) {
  std::shared_ptr<const FileHandle> file;
  try {
    file = log_file();
  } catch (const std::system_error& e) {
    return e.code().value() ? e.code().value() : EIO;
  }
  const int fd = file->fd();
  if (!pwrite_full(fd, bytes.data(), bytes.size(), size_)) {
    const int err = errno;
    // Never leave half a batch behind: later appends and reads assume whole batches.
    if (::ftruncate(fd, static_cast<off_t>(size_)) != 0) {
      spdlog::error("{}: cannot cut back a failed write", path(".log"));
    }
    return err ? err : EIO;
  }
  size_ += bytes.size();
  return 0;
}

void Segment::on_batch_appended(int64_t base_offset, int64_t last_offset, uint32_t position,
                                uint32_t size, int64_t max_timestamp, int64_t offset_of_max_ts,
                                int32_t index_interval_bytes) {
  if (first_batch_timestamp_ < 0 && position == 0) first_batch_timestamp_ = max_timestamp;
  if (max_timestamp > max_timestamp_) {
    max_timestamp_ = max_timestamp;
    offset_of_max_timestamp_ = offset_of_max_ts;
  }
  // Kafka's rule: index a batch once more than index.interval.bytes were written since
  // the previous entry.
  if (bytes_since_index_entry_ > static_cast<uint32_t>(index_interval_bytes)) {
    offset_index_.push_back({static_cast<int32_t>(base_offset - base_offset_), position});
    if (max_timestamp_ >= 0 &&
        (time_index_.empty() || max_timestamp_ > time_index_.back().timestamp)) {
      time_index_.push_back(
          {max_timestamp_, static_cast<int32_t>(offset_of_max_timestamp_ - base_offset_)});
    }
    bytes_since_index_entry_ = 0;
  }
  bytes_since_index_entry_ += size;
  next_offset_ = last_offset + 1;
}

int64_t Segment::retention_timestamp() const {
  if (max_timestamp_ >= 0) return max_timestamp_;
  struct stat st;
  if (::stat(path(".log").c_str(), &st) != 0) return -1;
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

bool Segment::should_roll_for_time(int64_t segment_ms, int64_t now_ms,
                                   int64_t incoming_max_ts) const {
  if (empty()) return false;
  if (first_batch_timestamp_ >= 0 && incoming_max_ts >= 0) {
    return incoming_max_ts - first_batch_timestamp_ > segment_ms;
  }
  return now_ms - created_ms_ > segment_ms;
}

bool Segment::index_full(int32_t segment_index_bytes) const {
  return offset_index_.size() >= static_cast<size_t>(segment_index_bytes) / kOffsetEntrySize ||
         time_index_.size() + 1 >= static_cast<size_t>(segment_index_bytes) / kTimeEntrySize;
}

uint32_t Segment::position_floor(int64_t offset) const {
  const int64_t rel = offset - base_offset_;
  auto it =
      std::upper_bound(offset_index_.begin(), offset_index_.end(), rel,
                       [](int64_t r, const OffsetIndexEntry& e) { return r < e.relative_offset; });
  return it == offset_index_.begin() ? 0 : std::prev(it)->position;
}

int64_t Segment::offset_floor_for_timestamp(int64_t ts) const {
  // Entries are (max timestamp so far, offset holding it): the last entry below `ts`
  // proves that nothing before its batch can match.
  auto it = std::lower_bound(time_index_.begin(), time_index_.end(), ts,
                             [](const TimeIndexEntry& e, int64_t t) { return e.timestamp < t; });
  return it == time_index_.begin() ? base_offset_ : base_offset_ + std::prev(it)->relative_offset;
}

void Segment::seal_time_index() {
  if (time_index_needs_seal()) {
    time_index_.push_back(
        {max_timestamp_, static_cast<int32_t>(offset_of_max_timestamp_ - base_offset_)});
  }
}

int Segment::persist_indexes() try {
  std::shared_ptr<const FileHandle> index_file, time_index_file;
  if (rewrite_indexes_) {
    index_file = open_file(path(".index"), O_WRONLY | O_CREAT | O_TRUNC);
    time_index_file = open_file(path(".timeindex"), O_WRONLY | O_CREAT | O_TRUNC);
    offset_index_persisted_ = time_index_persisted_ = 0;
    rewrite_indexes_ = false;
    indexes_unsynced_ = true;
  }
  std::vector<uint8_t> buf;
  if (offset_index_persisted_ < offset_index_.size()) {
    buf.resize((offset_index_.size() - offset_index_persisted_) * kOffsetEntrySize);
    uint8_t* p = buf.data();
    for (size_t i = offset_index_persisted_; i < offset_index_.size(); ++i, p += kOffsetEntrySize) {
      store_be32(p, offset_index_[i].relative_offset);
      store_be32(p + 4, static_cast<int32_t>(offset_index_[i].position));
    }
    if (!index_file) index_file = open_file(path(".index"), O_WRONLY | O_CREAT);
    indexes_unsynced_ = true;
    if (!pwrite_full(index_file->fd(), buf.data(), buf.size(),
                     offset_index_persisted_ * kOffsetEntrySize))
      return errno;
    offset_index_persisted_ = offset_index_.size();
  }
  if (time_index_persisted_ < time_index_.size()) {
    buf.resize((time_index_.size() - time_index_persisted_) * kTimeEntrySize);
    uint8_t* p = buf.data();
    for (size_t i = time_index_persisted_; i < time_index_.size(); ++i, p += kTimeEntrySize) {
      store_be64(p, time_index_[i].timestamp);
      store_be32(p + 8, time_index_[i].relative_offset);
    }
    if (!time_index_file) time_index_file = open_file(path(".timeindex"), O_WRONLY | O_CREAT);
    indexes_unsynced_ = true;
    if (!pwrite_full(time_index_file->fd(), buf.data(), buf.size(),
                     time_index_persisted_ * kTimeEntrySize))
      return errno;
    time_index_persisted_ = time_index_.size();
  }
  return persist_txn_index();
} catch (const std::system_error& e) {
  return e.code().value();
}

std::vector<SyncTarget> Segment::take_files_to_sync() {
  std::vector<SyncTarget> files{log_sync_target()};
  if (indexes_unsynced_) {
    files.push_back(SyncTarget::at(path(".index")));
    files.push_back(SyncTarget::at(path(".timeindex")));
    indexes_unsynced_ = false;
  }
  take_txn_index_to_sync(files);
  return files;
}

void Segment::delete_files() {
  for (const char* ext : {".log", ".index", ".timeindex", ".txnindex"}) ::unlink(path(ext).c_str());
}

}  // namespace samsa::storage
