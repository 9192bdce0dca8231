#include "samsa/storage/record_batch.h"

#include <fmt/format.h>

#include "samsa/storage/compression.h"
#include "samsa/storage/crc32c.h"
#include "samsa/storage/varint.h"

namespace samsa::storage {
namespace bl = batch_layout;

namespace {

// Reads a varint length followed by that many bytes (-1 = null).
inline bool read_bytes(const uint8_t*& p, const uint8_t* end, int32_t& len, const uint8_t*& data,
                       bool nullable) noexcept {
  if (!read_varint(p, end, len)) return false;
  if (len < 0) {
    data = nullptr;
    return nullable && len == -1;
  }
  if (end - p < len) return false;
  data = p;
  p += len;
  return true;
}

}  // namespace

BatchHeader BatchHeader::parse(const uint8_t* p) noexcept {
  BatchHeader h;
  h.base_offset = load_be64(p + bl::kBaseOffset);
  h.batch_length = load_be32(p + bl::kBatchLength);
  h.partition_leader_epoch = load_be32(p + bl::kPartitionLeaderEpoch);
  h.magic = static_cast<int8_t>(p[bl::kMagic]);
  h.crc = static_cast<uint32_t>(load_be32(p + bl::kCrc));
  h.attributes = load_be16(p + bl::kAttributes);
  h.last_offset_delta = load_be32(p + bl::kLastOffsetDelta);
  h.base_timestamp = load_be64(p + bl::kBaseTimestamp);
  h.max_timestamp = load_be64(p + bl::kMaxTimestamp);
  h.producer_id = load_be64(p + bl::kProducerId);
  h.producer_epoch = load_be16(p + bl::kProducerEpoch);
  h.base_sequence = load_be32(p + bl::kBaseSequence);
  h.record_count = load_be32(p + bl::kRecordCount);
  return h;
}

int32_t BatchHeader::last_sequence() const noexcept {
  if (base_sequence < 0) return -1;
  const int64_t last = int64_t(base_sequence) + last_offset_delta;
  return last > INT32_MAX ? static_cast<int32_t>(last - INT32_MAX - 1) : static_cast<int32_t>(last);
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) noexcept {
  return crc32c(batch.subspan(bl::kAttributes));
}

bool RecordIterator::next(RecordView& r) noexcept {
  if (!ok_ || remaining_ <= 0) return false;
  int32_t length;
  if (!read_varint(p_, end_, length) || length < 0 || end_ - p_ < length) return ok_ = false;
  const uint8_t* q = p_;
  const uint8_t* rend = p_ + length;
  p_ = rend;
  --remaining_;
  if (q == rend) return ok_ = false;
  r.attributes = static_cast<int8_t>(*q++);
  if (!read_varlong<10>(q, rend, r.timestamp_delta) || !read_varint(q, rend, r.offset_delta) ||
      !read_bytes(q, rend, r.key_length, r.key, true) ||
      !read_bytes(q, rend, r.value_length, r.value, true) ||
      !read_varint(q, rend, r.header_count) || r.header_count < 0)
    return ok_ = false;
  for (int32_t i = 0; i < r.header_count; ++i) {
    int32_t len;
    const uint8_t* data;
    if (!read_bytes(q, rend, len, data, false) || !read_bytes(q, rend, len, data, true))
      return ok_ = false;
  }
  // The declared length must be consumed exactly, like Kafka's DefaultRecord.readFrom.
  if (q != rend) return ok_ = false;
  return true;
}

ErrorCode BatchValidator::validate(std::span<const uint8_t> payload, const ValidationLimits& limits,
                                   std::vector<ValidatedBatch>& out, std::string& message) {
  out.clear();
  keyless_.clear();
  if (payload.empty()) {
    message = "produce request holds no record batch";
    return ErrorCode::INVALID_RECORD;
  }
  size_t pos = 0;
  while (pos < payload.size()) {
    const size_t left = payload.size() - pos;
    // Every message format keeps its length at byte 8 and the magic at byte 16.
    if (left < bl::kMagic + 1) {
      message = fmt::format("truncated batch at byte {}", pos);
      return ErrorCode::CORRUPT_MESSAGE;
    }
    const uint8_t* p = payload.data() + pos;
    const int32_t length = load_be32(p + bl::kBatchLength);
    const int8_t magic = static_cast<int8_t>(p[bl::kMagic]);
    if (magic < 0 || magic > kCurrentMagic) {
      message = fmt::format("unknown magic {}", magic);
      return ErrorCode::CORRUPT_MESSAGE;
    }
    if (magic != kCurrentMagic) {
      // Kafka 3.x up-converts v0/v1 message sets; samsa stores batches verbatim only.
      message = fmt::format("message format v{} is not supported, use record batches (v2)", magic);
      return ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT;
    }
    if (length < static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead) ||
        static_cast<size_t>(length) > left - bl::kLogOverhead) {
      message = fmt::format("batch at byte {} has invalid length {}", pos, length);
      return ErrorCode::CORRUPT_MESSAGE;
    }
    const size_t size = static_cast<size_t>(length) + bl::kLogOverhead;
    ValidatedBatch vb;
    vb.position = static_cast<uint32_t>(pos);
    if (const ErrorCode ec = validate_one(payload.subspan(pos, size), limits, vb, message);
        ec != ErrorCode::NONE)
      return ec;
    out.push_back(vb);
    pos += size;
  }
  return ErrorCode::NONE;
}

