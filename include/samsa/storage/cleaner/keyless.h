// Produce-time check of compacted topics (Kafka's LogValidator): the cleaner keeps the
// newest record per key, so a compacted topic refuses records without a key
// (INVALID_RECORD). Kept apart from the cleaner's other headers so that the append path
// includes only this.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace samsa::storage::cleaner {

// The index of the first record without a key in the whole v2 batch `batch`
// (decompressed into `scratch` when needed), or -1 when every record has a key or the
// batch is a control batch; -2 when the records cannot be read.
int32_t first_keyless_record(std::span<const uint8_t> batch, std::vector<uint8_t>& scratch);
// Every record without a key, by its index in the batch (Kafka's batchIndex), into
// `indexes` (cleared first). False when the records cannot be read.
bool keyless_record_indexes(std::span<const uint8_t> batch, std::vector<uint8_t>& scratch,
                            std::vector<int32_t>& indexes);

}  // namespace samsa::storage::cleaner
