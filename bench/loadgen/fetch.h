// The fetch load: one consumer reading every partition of a topic from offset 0 to
// the high watermark seen at the start, with large max_bytes.
#pragma once

#include <cstdint>
#include <string>

#include "admin.h"

namespace samsa::bench {

struct FetchOptions {
  std::string host;
  uint16_t port = 0;
  int32_t max_bytes = 64 << 20;
  int32_t partition_max_bytes = 64 << 20;
  bool verify_crc = false;  // check every batch's CRC-32C as a consumer would
  int16_t version = 12;
};

struct FetchResult {
  int64_t requests = 0;
  int64_t records = 0;
  int64_t bytes = 0;  // record-batch bytes received
  int64_t bad_batches = 0;
  int64_t errors = 0;
  double seconds = 0;
};

FetchResult run_fetch(const FetchOptions& options, const TopicInfo& topic);

}  // namespace samsa::bench
