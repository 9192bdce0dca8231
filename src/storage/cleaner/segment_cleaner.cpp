#include "samsa/storage/cleaner/segment_cleaner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "samsa/storage/compression.h"
#include "samsa/storage/segment.h"
#include "samsa/util/durable_file.h"

namespace samsa::storage::cleaner {
namespace fs = std::filesystem;
namespace bl = batch_layout;
namespace {

constexpr const char* kCleanedSuffix = ".cleaned";
constexpr const char* kSwapSuffix = ".swap";
// The log last: its name is what commits each step.
constexpr const char* kAllExts[] = {".index", ".timeindex", ".txnindex", ".log"};
constexpr size_t kWriteBuffer = 1 << 20;
constexpr size_t kMaxUncompressedBytes = 256u << 20;

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

std::shared_ptr<const FileHandle> open_file(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(errno, "open " + path);
  return std::make_shared<const FileHandle>(fd);
}

void write_all(const FileHandle& file, const uint8_t* p, size_t n, uint64_t at,
               const std::string& path) {
  while (n > 0) {
    const ssize_t r = ::pwrite(file.fd(), p, n, static_cast<off_t>(at));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) throw_errno(r == 0 ? EIO : errno, "write " + path);
    p += r;
    n -= static_cast<size_t>(r);
    at += static_cast<uint64_t>(r);
  }
}

void sync_file(const FileHandle& file, const std::string& path) {
  if (::fdatasync(file.fd()) != 0) throw_errno(errno, "fsync " + path);
}

void rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_errno(errno, "rename " + from);
}

void unlink_if_exists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(errno, "delete " + path);
}

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

// `<20 digits><rest>`: the base offset and the rest of the name.
bool parse_name(const std::string& name, int64_t& base, std::string& rest) {
  if (name.size() <= 20) return false;
  const auto [p, ec] = std::from_chars(name.data(), name.data() + 20, base);
  if (ec != std::errc() || p != name.data() + 20) return false;
  rest = name.substr(20);
  return true;
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string_view sv(suffix);
  return s.size() >= sv.size() && s.compare(s.size() - sv.size(), sv.size(), sv) == 0;
}

// Calls fn(header, batch) for every batch of a segment; throws on a torn one.
template <typename F>
void for_each_batch(const SourceSegment& seg, F&& fn) {
  BatchScanner scanner(seg.file, 0, seg.size);
  BatchHeader h;
  uint64_t pos;
  std::vector<uint8_t> batch;
  while (scanner.next(h, pos)) {
    if (!scanner.load_current(batch)) throw_errno(errno ? errno : EIO, "read segment");
    if (!fn(h, std::span<const uint8_t>(batch))) return;
  }
  if (scanner.torn()) {
    throw std::runtime_error(
        fmt::format("segment {} is torn at position {}", seg.base_offset, scanner.position()));
  }
}

// The cleaned log gets the newest modification time of the segments it replaces, as
// Kafka's cleaner does: retention of a segment without timestamps (one the clean
// emptied) goes by that time, which the clean must not push back. Best effort.
void keep_newest_mtime(const FileHandle& cleaned, std::span<const SourceSegment> group) {
  struct timespec newest {};
  for (const SourceSegment& seg : group) {
    struct stat st;
    if (::fstat(seg.file->fd(), &st) != 0) return;
    if (st.st_mtim.tv_sec > newest.tv_sec ||
        (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec > newest.tv_nsec))
      newest = st.st_mtim;
  }
  const struct timespec times[2] = {{0, UTIME_OMIT}, newest};
  ::futimens(cleaned.fd(), times);
}

}  // namespace

CleanStats& CleanStats::operator+=(const CleanStats& o) {
  bytes_read += o.bytes_read;
  bytes_written += o.bytes_written;
  records_read += o.records_read;
  records_removed += o.records_removed;
  markers_removed += o.markers_removed;
  batches_read += o.batches_read;
  batches_removed += o.batches_removed;
  malformed_batches += o.malformed_batches;
  segments_cleaned += o.segments_cleaned;
  segments_written += o.segments_written;
  map_records += o.map_records;
  return *this;
}

