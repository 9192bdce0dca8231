#include "samsa/coordinator/internal_log.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/record_batch.h"
#include "samsa/storage/txn_index.h"
#include "samsa/util/log.h"

namespace samsa::coordinator {

namespace {

namespace bl = storage::batch_layout;

// Records per batch: keeps a snapshot's batches far below message.max.bytes.
constexpr size_t kRecordsPerBatch = 256;

void pread_all(int fd, uint8_t* dst, size_t n, uint64_t offset, const std::string& topic) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, dst, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "reading " + topic);
    }
    if (got == 0) throw std::runtime_error(topic + ": unexpected end of segment");
    dst += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

}  // namespace

storage::PartitionLog* InternalLog::log() const {
  return logs_.partition(topic_, 0);
}

storage::PartitionLog* InternalLog::log_for_write() {
  if (auto* existing = log()) return existing;
  std::string message;
  const storage::ConfigMap configs = {{"cleanup.policy", "compact"},
                                      {"segment.bytes", std::to_string(segment_bytes_)}};
  const ErrorCode err = logs_.create_topic(topic_, 1, configs, message);
  if (err != ErrorCode::NONE && err != ErrorCode::TOPIC_ALREADY_EXISTS) {
    spdlog::error("cannot create {}: {}", topic_, message);
    return nullptr;
  }
  spdlog::info("created {} on first use", topic_);
  return log();
}

int64_t InternalLog::start_offset() const {
  const auto* l = log();
  return l ? l->log_start_offset() : 0;
}

int64_t InternalLog::end_offset() const {
  const auto* l = log();
  return l ? l->log_end_offset() : 0;
}

size_t InternalLog::replay(const Visitor& visitor) {
  auto* plog = log();
  if (!plog) return 0;
  size_t records = 0;
  int64_t next = plog->log_start_offset();
  Bytes buffer;
  while (next < plog->log_end_offset()) {
    storage::ReadResult read = plog->read(next, 1 << 20, true);
    if (read.error != ErrorCode::NONE || read.slices.empty()) break;
    const int64_t before = next;
    for (const auto& slice : read.slices) {
      buffer.resize(slice.length);
      if (slice.memory) {
        std::copy_n(slice.memory->data() + slice.offset, slice.length, buffer.data());
      } else {
        pread_all(slice.file->fd(), buffer.data(), slice.length, slice.offset, topic_);
      }
      size_t pos = 0;
      while (pos + bl::kHeaderSize <= buffer.size()) {
        const auto header = storage::BatchHeader::parse(buffer.data() + pos);
        const size_t size = header.size_in_bytes();
        if (size < bl::kHeaderSize || pos + size > buffer.size()) break;
        // Internal writers never compress; a compressed batch is not ours to read.
        if (header.last_offset() >= next && header.compression() == storage::Compression::kNone) {
          const std::span<const uint8_t> body(buffer.data() + pos + bl::kHeaderSize,
                                              size - bl::kHeaderSize);
          if (header.is_control()) {
            storage::TxnMarker marker;
            if (visitor.on_marker &&
                storage::parse_txn_marker(std::span(buffer.data() + pos, size), marker))
              visitor.on_marker(header.producer_id, marker.type);
          } else {
            storage::RecordIterator it(body, header.record_count);
            storage::RecordView rec;
            while (it.next(rec)) {
              if (header.base_offset + rec.offset_delta < next) continue;
              ++records;
              if (visitor.on_record) visitor.on_record(header, rec);
            }
          }
        }
        next = std::max(next, header.last_offset() + 1);
        pos += size;
      }
    }
    if (next == before) break;  // no progress: corrupt tail, recovery's business
  }
  return records;
}

ErrorCode InternalLog::append_now(std::span<const LogRecord> records, int64_t now_ms,
                                  const BatchProducer& producer, int64_t& first, int64_t& last) {
  Bytes payload;
  storage::BatchSpec spec;
  spec.producer_id = producer.producer_id;
  spec.producer_epoch = producer.producer_epoch;
  spec.transactional = producer.transactional;
  for (size_t begin = 0; begin < records.size(); begin += kRecordsPerBatch) {
    const size_t end = std::min(records.size(), begin + kRecordsPerBatch);
    std::vector<storage::RecordSpec> specs;
    specs.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      storage::RecordSpec rec;
      const auto& r = records[i];
      rec.key = std::string_view(reinterpret_cast<const char*>(r.key.data()), r.key.size());
      if (r.value)
        rec.value =
            std::string_view(reinterpret_cast<const char*>(r.value->data()), r.value->size());
      rec.timestamp = now_ms;
      specs.push_back(rec);
    }
    Bytes batch = storage::build_batch(spec, specs);
    payload.insert(payload.end(), batch.begin(), batch.end());
  }
  storage::AppendOptions options;
  options.now_ms = now_ms;
  options.from_client = false;
  auto* plog = log_for_write();
  if (!plog) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  const storage::AppendResult result = plog->append(payload, options);
  first = result.base_offset;
  last = result.last_offset;
  return result.error;
}

void InternalLog::append(std::span<const LogRecord> records, int64_t now_ms,
                         std::function<void(ErrorCode)> done, const BatchProducer& producer) {
  if (records.empty()) {
    done(ErrorCode::NONE);
    return;
  }
  int64_t first = -1;
  int64_t last = -1;
  const ErrorCode err = append_now(records, now_ms, producer, first, last);
  if (err != ErrorCode::NONE) {
    done(err);
    return;
  }
  log()->when_flushed(last, std::move(done));
}

void InternalLog::compact(std::span<const LogRecord> live, int64_t now_ms) {
  auto* plog = live.empty() ? log() : log_for_write();
  if (!plog) return;
  int64_t first = plog->log_end_offset();
  int64_t last = -1;
  if (!live.empty() && append_now(live, now_ms, {}, first, last) != ErrorCode::NONE) return;
  // Everything below `first` is superseded by the snapshot once the snapshot is durable,
  // except transactional records still waiting for their marker: the snapshot holds
  // only what is committed, so the log keeps them from the last stable offset on.
  plog->when_flushed(std::max<int64_t>(first - 1, last),
                     [&logs = logs_, topic = topic_, first](ErrorCode err) {
                       if (err != ErrorCode::NONE) return;
                       auto* l = logs.partition(topic, 0);
                       if (!l) return;
                       const int64_t new_start = std::min(first, l->last_stable_offset());
                       if (new_start > l->log_start_offset()) l->delete_records_before(new_start);
                     });
}

}  // namespace samsa::coordinator
