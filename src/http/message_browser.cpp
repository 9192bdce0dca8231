#include "message_browser.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>

#include "samsa/util/log.h"

namespace samsa::http {

namespace bl = storage::batch_layout;
using Json = nlohmann::json;

struct MessageBrowser::Match {
  int64_t timestamp = 0;
  int32_t partition = 0;
  int64_t offset = 0;
  Json json;
};

// One partition's scan. Forward: [next, stop). Backward: windows [lo, stop) read
// forward from `next`, each below the previous one, until `limit` matches are found.
struct MessageBrowser::Cursor {
  int32_t partition = 0;
  bool backward = false;
  bool done = false;
  int64_t next = 0;
  int64_t stop = 0;
  int64_t window = 0;              // backward: offsets in the next window
  std::deque<Match> window_found;  // backward: the newest matches of the current window
  std::vector<Match> found;        // forward: oldest first; backward: newest first
  double bytes_per_offset = 0;     // estimate, sizes the reads
};

namespace {

// Bytes of a read's slices, appended to `out`. False (logged) on an I/O error.
bool copy_slices(const storage::ReadResult& r, std::vector<uint8_t>& out,
                 const std::string& where) {
  for (const FileSlice& s : r.slices) {
    const size_t at = out.size();
    out.resize(at + s.length);
    if (s.memory) {
      std::memcpy(out.data() + at, s.memory->data(), s.length);
      continue;
    }
    size_t got = 0;
    while (got < s.length) {
      const ssize_t n = ::pread(s.file->fd(), out.data() + at + got, s.length - got,
                                static_cast<off_t>(s.offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        spdlog::warn("console: reading {} failed: {}", where,
                     n < 0 ? std::strerror(errno) : "file shorter than its index says");
        return false;
      }
      got += static_cast<size_t>(n);
    }
  }
  return true;
}

bool contains(ByteView bytes, const std::string& needle) {
  if (!bytes) return false;
  const std::string_view hay(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

MessageBrowser::MessageBrowser(storage::LogManager& logs, std::string topic, BrowseQuery query,
                               BrowseLimits limits)
    : logs_(logs), topic_(std::move(topic)), query_(std::move(query)), limits_(limits) {}

MessageBrowser::~MessageBrowser() = default;

std::unique_ptr<MessageBrowser> MessageBrowser::create(storage::LogManager& logs,
                                                       const std::string& topic,
                                                       const BrowseQuery& query,
                                                       const BrowseLimits& limits, ErrorCode& error,
                                                       std::string& message) {
  error = ErrorCode::NONE;
  const storage::TopicMetadata* meta = logs.find_topic(topic);
  if (!meta) {
    error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    message = "topic " + topic + " does not exist";
    return nullptr;
  }
  if (query.partition && (*query.partition < 0 || *query.partition >= meta->partition_count)) {
    error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    message = fmt::format("topic {} has no partition {} (partitions 0-{})", topic, *query.partition,
                          meta->partition_count - 1);
    return nullptr;
  }
  std::unique_ptr<MessageBrowser> b(new MessageBrowser(logs, topic, query, limits));
  b->topic_id_ = meta->topic_id;
  const size_t limit = static_cast<size_t>(std::max(1, query.limit));
  b->shown_per_field_ = std::clamp(limits.shown_budget / limit, limits.min_shown,
                                   std::max(limits.min_shown, limits.max_shown));

  const int32_t first = query.partition.value_or(0);
  const int32_t last = query.partition.value_or(meta->partition_count - 1);
  for (int32_t p = first; p <= last; ++p) {
    storage::PartitionLog* log = logs.partition(topic, p);
    if (!log) continue;
    Cursor c;
    c.partition = p;
    const int64_t start = log->log_start_offset();
    const int64_t end = log->log_end_offset();
    c.bytes_per_offset = end > start ? double(log->size_bytes()) / double(end - start) : 100.0;
    c.stop = end;
    switch (query.from) {
      case BrowseQuery::From::kEarliest:
        c.next = start;
        break;
      case BrowseQuery::From::kOffset:
        c.next = std::clamp(query.offset, start, end);
        break;
      case BrowseQuery::From::kTimestamp: {
        const storage::OffsetLookup found = log->offset_for_timestamp(query.timestamp);
        if (found.error != ErrorCode::NONE) {
          b->truncated_ = true;  // this partition could not be searched
          continue;
        }
        c.next = found.offset < 0 ? end : std::max(found.offset, start);
        break;
      }
      case BrowseQuery::From::kLatest:
        c.backward = true;
        // A first window a little larger than the page: control records (transaction
        // markers) and filtered-out records take offsets too.
        c.window = std::max<int64_t>(query.key || query.contains ? 1000 : 2 * int64_t(limit), 16);
        c.next = std::max(start, end - c.window);
        break;
    }
    c.done = c.next >= c.stop;
    b->cursors_.push_back(std::move(c));
  }
  return b;
}

bool MessageBrowser::topic_still_there() const {
  const storage::TopicMetadata* meta = logs_.find_topic(topic_);
  return meta && meta->topic_id == topic_id_;
}

bool MessageBrowser::step() {
  if (finished_) return true;
  if (!topic_still_there()) {
    // Deleted (or deleted and created again) between steps: answer with what was found.
    for (Cursor& c : cursors_) c.done = true;
  }
  uint64_t step_bytes = 0;
  const uint64_t scanned_before = scanned_;
  for (;;) {
    bool any = false;
    for (Cursor& c : cursors_) {
      if (c.done) continue;
      if (bytes_read_ >= limits_.max_bytes || scanned_ >= limits_.max_records) {
        truncated_ = true;  // stopped by the call's budget before this partition was done
        c.done = true;
        continue;
      }
      if (step_bytes >= limits_.step_bytes || scanned_ - scanned_before >= limits_.step_records)
        return false;  // the rest in the next step
      any = true;
      const uint64_t budget =
          std::min(limits_.step_bytes - step_bytes, limits_.max_bytes - bytes_read_);
      const uint64_t records = std::min(limits_.max_records - scanned_,
                                        limits_.step_records - (scanned_ - scanned_before));
      step_bytes += read_chunk(c, budget, records);
    }
    if (!any) break;
  }
  finished_ = true;
  return true;
}

uint64_t MessageBrowser::read_chunk(Cursor& c, uint64_t max_bytes, uint64_t max_records) {
  storage::PartitionLog* log = logs_.partition(topic_, c.partition);
  if (!log) {
    c.done = true;
    return 0;
  }
  // Retention or DeleteRecords may have moved the log start since the last chunk.
  if (c.next < log->log_start_offset()) c.next = log->log_start_offset();
  if (c.next >= c.stop) {
    end_window(c, *log);
    return 0;
  }
  // Enough bytes (estimated) for the rest of the range, or without a filter for the
  // records still missing from a forward page; at least 16 KiB, at most the budget.
  int64_t offsets = c.stop - c.next;
  if (!c.backward && !query_.key && !query_.contains)
    offsets = std::min<int64_t>(offsets, int64_t(query_.limit) - int64_t(c.found.size()) + 16);
  const double wanted = double(offsets) * c.bytes_per_offset * 1.2 + 16384.0;
  const auto chunk =
      static_cast<int32_t>(std::min<double>({wanted, double(max_bytes), 4.0 * (1 << 20)}));
  const storage::ReadResult r = log->read(c.next, chunk, /*min_one_batch=*/true);
  buffer_.clear();
  if (r.error != ErrorCode::NONE ||
      !copy_slices(r, buffer_, fmt::format("{}-{}", topic_, c.partition))) {
    truncated_ = true;
    c.done = true;
    return 0;
  }
  if (buffer_.empty()) {  // nothing below the end: the range is done
    c.next = c.stop;
    end_window(c, *log);
    return 0;
  }
  bytes_read_ += buffer_.size();

  const int64_t range_first = c.next;
  size_t pos = 0;
  int64_t decoded = 0;
  while (pos + bl::kHeaderSize <= buffer_.size() && c.next < c.stop) {
    const storage::BatchHeader h = storage::BatchHeader::parse(buffer_.data() + pos);
    const size_t size = h.size_in_bytes();
    if (size < bl::kHeaderSize || pos + size > buffer_.size()) break;
    const std::span<const uint8_t> batch(buffer_.data() + pos, size);
    pos += size;
    if (h.base_offset >= c.stop) {
      c.next = c.stop;
      break;
    }
    if (h.is_control()) {  // transaction markers are not messages
      c.next = std::max(c.next, h.last_offset() + 1);
      continue;
    }
    const int64_t from = c.next;
    bool full = false;
    const DecodeStatus status = for_each_record(
        batch, from, limits_.max_uncompressed, scratch_, [&](const DecodedRecord& rec) {
          if (rec.offset >= c.stop) return false;
          ++decoded;
          ++scanned_;
          if (matches(rec)) {
            Match m;
            m.timestamp = rec.timestamp;
            m.partition = c.partition;
            m.offset = rec.offset;
            Json headers = Json::array();
            Json type_id = nullptr;
            for (const RecordHeader& hd : rec.headers) {
              headers.push_back({{"key", std::string(hd.key)},
                                 {"value", bytes_json(hd.value, shown_per_field_)}});
              if (hd.key == "__TypeId__" && hd.value && type_id.is_null())
                type_id =
                    std::string(reinterpret_cast<const char*>(hd.value->data()), hd.value->size());
            }
            m.json = {
                {"partition", c.partition},
                {"offset", rec.offset},
                {"timestamp", rec.timestamp},
                {"timestamp_type", rec.timestamp_type == storage::TimestampType::kLogAppendTime
                                       ? "LogAppendTime"
                                       : "CreateTime"},
                {"key", bytes_json(rec.key, shown_per_field_)},
                {"value", bytes_json(rec.value, shown_per_field_)},
                {"headers", std::move(headers)},
                {"type_id", std::move(type_id)},
                {"compression", compression_name(h.compression())},
                {"producer_id", h.producer_id},
                {"transactional", h.is_transactional()},
            };
            if (c.backward) {
              c.window_found.push_back(std::move(m));
              const size_t needed = size_t(query_.limit) - c.found.size();
              if (c.window_found.size() > needed) c.window_found.pop_front();
            } else {
              c.found.push_back(std::move(m));
              if (c.found.size() >= size_t(query_.limit)) {
                full = true;
                return false;
              }
            }
          }
          c.next = rec.offset + 1;
          return scanned_ < limits_.max_records && uint64_t(decoded) < max_records;
        });
    if (full) {
      c.done = true;
      return buffer_.size();
    }
    if (status != DecodeStatus::kOk) {
      spdlog::warn("console: {}-{}: batch at offset {} cannot be shown ({})", topic_, c.partition,
                   h.base_offset,
                   status == DecodeStatus::kCorrupt ? "corrupt" : "cannot decompress it");
      truncated_ = true;
    }
    if (scanned_ >= limits_.max_records || uint64_t(decoded) >= max_records) break;
    // Past the whole batch (also when a record stopped the walk at `stop`).
    c.next = std::max(c.next, std::min(h.last_offset() + 1, c.stop));
  }
  if (c.next == range_first) {
    // Not even one batch could be walked (a corrupt header): give up on this partition.
    spdlog::warn("console: {}-{}: no batch readable at offset {}", topic_, c.partition, c.next);
    truncated_ = true;
    c.done = true;
    return buffer_.size();
  }
  c.bytes_per_offset = 0.5 * c.bytes_per_offset +
                       0.5 * double(pos) / double(std::max<int64_t>(1, c.next - range_first));
  if (c.next >= c.stop) end_window(c, *log);
  return buffer_.size();
}

void MessageBrowser::end_window(Cursor& c, storage::PartitionLog& log) {
  if (!c.backward) {
    c.done = true;
    return;
  }
  // The window's matches are older than everything found so far.
  while (!c.window_found.empty()) {
    c.found.push_back(std::move(c.window_found.back()));
    c.window_found.pop_back();
  }
  const int64_t lo = c.stop - c.window;  // where this window began (before clamping)
  const int64_t start = log.log_start_offset();
  if (c.found.size() >= size_t(query_.limit) || lo <= start) {
    c.done = true;
    return;
  }
  c.stop = lo;
  c.window = std::min<int64_t>(c.window * 4, 1'000'000);
  c.next = std::max(start, c.stop - c.window);
}

bool MessageBrowser::matches(const DecodedRecord& r) const {
  if (query_.key) {
    if (!r.key || r.key->size() != query_.key->size() ||
        !std::equal(r.key->begin(), r.key->end(), query_.key->begin(),
                    [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }))
      return false;
  }
  if (query_.contains && !query_.contains->empty()) {
    if (contains(r.key, *query_.contains) || contains(r.value, *query_.contains)) return true;
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const RecordHeader& h) { return contains(h.value, *query_.contains); });
  }
  return true;
}

Json MessageBrowser::result() const {
  std::vector<const Match*> all;
  for (const Cursor& c : cursors_)
    for (const Match& m : c.found) all.push_back(&m);
  for (const Cursor& c : cursors_)  // a window cut short by the budget still counts
    for (const Match& m : c.window_found) all.push_back(&m);
  // One partition: its log order. Several: by timestamp, then partition and offset.
  const bool single = cursors_.size() <= 1;
  auto older = [single](const Match* a, const Match* b) {
    if (!single && a->timestamp != b->timestamp) return a->timestamp < b->timestamp;
    return std::tie(a->partition, a->offset) < std::tie(b->partition, b->offset);
  };
  const bool from_end = query_.from == BrowseQuery::From::kLatest;
  std::sort(all.begin(), all.end(), older);
  const size_t limit = size_t(std::max(1, query_.limit));
  if (all.size() > limit) {
    // Forward scans keep the earliest records, the backward scan the latest.
    if (from_end)
      all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(limit));
    else
      all.resize(limit);
  }
  if (query_.newest_first) std::reverse(all.begin(), all.end());
  Json messages = Json::array();
  for (const Match* m : all) messages.push_back(m->json);
  return {{"messages", std::move(messages)}, {"scanned", scanned_}, {"truncated", truncated_}};
}

}  // namespace samsa::http