ErrorCode BatchValidator::validate_one(std::span<const uint8_t> batch,
                                       const ValidationLimits& limits, ValidatedBatch& vb,
                                       std::string& message) {
  const BatchHeader h = BatchHeader::parse(batch.data());
  vb.header = h;
  if (batch.size() > limits.max_batch_bytes) {
    message = fmt::format("batch of {} bytes exceeds max.message.bytes {}", batch.size(),
                          limits.max_batch_bytes);
    return ErrorCode::MESSAGE_TOO_LARGE;
  }
  if (compute_batch_crc(batch) != h.crc) {
    message = "record batch CRC mismatch";
    return ErrorCode::CORRUPT_MESSAGE;
  }
  if ((h.attributes & kCompressionMask) > static_cast<int16_t>(Compression::kZstd)) {
    message = fmt::format("unknown compression codec {}", h.attributes & kCompressionMask);
    return ErrorCode::CORRUPT_MESSAGE;
  }
  if (h.is_control() && !limits.allow_control_batches) {
    message = "clients may not write control batches";
    return ErrorCode::INVALID_RECORD;
  }
  if (h.record_count < 1 || h.last_offset_delta != h.record_count - 1) {
    message = fmt::format("record count {} does not match last offset delta {}", h.record_count,
                          h.last_offset_delta);
    return ErrorCode::INVALID_RECORD;
  }

  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (h.compression() != Compression::kNone) {
    if (!decompress(h.compression(), records, scratch_, limits.max_uncompressed_bytes)) {
      message = "cannot decompress record batch";
      return ErrorCode::CORRUPT_MESSAGE;
    }
    records = scratch_;
  }
  RecordIterator it(records, h.record_count);
  RecordView r;
  int32_t expected_delta = 0;
  vb.max_timestamp = -1;
  // Keyless records are listed for the first batch holding any, as Kafka reports them.
  const bool find_keyless = limits.find_keyless_records && keyless_.empty() && !h.is_control();
  while (it.next(r)) {
    if (r.offset_delta != expected_delta) {
      message = fmt::format("record offset delta {} where {} was expected", r.offset_delta,
                            expected_delta);
      return ErrorCode::INVALID_RECORD;
    }
    if (find_keyless && r.key_length < 0) keyless_.push_back(expected_delta);
    const int64_t ts = h.base_timestamp + r.timestamp_delta;
    if (ts > vb.max_timestamp || expected_delta == 0) {
      vb.max_timestamp = ts;
      vb.offset_delta_of_max_ts = expected_delta;
    }
    ++expected_delta;
  }
  // Keep steady-state memory small after an unusually large batch.
  if (scratch_.capacity() > (8u << 20)) std::vector<uint8_t>().swap(scratch_);
  if (!it.finished_exactly()) {
    message = "malformed records in batch";
    return ErrorCode::CORRUPT_MESSAGE;
  }
  return ErrorCode::NONE;
}

