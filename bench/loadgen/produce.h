// The produce load: pre-built record batches sent over N connections with K requests
// in flight each, every answer checked, every request timed.
#pragma once

#include <cstdint>
#include <string>

#include "admin.h"
#include "totals.h"

namespace samsa::bench {

struct ProduceOptions {
  std::string host;
  uint16_t port = 0;
  size_t record_size = 100;
  size_t batch_bytes = 16 * 1024;  // fill batches up to this size...
  int records_per_batch = 0;       // ...unless this is set (> 0)
  int16_t acks = 1;
  int connections = 1;
  int in_flight = 8;
  double duration_s = 10;  // used when messages == 0
  int64_t messages = 0;    // stop after this many records (rounded up to whole batches)
  double warmup_s = 1;     // answers received earlier are not counted
  int16_t version = 9;
};

struct ProduceResult : AnswerTotals {
  int records_per_batch = 0;
  size_t batch_bytes = 0;
  int64_t records = 0;  // acknowledged without error within the window
  int64_t bytes = 0;    // record-batch bytes of those records
  double seconds = 0;   // the measured window
};

ProduceResult run_produce(const ProduceOptions& options, const TopicInfo& topic);

}  // namespace samsa::bench
