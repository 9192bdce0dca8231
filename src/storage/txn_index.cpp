#include "samsa/storage/txn_index.h"

#include <string_view>

#include "samsa/storage/batch_builder.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage {
namespace bl = batch_layout;

bool parse_txn_marker(std::span<const uint8_t> batch, TxnMarker& out) {
  if (batch.size() < bl::kHeaderSize) return false;
  const BatchHeader h = BatchHeader::parse(batch.data());
  // Kafka never compresses control batches; one it did not write is not a marker.
  if (!h.is_control() || h.compression() != Compression::kNone || h.record_count < 1) return false;
  RecordIterator records(batch.subspan(bl::kHeaderSize), h.record_count);
  RecordView r;
  if (!records.next(r)) return false;
  // Key: version, type. Value: version, coordinator epoch. Later versions may append
  // fields, so only the minimum sizes are checked (as Kafka does).
  if (r.key_length < 4 || r.value_length < 6) return false;
  const int16_t type = load_be16(r.key + 2);
  if (type != static_cast<int16_t>(MarkerType::kAbort) &&
      type != static_cast<int16_t>(MarkerType::kCommit))
    return false;
  if (load_be16(r.value) < 0) return false;
  out.type = static_cast<MarkerType>(type);
  out.coordinator_epoch = load_be32(r.value + 2);
  return true;
}

std::vector<uint8_t> build_txn_marker_batch(int64_t producer_id, int16_t producer_epoch,
                                            const TxnMarker& marker, int64_t timestamp) {
  uint8_t key[4], value[6];
  store_be16(key, 0);
  store_be16(key + 2, static_cast<int16_t>(marker.type));
  store_be16(value, 0);
  store_be32(value + 2, marker.coordinator_epoch);
  BatchSpec spec;
  spec.control = true;
  spec.transactional = true;
  spec.producer_id = producer_id;
  spec.producer_epoch = producer_epoch;
  spec.base_sequence = -1;
  RecordSpec record;
  record.key = std::string_view(reinterpret_cast<const char*>(key), sizeof key);
  record.value = std::string_view(reinterpret_cast<const char*>(value), sizeof value);
  record.timestamp = timestamp;
  return build_batch(spec, std::span<const RecordSpec>(&record, 1));
}

void encode_txn_index_entry(const AbortedTxnEntry& e, uint8_t* out) {
  store_be16(out, kTxnIndexVersion);
  store_be64(out + 2, e.producer_id);
  store_be64(out + 10, e.first_offset);
  store_be64(out + 18, e.last_offset);
  store_be64(out + 26, e.last_stable_offset);
}

bool decode_txn_index_entry(const uint8_t* in, AbortedTxnEntry& out) {
  if (load_be16(in) != kTxnIndexVersion) return false;
  out.producer_id = load_be64(in + 2);
  out.first_offset = load_be64(in + 10);
  out.last_offset = load_be64(in + 18);
  out.last_stable_offset = load_be64(in + 26);
  return out.producer_id >= 0 && out.first_offset >= 0 && out.first_offset <= out.last_offset &&
         out.last_stable_offset >= 0;
}

}  // namespace samsa::storage
