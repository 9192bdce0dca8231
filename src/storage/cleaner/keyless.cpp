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

}  // namespace samsa::storage::cleaner
