#include "samsa/storage/cleaner/keyless.h"

#include "samsa/storage/compression.h"
#include "samsa/storage/record_batch.h"

namespace samsa::storage::cleaner {
namespace bl = batch_layout;

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

int32_t first_keyless_record(std::span<const uint8_t> batch, std::vector<uint8_t>& scratch) {
  std::vector<int32_t> indexes;
  if (!keyless_record_indexes(batch, scratch, indexes)) return -2;
  return indexes.empty() ? -1 : indexes.front();
}

}  // namespace samsa::storage::cleaner