std::string cleaner_file_path(const std::string& dir, int64_t base_offset, const char* ext,
                              const char* suffix) {
  return segment_file_path(dir, base_offset, ext) + suffix;
}

int64_t build_offset_map(std::span<const SourceSegment> segments, int64_t from_offset,
                         int64_t to_offset, std::span<const AbortedTxnEntry> aborted,
                         OffsetMap& map, CleanStats& stats, const CleanControl& control) {
  std::vector<uint8_t> plain;
  TxnTracker txns({aborted.begin(), aborted.end()});
  int64_t covered = to_offset;
  bool stop = false;
  for (const SourceSegment& seg : segments) {
    if (stop || seg.base_offset >= to_offset) break;
    for_each_batch(seg, [&](const BatchHeader& h, std::span<const uint8_t> batch) {
      control.account(batch.size());
      if (h.base_offset >= to_offset) {
        stop = true;
        return false;
      }
      // Every batch goes through the tracker, in order: a marker ends its transaction.
      if (h.is_control()) {
        txns.on_control_batch(h, batch);
        return true;
      }
      if (txns.on_data_batch(h)) return true;  // aborted
      if (h.last_offset() < from_offset || h.record_count == 0) return true;
      std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
      if (h.compression() != Compression::kNone) {
        if (!decompress(h.compression(), records, plain, kMaxUncompressedBytes)) return true;
        records = plain;
      }
      RecordIterator it(records, h.record_count);
      RecordView v;
      while (it.next(v)) {
        const int64_t offset = h.base_offset + v.offset_delta;
        if (offset < from_offset || v.key_length < 0) continue;
        if (offset >= to_offset) break;
        if (map.put(std::span<const uint8_t>(v.key, v.key_length), offset) ==
            OffsetMap::PutResult::kFull) {
          covered = offset;
          stop = true;
          return false;
        }
        ++stats.map_records;
      }
      return true;
    });
  }
  return covered;
}

