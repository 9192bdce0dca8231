#include "samsa/coordinator/group_log.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"
#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/record_batch.h"
#include "samsa/util/log.h"

namespace samsa::coordinator {

namespace {

constexpr int16_t kOffsetKeyVersion = 1;
constexpr int16_t kGroupKeyVersion = 2;
constexpr int16_t kOffsetValueVersion = 3;
constexpr int16_t kGroupValueVersion = 3;
// Records per batch when writing a snapshot: keeps batches far below message.max.bytes.
constexpr size_t kSnapshotBatchRecords = 256;

Bytes take(protocol::OutboundMessage& out) {
  return std::move(out.bytes);
}

std::optional<OffsetValue> decode_offset_value(protocol::Reader& r) {
  OffsetValue v;
  const int16_t version = r.read_int16();
  if (version < 0 || version > 4) return std::nullopt;
  v.offset = r.read_int64();
  if (version >= 3) v.leader_epoch = r.read_int32();
  v.metadata = r.read_string();
  v.commit_timestamp = r.read_int64();
  if (version == 1) r.read_int64();  // expire timestamp, unused since Kafka 2.1
  return v;
}

std::optional<GroupValue> decode_group_value(protocol::Reader& r) {
  GroupValue v;
  const int16_t version = r.read_int16();
  if (version < 0 || version > 3) return std::nullopt;
  v.protocol_type = r.read_string();
  v.generation = r.read_int32();
  v.protocol = r.read_nullable_string();
  v.leader = r.read_nullable_string();
  if (version >= 2) v.state_timestamp = r.read_int64();
  const int32_t n = r.read_array_length(false, 4);
  for (int32_t i = 0; i < n; ++i) {
    StoredMember m;
    m.member_id = r.read_string();
    if (version >= 3) m.group_instance_id = r.read_nullable_string();
    m.client_id = r.read_string();
    m.client_host = r.read_string();
    if (version >= 1) m.rebalance_timeout_ms = r.read_int32();
    m.session_timeout_ms = r.read_int32();
    m.subscription = r.read_bytes();
    m.assignment = r.read_bytes();
    v.members.push_back(std::move(m));
  }
  return v;
}

// Decodes one record; false when the key or value is not in a known format.
bool visit_record(const storage::RecordView& rec, const GroupLogVisitor& visitor) {
  if (rec.key_length < 2) return false;
  Bytes key(rec.key, rec.key + rec.key_length);
  protocol::Reader kr(key);
  const int16_t key_version = kr.read_int16();
  std::optional<Bytes> value;
  if (rec.value_length >= 0) value.emplace(rec.value, rec.value + rec.value_length);
  if (key_version == 0 || key_version == kOffsetKeyVersion) {
    const std::string group = kr.read_string();
    TopicPartition tp;
    tp.topic = kr.read_string();
    tp.partition = kr.read_int32();
    std::optional<OffsetValue> v;
    if (value) {
      protocol::Reader vr(*value);
      v = decode_offset_value(vr);
      if (!v) return false;
    }
    if (visitor.on_offset) visitor.on_offset(group, tp, std::move(v));
    return true;
  }
  if (key_version == kGroupKeyVersion) {
    const std::string group = kr.read_string();
    std::optional<GroupValue> v;
    if (value) {
      protocol::Reader vr(*value);
      v = decode_group_value(vr);
      if (!v) return false;
    }
    if (visitor.on_group) visitor.on_group(group, std::move(v));
    return true;
  }
  return false;
}

void pread_all(int fd, uint8_t* dst, size_t n, uint64_t offset) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, dst, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "reading __consumer_offsets");
    }
    if (got == 0) throw std::runtime_error("__consumer_offsets: unexpected end of segment");
    dst += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

}  // namespace

Bytes encode_offset_key(const std::string& group, const TopicPartition& tp) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kOffsetKeyVersion);
  w.write_string(group);
  w.write_string(tp.topic);
  w.write_int32(tp.partition);
  return take(out);
}

Bytes encode_offset_value(const OffsetValue& value) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kOffsetValueVersion);
  w.write_int64(value.offset);
  w.write_int32(value.leader_epoch);
  w.write_string(value.metadata);
  w.write_int64(value.commit_timestamp);
  return take(out);
}

Bytes encode_group_key(const std::string& group) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kGroupKeyVersion);
  w.write_string(group);
  return take(out);
}

