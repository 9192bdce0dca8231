#include "samsa/storage/cleaner/record_filter.h"

#include <algorithm>

#include "samsa/storage/compression.h"
#include "samsa/storage/varint.h"

namespace samsa::storage::cleaner {
namespace bl = batch_layout;
namespace {

// Upper bound for one decompressed batch, as the produce path's validator.
constexpr size_t kMaxUncompressedBytes = 256u << 20;

// Appends `record` (length varint, attributes, timestamp delta, the rest) with its
// timestamp delta replaced by `new_delta`. False when the record cannot be read.
bool reencode_timestamp(std::span<const uint8_t> record, int64_t new_delta,
                        std::vector<uint8_t>& out) {
  const uint8_t* p = record.data();
  const uint8_t* end = p + record.size();
  int64_t length, old_delta;
  if (!read_varlong(p, end, length) || p == end) return false;
  const uint8_t attributes = *p++;
  if (!read_varlong(p, end, old_delta)) return false;
  std::vector<uint8_t> head;
  head.push_back(attributes);
  put_varlong(head, new_delta);
  const size_t body = head.size() + static_cast<size_t>(end - p);
  put_varlong(out, static_cast<int64_t>(body));
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), p, end);
  return true;
}

// Whether a data record survives: it has a key, no newer record of that key is in the
// map, and, for a tombstone, its batch's delete horizon has not passed (a tombstone in
// a batch not stamped yet asks for the stamp).
bool keep_record(const BatchHeader& h, const RecordView& v, const CleaningContext& ctx,
                 FilterResult& r, bool& needs_horizon) {
  if (v.key_length < 0) {
    ++r.keyless_removed;
    return false;
  }
  const int64_t newest = ctx.map->get(std::span<const uint8_t>(v.key, v.key_length));
  if (newest >= 0 && h.base_offset + v.offset_delta < newest) return false;
  if (v.value_length < 0) {
    if (has_delete_horizon(h) && ctx.now_ms >= h.base_timestamp) {
      ++r.tombstones_removed;
      return false;
    }
    if (!has_delete_horizon(h)) needs_horizon = true;
  }
  return true;
}

// Kafka's empty batch (RETAIN_EMPTY): the header alone, no codec, no horizon, the
// batch's max timestamp as both timestamps, and record count 0; offsets, producer id,
// epoch and sequences unchanged.
FilterResult& retain_empty(std::span<const uint8_t> batch, const BatchHeader& h,
                           std::vector<uint8_t>& out, FilterResult& r) {
  const size_t at = out.size();
  out.insert(out.end(), batch.begin(), batch.begin() + bl::kHeaderSize);
  uint8_t* q = out.data() + at;
  store_be32(q + bl::kBatchLength, static_cast<int32_t>(bl::kHeaderSize - bl::kLogOverhead));
  store_be16(q + bl::kAttributes,
             static_cast<int16_t>(h.attributes & ~kCompressionMask & ~kDeleteHorizonBit));
  store_be64(q + bl::kBaseTimestamp, h.max_timestamp);
  store_be64(q + bl::kMaxTimestamp, h.max_timestamp);
  store_be32(q + bl::kRecordCount, 0);
  std::span<uint8_t> rebuilt(q, bl::kHeaderSize);
  store_be32(q + bl::kCrc, static_cast<int32_t>(compute_batch_crc(rebuilt)));
  r.fate = BatchFate::kRetainedEmpty;
  r.records_kept = 0;
  r.max_timestamp = h.max_timestamp;
  r.offset_of_max_timestamp = h.base_offset;
  r.bytes_written = bl::kHeaderSize;
  return r;
}

}  // namespace

