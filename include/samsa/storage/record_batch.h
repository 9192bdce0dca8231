// Kafka record batches (magic 2): a parsed header, the record walker, validation of
// produce payloads, and the in-place patches made on append (offsets, leader epoch,
// LogAppendTime). Batches are never re-serialised: what the client sent is stored.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "samsa/protocol/error_code.h"

namespace samsa::storage {

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

// Byte positions inside a v2 batch (all integers big-endian).
namespace batch_layout {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kBatchLength = 8;
inline constexpr size_t kPartitionLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;  // the CRC covers from here to the end
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordCount = 57;
inline constexpr size_t kHeaderSize = 61;
// baseOffset + batchLength precede the part counted by batchLength.
inline constexpr size_t kLogOverhead = 12;
}  // namespace batch_layout

inline constexpr int8_t kCurrentMagic = 2;
inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kTimestampTypeBit = 0x08;
inline constexpr int16_t kTransactionalBit = 0x10;
inline constexpr int16_t kControlBit = 0x20;

// Big-endian helpers, shared by the storage code.
inline int64_t load_be64(const uint8_t* p) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}
inline int32_t load_be32(const uint8_t* p) noexcept {
  return static_cast<int32_t>(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
                              uint32_t(p[3]));
}
inline int16_t load_be16(const uint8_t* p) noexcept {
  return static_cast<int16_t>(uint16_t(p[0]) << 8 | uint16_t(p[1]));
}
inline void store_be64(uint8_t* p, int64_t v) noexcept {
  for (int i = 7; i >= 0; --i, v = static_cast<int64_t>(static_cast<uint64_t>(v) >> 8))
    p[i] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, int32_t v) noexcept {
  const auto u = static_cast<uint32_t>(v);
  p[0] = u >> 24;
  p[1] = u >> 16;
  p[2] = u >> 8;
  p[3] = u;
}
inline void store_be16(uint8_t* p, int16_t v) noexcept {
  const auto u = static_cast<uint16_t>(v);
  p[0] = u >> 8;
  p[1] = u;
}

// A copy of the 61-byte header's fields. `parse` needs kHeaderSize readable bytes.
struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  static BatchHeader parse(const uint8_t* p) noexcept;

  uint32_t size_in_bytes() const noexcept {
    return static_cast<uint32_t>(batch_length) + batch_layout::kLogOverhead;
  }
  int64_t last_offset() const noexcept { return base_offset + last_offset_delta; }
  Compression compression() const noexcept {
    return static_cast<Compression>(attributes & kCompressionMask);
  }
  TimestampType timestamp_type() const noexcept {
    return (attributes & kTimestampTypeBit) ? TimestampType::kLogAppendTime
                                            : TimestampType::kCreateTime;
  }
  bool is_transactional() const noexcept { return attributes & kTransactionalBit; }
  bool is_control() const noexcept { return attributes & kControlBit; }
  bool has_producer_id() const noexcept { return producer_id >= 0; }
  // Sequence of the last record, wrapping past INT32_MAX like Kafka does.
  int32_t last_sequence() const noexcept;
};

// The CRC-32C that the header should carry (over attributes..end of batch).
uint32_t compute_batch_crc(std::span<const uint8_t> batch) noexcept;

// One record of a batch, pointing into the (decompressed) record bytes.
struct RecordView {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  int32_t key_length = -1;  // -1: null key
  const uint8_t* key = nullptr;
  int32_t value_length = -1;  // -1: null value
  const uint8_t* value = nullptr;
  int32_t header_count = 0;
};