void patch_offset_and_epoch(uint8_t* batch, int64_t base_offset, int32_t leader_epoch) noexcept {
  store_be64(batch + bl::kBaseOffset, base_offset);
  store_be32(batch + bl::kPartitionLeaderEpoch, leader_epoch);
}

bool patch_max_timestamp(std::span<uint8_t> batch, TimestampType type,
                         int64_t max_timestamp) noexcept {
  uint8_t* p = batch.data();
  const int16_t attrs = load_be16(p + bl::kAttributes);
  const int16_t new_attrs = type == TimestampType::kLogAppendTime
                                ? static_cast<int16_t>(attrs | kTimestampTypeBit)
                                : static_cast<int16_t>(attrs & ~kTimestampTypeBit);
  if (new_attrs == attrs && load_be64(p + bl::kMaxTimestamp) == max_timestamp) return false;
  store_be16(p + bl::kAttributes, new_attrs);
  store_be64(p + bl::kMaxTimestamp, max_timestamp);
  store_be32(p + bl::kCrc, static_cast<int32_t>(compute_batch_crc(batch)));
  return true;
}

bool transcode_batch(std::span<const uint8_t> batch, Compression codec, std::vector<uint8_t>& out,
                     std::vector<uint8_t>& scratch, std::vector<uint8_t>& buffer) {
  if (batch.size() < bl::kHeaderSize) return false;
  const BatchHeader h = BatchHeader::parse(batch.data());
  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (h.compression() != Compression::kNone) {
    if (!decompress(h.compression(), records, scratch, 256u << 20)) return false;
    records = scratch;
  }
  if (!compress(codec, records, buffer)) return false;
  const size_t at = out.size();
  out.insert(out.end(), batch.begin(), batch.begin() + bl::kHeaderSize);
  out.insert(out.end(), buffer.begin(), buffer.end());
  std::span<uint8_t> rebuilt(out.data() + at, out.size() - at);
  const auto attrs =
      static_cast<int16_t>((h.attributes & ~kCompressionMask) | static_cast<int16_t>(codec));
  store_be16(rebuilt.data() + bl::kAttributes, attrs);
  store_be32(rebuilt.data() + bl::kBatchLength,
             static_cast<int32_t>(rebuilt.size() - bl::kBatchLength - 4));
  store_be32(rebuilt.data() + bl::kCrc, static_cast<int32_t>(compute_batch_crc(rebuilt)));
  return true;
}

RecordSearchResult find_first_record_at_or_after(std::span<const uint8_t> batch, int64_t target,
                                                 std::vector<uint8_t>& scratch,
                                                 int64_t min_offset_delta) {
  RecordSearchResult result;
  if (batch.size() < bl::kHeaderSize) return result;
  const BatchHeader h = BatchHeader::parse(batch.data());
  min_offset_delta = std::max<int64_t>(min_offset_delta, 0);
  if (h.timestamp_type() == TimestampType::kLogAppendTime) {
    if (h.max_timestamp >= target && min_offset_delta <= h.last_offset_delta)
      result = {static_cast<int32_t>(min_offset_delta), h.max_timestamp};
    return result;
  }
  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (h.compression() != Compression::kNone) {
    if (!decompress(h.compression(), records, scratch, 256u << 20)) return result;
    records = scratch;
  }
  RecordIterator it(records, h.record_count);
  RecordView r;
  while (it.next(r)) {
    const int64_t ts = h.base_timestamp + r.timestamp_delta;
    if (ts >= target && r.offset_delta >= min_offset_delta) return {r.offset_delta, ts};
  }
  return result;
}

}  // namespace samsa::storage