FilterResult RecordFilter::filter(std::span<const uint8_t> batch, const CleaningContext& ctx,
                                  std::vector<uint8_t>& out) {
  FilterResult r;
  if (batch.size() < bl::kHeaderSize) {
    r.fate = BatchFate::kMalformed;
    return r;
  }
  const BatchHeader h = BatchHeader::parse(batch.data());
  if (h.magic != kCurrentMagic || h.size_in_bytes() != batch.size() || h.record_count < 0) {
    r.fate = BatchFate::kMalformed;
    return r;
  }
  r.records_read = h.record_count;
  auto copy = [&] {
    out.insert(out.end(), batch.begin(), batch.end());
    r.fate = BatchFate::kCopied;
    r.records_kept = h.record_count;
    r.bytes_written = batch.size();
    return r;
  };
  bool aborted = false;
  bool marker_may_go = false;
  bool last_of_producer = false;
  if (h.is_control()) {
    if (ctx.txns) marker_may_go = ctx.txns->on_control_batch(h, batch);
    if (h.has_producer_id() && ctx.marker_epoch_of_producer) {
      const auto it = ctx.marker_epoch_of_producer->find(h.producer_id);
      last_of_producer =
          it != ctx.marker_epoch_of_producer->end() && it->second == h.producer_epoch;
    }
  } else {
    if (ctx.txns) aborted = ctx.txns->on_data_batch(h);
    if (h.has_producer_id() && ctx.last_batch_of_producer) {
      const auto it = ctx.last_batch_of_producer->find(h.producer_id);
      last_of_producer = it != ctx.last_batch_of_producer->end() && it->second == h.base_offset;
    }
  }
  bool needs_horizon = false;
  if (h.is_control()) {
    r.max_timestamp = h.max_timestamp;
    r.offset_of_max_timestamp = h.base_offset;
    const bool horizon_passed = has_delete_horizon(h) && ctx.now_ms >= h.base_timestamp;
    if (marker_may_go && (h.record_count == 0 || horizon_passed)) {
      r.markers_removed = h.record_count;
      if (!last_of_producer) {
        r.fate = BatchFate::kRemoved;
        return r;
      }
      if (h.record_count == 0) return copy();
      return retain_empty(batch, h, out, r);
    }
    // Removable but not stamped yet: rebuilt below with its horizon.
    if (!marker_may_go || has_delete_horizon(h)) return copy();
    needs_horizon = true;
  }
  const bool append_time = h.timestamp_type() == TimestampType::kLogAppendTime;

  kept_.clear();
  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (!aborted) {
    if (h.compression() != Compression::kNone) {
      if (!decompress(h.compression(), records, records_, kMaxUncompressedBytes)) {
        r.fate = BatchFate::kMalformed;
        return r;
      }
      records = records_;
    }
    const uint8_t* p = records.data();
    const uint8_t* end = p + records.size();
    for (int32_t i = 0; i < h.record_count; ++i) {
      const uint8_t* begin = p;
      int64_t length;
      if (!read_varlong(p, end, length) || length < 0 || end - p < length) {
        r.fate = BatchFate::kMalformed;
        return r;
      }
      p += length;
      RecordIterator it(std::span<const uint8_t>(begin, p), 1);
      RecordView v;
      if (!it.next(v) || !it.finished_exactly()) {
        r.fate = BatchFate::kMalformed;
        return r;
      }
      // A marker being stamped keeps its record as it is.
      if (!h.is_control() && !keep_record(h, v, ctx, r, needs_horizon)) continue;
      kept_.push_back({static_cast<size_t>(begin - records.data()),
                       static_cast<size_t>(p - records.data()), v.timestamp_delta, v.offset_delta});
    }
    if (p != end) {
      r.fate = BatchFate::kMalformed;
      return r;
    }
  }
  r.records_kept = static_cast<int32_t>(kept_.size());

  // The max timestamp of what is kept, and the first record holding it.
  int64_t max_ts = -1;
  int32_t max_ts_delta = 0;
  for (const Kept& k : kept_) {
    const int64_t ts = append_time ? h.max_timestamp : h.base_timestamp + k.timestamp_delta;
    if (ts > max_ts) {
      max_ts = ts;
      max_ts_delta = k.offset_delta;
    }
  }

  if (!kept_.empty() && static_cast<int32_t>(kept_.size()) == h.record_count && !needs_horizon) {
    r.max_timestamp = h.max_timestamp;
    r.offset_of_max_timestamp = h.base_offset + max_ts_delta;
    return copy();
  }

  const size_t at = out.size();
  if (kept_.empty()) {
    if (!last_of_producer) {
      r.fate = BatchFate::kRemoved;
      return r;
    }
    return retain_empty(batch, h, out, r);
  }

  // Rebuild: the kept records, their timestamp deltas re-encoded when the base
  // timestamp becomes the delete horizon.
  const int64_t base_ts = needs_horizon ? ctx.now_ms + ctx.delete_retention_ms : h.base_timestamp;
  rebuilt_.clear();
  for (const Kept& k : kept_) {
    const std::span<const uint8_t> raw = records.subspan(k.begin, k.end - k.begin);
    if (base_ts == h.base_timestamp) {
      rebuilt_.insert(rebuilt_.end(), raw.begin(), raw.end());
    } else if (!reencode_timestamp(raw, h.base_timestamp + k.timestamp_delta - base_ts, rebuilt_)) {
      r.fate = BatchFate::kMalformed;
      return r;
    }
  }
  std::span<const uint8_t> body = rebuilt_;
  if (h.compression() != Compression::kNone) {
    if (!compress(h.compression(), rebuilt_, compressed_)) {
      r.fate = BatchFate::kMalformed;
      return r;
    }
    body = compressed_;
  }
  out.insert(out.end(), batch.begin(), batch.begin() + bl::kHeaderSize);
  out.insert(out.end(), body.begin(), body.end());
  uint8_t* q = out.data() + at;
  const size_t size = out.size() - at;
  const int64_t batch_max_ts = append_time ? h.max_timestamp : max_ts;
  store_be32(q + bl::kBatchLength, static_cast<int32_t>(size - bl::kLogOverhead));
  store_be16(q + bl::kAttributes,
             static_cast<int16_t>(h.attributes | (needs_horizon ? kDeleteHorizonBit : 0)));
  store_be64(q + bl::kBaseTimestamp, base_ts);
  store_be64(q + bl::kMaxTimestamp, batch_max_ts);
  store_be32(q + bl::kRecordCount, static_cast<int32_t>(kept_.size()));
  store_be32(q + bl::kCrc, static_cast<int32_t>(compute_batch_crc({q, size})));
  r.fate = BatchFate::kRewritten;
  r.max_timestamp = batch_max_ts;
  r.offset_of_max_timestamp =
      h.base_offset + (append_time ? kept_.front().offset_delta : max_ts_delta);
  r.bytes_written = size;
  return r;
}

}  // namespace samsa::storage::cleaner
