// Stored record batches as the console shows them: the records of a batch with their
// headers (decompressed when needed), and how a key, value or header value is presented
// to the browser: null, JSON, text or binary, always with its base64 and size.
// Pure functions over bytes; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/storage/record_batch.h"

namespace samsa::http {

using ByteView = std::optional<std::span<const uint8_t>>;  // nullopt: null

struct RecordHeader {
  std::string_view key;
  ByteView value;
};

// One record of a batch. Spans point into the batch or its decompressed records and
// are valid only during the callback.
struct DecodedRecord {
  int64_t offset = 0;
  int64_t timestamp = -1;
  storage::TimestampType timestamp_type = storage::TimestampType::kCreateTime;
  ByteView key;
  ByteView value;
  std::vector<RecordHeader> headers;
};

enum class DecodeStatus {
  kOk,
  kCorrupt,     // bad lengths or varints, or the records do not add up to the count
  kUndecodable  // the codec refused the bytes, or they decompress past the limit
};

// Calls `fn` for each record of `batch` (one whole v2 batch, header included) whose
// offset is at least `min_offset`, in order; `fn` returns false to stop. Control batches
// must be filtered out by the caller (their records are markers). `scratch` holds the
// decompressed records.
DecodeStatus for_each_record(std::span<const uint8_t> batch, int64_t min_offset,
                             size_t max_uncompressed, std::vector<uint8_t>& scratch,
                             const std::function<bool(const DecodedRecord&)>& fn);

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;
std::string base64_encode(std::span<const uint8_t> bytes);

// "json" (UTF-8 text holding a JSON object or array), "text" (UTF-8 without control
// characters other than tab, CR, LF), "binary", or "null".
const char* detect_format(ByteView bytes);

// {"text", "base64", "size", "format"} as the API contract describes byte values; text
// and base64 show at most `max_shown` bytes (text cut at a character boundary), and then
// "truncated": true is added. `size` is always the full size (-1 for null).
nlohmann::json bytes_json(ByteView bytes, size_t max_shown);

// "none", "gzip", "snappy", "lz4", "zstd".
const char* compression_name(storage::Compression codec) noexcept;

}  // namespace samsa::http
