// Builds v2 record batches: for internal writers (e.g. the coordinator's logs) and
// for tests. The produce path never uses it: client batches are stored verbatim.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "samsa/storage/record_batch.h"

namespace samsa::storage {

struct RecordHeaderSpec {
  std::string_view key;
  std::optional<std::string_view> value;
};

struct RecordSpec {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int64_t timestamp = 0;
  std::vector<RecordHeaderSpec> headers;
};

struct BatchSpec {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  Compression compression = Compression::kNone;
  TimestampType timestamp_type = TimestampType::kCreateTime;
  bool transactional = false;
  bool control = false;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
};

// Returns a complete batch with a correct CRC. `records` must not be empty.
std::vector<uint8_t> build_batch(const BatchSpec& spec, std::span<const RecordSpec> records);

}  // namespace samsa::storage