CleanedSegment write_cleaned_segment(const std::string& dir, std::span<const SourceSegment> group,
                                     const CleaningContext& ctx, int32_t index_interval_bytes,
                                     CleanStats& stats) {
  if (group.empty()) throw std::invalid_argument("write_cleaned_segment: empty group");
  CleanedSegment out;
  out.base_offset = group.front().base_offset;
  out.next_offset = out.base_offset;
  const int64_t base = out.base_offset;
  auto path = [&](const char* ext) { return cleaner_file_path(dir, base, ext, kCleanedSuffix); };
  try {
    const auto log = open_file(path(".log"), O_WRONLY | O_CREAT | O_TRUNC);
    std::vector<uint8_t> pending;  // written in chunks of kWriteBuffer
    uint64_t size = 0;             // written + pending
    std::vector<OffsetIndexEntry> offsets;
    std::vector<TimeIndexEntry> times;
    uint32_t bytes_since_entry = 0;
    int64_t max_ts = -1, offset_of_max_ts = -1;
    RecordFilter filter;

    for (const SourceSegment& seg : group) {
      for_each_batch(seg, [&](const BatchHeader& h, std::span<const uint8_t> batch) {
        ctx.control.account(batch.size());
        const size_t at = pending.size();
        FilterResult r = filter.filter(batch, ctx, pending);
        ++stats.batches_read;
        stats.bytes_read += batch.size();
        stats.records_read += static_cast<uint64_t>(std::max(h.record_count, 0));
        stats.markers_removed += static_cast<uint64_t>(r.markers_removed);
        if (r.fate == BatchFate::kMalformed) {
          if (ctx.txns) ctx.txns->keep_entries_of(h);
          spdlog::warn("{}: batch at offset {} cannot be read; the clean keeps it as it is", dir,
                       h.base_offset);
          ++stats.malformed_batches;
          pending.insert(pending.end(), batch.begin(), batch.end());
          r.records_kept = h.record_count;
          r.max_timestamp = h.max_timestamp;
          r.offset_of_max_timestamp = h.base_offset;
        }
        stats.records_removed +=
            static_cast<uint64_t>(std::max(h.record_count, 0) - std::max(r.records_kept, 0));
        const size_t written = pending.size() - at;
        if (written == 0) {
          ++stats.batches_removed;
          return true;
        }
        // Index bookkeeping as Segment::on_batch_appended does it.
        const auto position = static_cast<uint32_t>(size);
        if (r.max_timestamp > max_ts) {
          max_ts = r.max_timestamp;
          offset_of_max_ts = r.offset_of_max_timestamp;
        }
        if (bytes_since_entry > static_cast<uint32_t>(index_interval_bytes)) {
          offsets.push_back({static_cast<int32_t>(h.base_offset - base), position});
          if (max_ts >= 0 && (times.empty() || max_ts > times.back().timestamp))
            times.push_back({max_ts, static_cast<int32_t>(offset_of_max_ts - base)});
          bytes_since_entry = 0;
        }
        bytes_since_entry += static_cast<uint32_t>(written);
        size += written;
        out.next_offset = h.last_offset() + 1;
        if (pending.size() >= kWriteBuffer) {
          const uint64_t at = size - pending.size();
          write_all(*log, pending.data(), pending.size(), at, path(".log"));
          // Write-back starts now, chunk by chunk, rather than as one burst at the final
          // fdatasync that would queue ahead of the producers' flushes.
          ::sync_file_range(log->fd(), static_cast<off_t>(at), static_cast<off_t>(pending.size()),
                            SYNC_FILE_RANGE_WRITE);
          ctx.control.account(pending.size());
          pending.clear();
        }
        return true;
      });
      ++stats.segments_cleaned;
    }
    write_all(*log, pending.data(), pending.size(), size - pending.size(), path(".log"));
    if (max_ts >= 0 && (times.empty() || max_ts > times.back().timestamp))
      times.push_back({max_ts, static_cast<int32_t>(offset_of_max_ts - base)});
    keep_newest_mtime(*log, group);
    sync_file(*log, path(".log"));
    out.size = size;
    stats.bytes_written += size;
    ++stats.segments_written;

    std::vector<uint8_t> buf(offsets.size() * 8);
    for (size_t i = 0; i < offsets.size(); ++i) {
      store_be32(&buf[i * 8], offsets[i].relative_offset);
      store_be32(&buf[i * 8 + 4], static_cast<int32_t>(offsets[i].position));
    }
    const auto index = open_file(path(".index"), O_WRONLY | O_CREAT | O_TRUNC);
    write_all(*index, buf.data(), buf.size(), 0, path(".index"));
    sync_file(*index, path(".index"));

    buf.assign(times.size() * 12, 0);
    for (size_t i = 0; i < times.size(); ++i) {
      store_be64(&buf[i * 12], times[i].timestamp);
      store_be32(&buf[i * 12 + 8], times[i].relative_offset);
    }
    const auto time_index = open_file(path(".timeindex"), O_WRONLY | O_CREAT | O_TRUNC);
    write_all(*time_index, buf.data(), buf.size(), 0, path(".timeindex"));
    sync_file(*time_index, path(".timeindex"));

    // The abort markers kept because this clean removed their data keep their entries.
    const std::vector<AbortedTxnEntry> aborted =
        ctx.txns ? ctx.txns->take_kept_entries() : std::vector<AbortedTxnEntry>{};
    buf.assign(aborted.size() * kTxnIndexEntrySize, 0);
    for (size_t i = 0; i < aborted.size(); ++i)
      encode_txn_index_entry(aborted[i], &buf[i * kTxnIndexEntrySize]);
    const auto txn_index = open_file(path(".txnindex"), O_WRONLY | O_CREAT | O_TRUNC);
    write_all(*txn_index, buf.data(), buf.size(), 0, path(".txnindex"));
    sync_file(*txn_index, path(".txnindex"));
  } catch (...) {
    discard_cleaned(dir, base);
    throw;
  }
  return out;
}