Bytes encode_group_value(const GroupValue& value) {
  protocol::OutboundMessage out;
  protocol::Writer w(out);
  w.write_int16(kGroupValueVersion);
  w.write_string(value.protocol_type);
  w.write_int32(value.generation);
  w.write_nullable_string(value.protocol);
  w.write_nullable_string(value.leader);
  w.write_int64(value.state_timestamp);
  w.write_array_length(value.members.size(), false);
  for (const auto& m : value.members) {
    w.write_string(m.member_id);
    w.write_nullable_string(m.group_instance_id);
    w.write_string(m.client_id);
    w.write_string(m.client_host);
    w.write_int32(m.rebalance_timeout_ms);
    w.write_int32(m.session_timeout_ms);
    w.write_bytes(m.subscription);
    w.write_bytes(m.assignment);
  }
  return take(out);
}

storage::PartitionLog* GroupLog::log() const {
  return logs_.partition(kTopic, 0);
}

storage::PartitionLog* GroupLog::log_for_write() {
  if (auto* existing = log()) return existing;
  std::string message;
  const storage::ConfigMap configs = {{"cleanup.policy", "compact"},
                                      {"segment.bytes", std::to_string(kSegmentBytes)}};
  const ErrorCode err = logs_.create_topic(kTopic, 1, configs, message);
  if (err != ErrorCode::NONE && err != ErrorCode::TOPIC_ALREADY_EXISTS) {
    spdlog::error("cannot create {}: {}", kTopic, message);
    return nullptr;
  }
  spdlog::info("created {} on first use", kTopic);
  return log();
}

int64_t GroupLog::start_offset() const {
  const auto* l = log();
  return l ? l->log_start_offset() : 0;
}
int64_t GroupLog::end_offset() const {
  const auto* l = log();
  return l ? l->log_end_offset() : 0;
}

size_t GroupLog::replay(const GroupLogVisitor& visitor, int64_t /*now_ms*/) {
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
        pread_all(slice.file->fd(), buffer.data(), slice.length, slice.offset);
      }
      size_t pos = 0;
      while (pos + storage::batch_layout::kHeaderSize <= buffer.size()) {
        const auto header = storage::BatchHeader::parse(buffer.data() + pos);
        const size_t size = header.size_in_bytes();
        if (size < storage::batch_layout::kHeaderSize || pos + size > buffer.size()) break;
        if (header.last_offset() >= next && !header.is_control() &&
            header.compression() == storage::Compression::kNone) {
          std::span<const uint8_t> body(buffer.data() + pos + storage::batch_layout::kHeaderSize,
                                        size - storage::batch_layout::kHeaderSize);
          storage::RecordIterator it(body, header.record_count);
          storage::RecordView rec;
          while (it.next(rec)) {
            if (header.base_offset + rec.offset_delta < next) continue;
            ++records;
            try {
              if (!visit_record(rec, visitor)) ++skipped_;
            } catch (const std::exception&) {  // a truncated key or value
              ++skipped_;
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

ErrorCode GroupLog::append_now(std::span<const LogRecord> records, int64_t now_ms, int64_t& first,
                               int64_t& last) {
  Bytes payload;
  for (size_t begin = 0; begin < records.size(); begin += kSnapshotBatchRecords) {
    const size_t end = std::min(records.size(), begin + kSnapshotBatchRecords);
    std::vector<storage::RecordSpec> specs;
    specs.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      storage::RecordSpec spec;
      const auto& r = records[i];
      spec.key = std::string_view(reinterpret_cast<const char*>(r.key.data()), r.key.size());
      if (r.value)
        spec.value =
            std::string_view(reinterpret_cast<const char*>(r.value->data()), r.value->size());
      spec.timestamp = now_ms;
      specs.push_back(spec);
    }
    Bytes batch = storage::build_batch(storage::BatchSpec{}, specs);
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

void GroupLog::append(std::span<const LogRecord> records, int64_t now_ms,
                      std::function<void(ErrorCode)> done) {
  if (records.empty()) {
    done(ErrorCode::NONE);
    return;
  }
  int64_t first = -1;
  int64_t last = -1;
  const ErrorCode err = append_now(records, now_ms, first, last);
  if (err != ErrorCode::NONE) {
    done(err);
    return;
  }
  log()->when_flushed(last, std::move(done));
}

void GroupLog::compact(std::span<const LogRecord> live, int64_t now_ms) {
  auto* plog = live.empty() ? log() : log_for_write();
  if (!plog) return;
  int64_t first = plog->log_end_offset();
  int64_t last = -1;
  if (!live.empty() && append_now(live, now_ms, first, last) != ErrorCode::NONE) return;
  // Everything below `first` is superseded by the snapshot once the snapshot is durable.
  const int64_t new_start = first;
  plog->when_flushed(
      std::max<int64_t>(new_start - 1, last), [&logs = logs_, new_start](ErrorCode err) {
        if (err != ErrorCode::NONE) return;
        if (auto* l = logs.partition(kTopic, 0); l && new_start > l->log_start_offset())
          l->delete_records_before(new_start);
      });
}

}  // namespace samsa::coordinator
