// Helpers for the log cleaner's tests: keyed batches and a decoder of what a clean wrote.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/compression.h"
#include "samsa/storage/partition_log.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage::testing {

struct KV {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  int64_t timestamp = 0;
};

inline std::vector<uint8_t> keyed_batch(const std::vector<KV>& kvs, BatchSpec spec = {}) {
  std::vector<RecordSpec> records;
  for (const KV& kv : kvs) {
    RecordSpec r;
    if (kv.key) r.key = *kv.key;
    if (kv.value) r.value = *kv.value;
    r.timestamp = kv.timestamp;
    records.push_back(r);
  }
  return build_batch(spec, records);
}

struct DecodedRecord {
  int64_t offset;
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool operator==(const DecodedRecord&) const = default;
};

// Every record of the whole batches in `bytes`, checking each batch's CRC.
inline std::vector<DecodedRecord> decode_records(std::span<const uint8_t> bytes,
                                                 std::vector<BatchHeader>* headers = nullptr) {
  namespace bl = batch_layout;
  std::vector<DecodedRecord> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    EXPECT_GE(bytes.size() - pos, bl::kHeaderSize);
    if (bytes.size() - pos < bl::kHeaderSize) break;
    const BatchHeader h = BatchHeader::parse(bytes.data() + pos);
    const auto batch = bytes.subspan(pos, h.size_in_bytes());
    EXPECT_EQ(compute_batch_crc(batch), h.crc) << "batch at " << h.base_offset;
    if (headers) headers->push_back(h);
    std::vector<uint8_t> plain;
    std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
    if (h.compression() != Compression::kNone) {
      EXPECT_TRUE(decompress(h.compression(), records, plain, 1 << 26));
      records = plain;
    }
    RecordIterator it(records, h.record_count);
    RecordView v;
    int32_t n = 0;
    while (it.next(v)) {
      DecodedRecord d;
      d.offset = h.base_offset + v.offset_delta;
      d.timestamp = h.timestamp_type() == TimestampType::kLogAppendTime
                        ? h.max_timestamp
                        : h.base_timestamp + v.timestamp_delta;
      if (v.key_length >= 0)
        d.key = std::string(reinterpret_cast<const char*>(v.key), v.key_length);
      if (v.value_length >= 0)
        d.value = std::string(reinterpret_cast<const char*>(v.value), v.value_length);
      out.push_back(std::move(d));
      ++n;
    }
    EXPECT_TRUE(it.finished_exactly());
    EXPECT_EQ(n, h.record_count);
    pos += h.size_in_bytes();
  }
  return out;
}

// Every record of `log` from its start, as a consumer would read them; with
// `all_headers`, also every batch's header (control batches and emptied ones too).
inline std::vector<DecodedRecord> read_log_records(
    PartitionLog& log, std::vector<BatchHeader>* all_headers = nullptr) {
  std::vector<DecodedRecord> out;
  int64_t offset = log.log_start_offset();
  while (offset < log.log_end_offset()) {
    const ReadResult r = log.read(offset, 1 << 20, true);
    EXPECT_EQ(r.error, ErrorCode::NONE);
    if (r.error != ErrorCode::NONE || r.slices.empty()) break;
    std::vector<BatchHeader> headers;
    for (const FileSlice& s : r.slices) {
      std::vector<uint8_t> bytes(s.length);
      EXPECT_EQ(::pread(s.file->fd(), bytes.data(), bytes.size(), static_cast<off_t>(s.offset)),
                static_cast<ssize_t>(bytes.size()));
      for (auto& rec : decode_records(bytes, &headers)) {
        if (rec.offset >= offset) out.push_back(std::move(rec));
      }
    }
    if (all_headers) {
      for (const BatchHeader& h : headers)
        if (h.last_offset() >= offset) all_headers->push_back(h);
    }
    offset = headers.back().last_offset() + 1;
  }
  return out;
}

}  // namespace samsa::storage::testing