void rename_cleaned_to_swap(const std::string& dir, int64_t base_offset, bool sync) {
  for (const char* ext : kAllExts) {
    rename_file(cleaner_file_path(dir, base_offset, ext, kCleanedSuffix),
                cleaner_file_path(dir, base_offset, ext, kSwapSuffix));
  }
  if (sync) fsync_directory(dir);
}

void delete_replaced_segments(const std::string& dir, std::span<const int64_t> bases, bool sync) {
  for (const int64_t b : bases) {
    for (const char* ext : kAllExts) unlink_if_exists(segment_file_path(dir, b, ext));
  }
  if (sync) fsync_directory(dir);
}

void rename_swap_to_final(const std::string& dir, int64_t base_offset, bool sync) {
  for (const char* ext : kAllExts) {
    rename_file(cleaner_file_path(dir, base_offset, ext, kSwapSuffix),
                segment_file_path(dir, base_offset, ext));
  }
  if (sync) fsync_directory(dir);
}

void discard_cleaned(const std::string& dir, int64_t base_offset) {
  for (const char* ext : kAllExts)
    ::unlink(cleaner_file_path(dir, base_offset, ext, kCleanedSuffix).c_str());
}

bool recover_interrupted_clean(const std::string& dir) {
  std::set<int64_t> swap_logs;
  std::vector<std::string> leftovers;              // .cleaned files, index .swap files
  std::map<int64_t, std::set<std::string>> files;  // segment files by base offset
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    int64_t base;
    std::string rest;
    if (!parse_name(name, base, rest)) continue;
    if (ends_with(rest, kCleanedSuffix)) {
      leftovers.push_back(name);
    } else if (rest == std::string(".log") + kSwapSuffix) {
      swap_logs.insert(base);
    } else if (ends_with(rest, kSwapSuffix)) {
      leftovers.push_back(name);
    } else {
      files[base].insert(rest);
    }
  }
  if (swap_logs.empty() && leftovers.empty()) return false;
  // Index .swap files of a committed swap are completed below, not removed.
  std::erase_if(leftovers, [&](const std::string& name) {
    int64_t base;
    std::string rest;
    return parse_name(name, base, rest) && ends_with(rest, kSwapSuffix) && swap_logs.count(base);
  });
  for (const std::string& name : leftovers) {
    spdlog::info("{}: removing {}, left by an interrupted clean", dir, name);
    unlink_if_exists(dir + "/" + name);
  }
  for (const int64_t base : swap_logs) {
    const std::string swap_log = cleaner_file_path(dir, base, ".log", kSwapSuffix);
    int64_t next = base;
    {
      SourceSegment seg;
      seg.base_offset = base;
      seg.file = open_file(swap_log, O_RDONLY);
      seg.size = static_cast<uint64_t>(fs::file_size(swap_log));
      BatchScanner scanner(seg.file, 0, seg.size);
      BatchHeader h;
      uint64_t pos;
      while (scanner.next(h, pos)) next = h.last_offset() + 1;
    }
    spdlog::info("{}: completing the swap of an interrupted clean: segment {} replaces [{}, {})",
                 dir, base, base, std::max(next, base + 1));
    // Every segment starting inside the swap's range was replaced by it. The files of
    // `base` itself that have no .swap left were already renamed into place (step 4).
    for (auto it = files.lower_bound(base);
         it != files.end() && it->first < std::max(next, base + 1); ++it) {
      for (const char* ext : kAllExts) {
        if (!it->second.count(ext)) continue;
        if (it->first == base && !exists(cleaner_file_path(dir, base, ext, kSwapSuffix))) continue;
        unlink_if_exists(segment_file_path(dir, it->first, ext));
      }
    }
    for (const char* ext : kAllExts) {
      const std::string from = cleaner_file_path(dir, base, ext, kSwapSuffix);
      if (exists(from)) rename_file(from, segment_file_path(dir, base, ext));
    }
  }
  fsync_directory(dir);
  return true;
}

}  // namespace samsa::storage::cleaner
