// Answer counts of the produce and commit modes, per connection and per run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "latency.h"

namespace samsa::bench {

// What a load connection counts, and a whole run as their sum. Request counts and latency
// cover answers inside the measured window; errors cover the whole run.
struct AnswerTotals {
  int64_t requests = 0;
  int64_t errors = 0;  // partition answers with a non-zero error code
  int16_t first_error = 0;
  int64_t last_answer_ns = 0;
  LatencySamples latency;
  std::string failure;  // why the connection stopped early, if it did

  void partition_error(int16_t code) {
    if (errors++ == 0) first_error = code;
  }
  // Counts an answer that came inside the window; returns false (nothing counted)
  // for one during the warm-up.
  bool count_answer(int64_t sent_ns, int64_t answered_ns, int64_t measure_from_ns) {
    if (answered_ns < measure_from_ns) return false;
    ++requests;
    latency.add(answered_ns - sent_ns);
    last_answer_ns = answered_ns;
    return true;
  }
  // Adds one connection's counts to the run's.
  void add(const AnswerTotals& other) {
    requests += other.requests;
    if (other.errors > 0 && errors == 0) first_error = other.first_error;
    errors += other.errors;
    latency.merge(other.latency);
    last_answer_ns = std::max(last_answer_ns, other.last_answer_ns);
  }
};

}  // namespace samsa::bench
