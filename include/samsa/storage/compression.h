// Kafka's batch codecs: gzip, snappy (raw or xerial-framed), lz4 frame, zstd.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "samsa/storage/record_batch.h"

namespace samsa::storage {

// Decompresses `in` into `out` (resized to the produced size). Returns false on corrupt
// input, an unknown codec, or output larger than `max_out`.
bool decompress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                size_t max_out);

// Compresses `in` (replacing `out`); snappy output uses the xerial framing Kafka's Java
// client writes. Used by tests and by writers of internal batches.
bool compress(Compression codec, std::span<const uint8_t> in, std::vector<uint8_t>& out);

}  // namespace samsa::storage