// Walks the records of a batch (uncompressed bytes after the header), checking that
// each record's varint length matches its content exactly.
class RecordIterator {
 public:
  RecordIterator(std::span<const uint8_t> records, int32_t count) noexcept
      : p_(records.data()), end_(records.data() + records.size()), remaining_(count) {}
  // Fills `out` and returns true while records remain. Returns false at the end or on
  // malformed input; then `ok()` tells which.
  bool next(RecordView& out) noexcept;
  bool ok() const noexcept { return ok_; }
  // True once all `count` records were read and no bytes are left over.
  bool finished_exactly() const noexcept { return ok_ && remaining_ == 0 && p_ == end_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  int32_t remaining_;
  bool ok_ = true;
};

// Result of validating one batch of a produce payload.
struct ValidatedBatch {
  uint32_t position = 0;  // inside the payload
  BatchHeader header;
  int64_t max_timestamp = -1;          // largest record timestamp (CreateTime)
  int32_t offset_delta_of_max_ts = 0;  // record holding it
};

struct ValidationLimits {
  uint32_t max_batch_bytes = 1048588;  // max.message.bytes
  // Upper bound for one decompressed batch: corrupt or hostile input cannot make the
  // broker allocate more than this.
  size_t max_uncompressed_bytes = 256u << 20;
  bool allow_control_batches = false;  // clients may not write control batches
  // Note the records without a key (a compacted topic's rule), in the same pass.
  bool find_keyless_records = false;
};

// Validates produce payloads the way Kafka's LogValidator does (structure, magic, CRC,
// counts, codec, and every record, decompressing when needed). Keeps its scratch
// buffer between calls so steady-state validation does not allocate.
class BatchValidator {
 public:
  // On success fills `out` (cleared first) with one entry per batch. On failure returns
  // the Kafka error and a human-readable reason in `message`.
  ErrorCode validate(std::span<const uint8_t> payload, const ValidationLimits& limits,
                     std::vector<ValidatedBatch>& out, std::string& message);

  // With ValidationLimits::find_keyless_records, after a successful validate(): the
  // indexes of the keyless records in the first batch that has any (empty when none),
  // so a compacted topic's check needs no second decompression.
  const std::vector<int32_t>& keyless_records() const { return keyless_; }

 private:
  ErrorCode validate_one(std::span<const uint8_t> batch, const ValidationLimits& limits,
                         ValidatedBatch& vb, std::string& message);
  std::vector<uint8_t> scratch_;
  std::vector<int32_t> keyless_;
};

// Writes the base offset and partition leader epoch (outside the CRC: no recompute).
void patch_offset_and_epoch(uint8_t* batch, int64_t base_offset, int32_t leader_epoch) noexcept;

// Sets the timestamp type bit and max timestamp; recomputes the CRC only if either
// changed. Returns true when it did. `batch` covers the whole batch.
bool patch_max_timestamp(std::span<uint8_t> batch, TimestampType type,
                         int64_t max_timestamp) noexcept;

// Appends to `out` the batch re-encoded with `codec`: the records section decompressed
// (into `scratch`) and compressed again (through `buffer`), every header field kept but
// the compression bits, the length and the CRC. Kafka recompresses on append this way
// when a topic's compression.type differs from the producer's codec. False when the
// records cannot be decompressed or compressed.
bool transcode_batch(std::span<const uint8_t> batch, Compression codec, std::vector<uint8_t>& out,
                     std::vector<uint8_t>& scratch, std::vector<uint8_t>& buffer);

// Finds the first record whose timestamp is >= target in a whole batch (decompressing
// into `scratch` when needed). Returns the record's offset delta and timestamp, or
// offset_delta -1 if none. For LogAppendTime batches every record carries maxTimestamp.
// Records before `min_offset_delta` are not candidates: the log start may lie inside
// the batch (DeleteRecords), and records below it no longer exist.
struct RecordSearchResult {
  int32_t offset_delta = -1;
  int64_t timestamp = -1;
};
RecordSearchResult find_first_record_at_or_after(std::span<const uint8_t> batch, int64_t target,
                                                 std::vector<uint8_t>& scratch,
                                                 int64_t min_offset_delta = 0);

}  // namespace samsa::storage
