// What the load generator learns from the broker before it sends load: the API
// versions it serves, and a topic that exists with its partitions led by a broker.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "samsa/protocol/types.h"
#include "wire.h"

namespace samsa::bench {

// Highest version the broker serves, per API key.
class ApiVersions {
 public:
  static ApiVersions query(Connection& conn);

  bool serves(int16_t api_key) const { return max_.count(api_key) != 0; }
  // The highest version both sides speak: min(broker max, our max). Throws if the
  // broker does not serve the API or the ranges do not overlap.
  int16_t pick(int16_t api_key, int16_t our_min, int16_t our_max, const char* name) const;

 private:
  std::map<int16_t, std::pair<int16_t, int16_t>> max_;  // key -> (min, max)
};

struct TopicInfo {
  std::string name;
  protocol::Uuid id;
  std::vector<int32_t> partitions;  // ascending partition indexes
};

// Makes sure `topic` exists with at least `partitions` partitions: CreateTopics when
// the broker serves it (an existing topic is fine), then Metadata (which also
// auto-creates) until every partition has a leader. Throws on timeout.
TopicInfo ensure_topic(Connection& conn, const ApiVersions& apis, const std::string& topic,
                       int32_t partitions, std::chrono::milliseconds timeout);

}  // namespace samsa::bench
