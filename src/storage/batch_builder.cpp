#include "samsa/storage/batch_builder.h"

#include <algorithm>

#include "samsa/storage/compression.h"
#include "samsa/storage/varint.h"

namespace samsa::storage {
namespace bl = batch_layout;
namespace {

void put_bytes(std::vector<uint8_t>& out, std::optional<std::string_view> s) {
  if (!s) {
    put_varlong(out, -1);
    return;
  }
  put_varlong(out, static_cast<int64_t>(s->size()));
  out.insert(out.end(), s->begin(), s->end());
}

}  // namespace

std::vector<uint8_t> build_batch(const BatchSpec& spec, std::span<const RecordSpec> records) {
  const int64_t base_ts = records.empty() ? -1 : records.front().timestamp;
  int64_t max_ts = -1;
  std::vector<uint8_t> body;
  std::vector<uint8_t> rec;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordSpec& r = records[i];
    max_ts = std::max(max_ts, r.timestamp);
    rec.clear();
    rec.push_back(0);  // record attributes: unused
    put_varlong(rec, r.timestamp - base_ts);
    put_varlong(rec, static_cast<int64_t>(i));
    put_bytes(rec, r.key);
    put_bytes(rec, r.value);
    put_varlong(rec, static_cast<int64_t>(r.headers.size()));
    for (const auto& h : r.headers) {
      put_bytes(rec, h.key);
      put_bytes(rec, h.value);
    }
    put_varlong(body, static_cast<int64_t>(rec.size()));
    body.insert(body.end(), rec.begin(), rec.end());
  }
  std::vector<uint8_t> payload;
  compress(spec.compression, body, payload);

  std::vector<uint8_t> out(bl::kHeaderSize + payload.size());
  uint8_t* p = out.data();
  int16_t attrs = static_cast<int16_t>(spec.compression);
  if (spec.timestamp_type == TimestampType::kLogAppendTime) attrs |= kTimestampTypeBit;
  if (spec.transactional) attrs |= kTransactionalBit;
  if (spec.control) attrs |= kControlBit;
  store_be64(p + bl::kBaseOffset, spec.base_offset);
  store_be32(p + bl::kBatchLength, static_cast<int32_t>(out.size() - bl::kLogOverhead));
  store_be32(p + bl::kPartitionLeaderEpoch, spec.partition_leader_epoch);
  p[bl::kMagic] = kCurrentMagic;
  store_be16(p + bl::kAttributes, attrs);
  store_be32(p + bl::kLastOffsetDelta, static_cast<int32_t>(records.size()) - 1);
  store_be64(p + bl::kBaseTimestamp, base_ts);
  store_be64(p + bl::kMaxTimestamp, max_ts);
  store_be64(p + bl::kProducerId, spec.producer_id);
  store_be16(p + bl::kProducerEpoch, spec.producer_epoch);
  store_be32(p + bl::kBaseSequence, spec.base_sequence);
  store_be32(p + bl::kRecordCount, static_cast<int32_t>(records.size()));
  std::copy(payload.begin(), payload.end(), out.begin() + bl::kHeaderSize);
  store_be32(p + bl::kCrc, static_cast<int32_t>(compute_batch_crc(out)));
  return out;
}

}  // namespace samsa::storage
