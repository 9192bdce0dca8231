#include "samsa/storage/cleaner/keyless.h"

#include "samsa/storage/compression.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage::cleaner {
namespace bl = batch_layout;

int32_t first_keyless_record(std::span<const uint8_t> batch, std::vector<uint8_t>& scratch) {
  if (batch.size() < bl::kHeaderSize) return -2;
  const BatchHeader h = BatchHeader::parse(batch.data());
  if (h.is_control()) return -1;
  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (h.compression() != Compression::kNone) {
    if (!decompress(h.compression(), records, scratch, 256u << 20)) return -2;
    records = scratch;
  }
  RecordIterator it(records, h.record_count);
  RecordView v;
  while (it.next(v)) {
    if (v.key_length < 0) return v.offset_delta;
  }
  return it.ok() ? -1 : -2;
}

bool keyless_record_indexes(std::span<const uint8_t> batch, std::vector<uint8_t>& scratch,
                            std::vector<int32_t>& indexes) {
  indexes.clear();
  if (batch.size() < bl::kHeaderSize) return false;
  const BatchHeader h = BatchHeader::parse(batch.data());
  if (h.is_control()) return true;
  std::span<const uint8_t> records = batch.subspan(bl::kHeaderSize);
  if (h.compression() != Compression::kNone) {
    if (!decompress(h.compression(), records, scratch, 256u << 20)) return false;
    records = scratch;
  }
  RecordIterator it(records, h.record_count);
  RecordView v;
  for (int32_t index = 0; it.next(v); ++index) {
    if (v.key_length < 0) indexes.push_back(index);
  }
  return it.ok();
}

}  // namespace samsa::storage::cleaner
