#include <fmt/format.h>

#include "samsa/config/config.h"
#include "samsa/util/log.h"

namespace samsa::config {

void log_config_summary(const BrokerConfig& c) {
  for (const Listener& l : c.listeners) {
    spdlog::info("listener {}: bind {} advertise {} ({})", l.bind.listener_name, host_port(l.bind),
                 host_port(l.advertised), to_string(l.protocol));
  }
  spdlog::info("node.id={} log.dirs={} num.partitions={} auto.create.topics.enable={}", c.node_id,
               c.log_dir.string(), c.num_partitions, c.auto_create_topics_enable);
  spdlog::info(
      "message.max.bytes={} log.segment.bytes={} log.retention.ms={} "
      "log.retention.bytes={}",
      c.message_max_bytes, c.log_segment_bytes, c.log_retention_ms, c.log_retention_bytes);
  if (!c.inert_keys.empty()) {
    std::string keys;
    for (const std::string& k : c.inert_keys) keys += (keys.empty() ? "" : ", ") + k;
    spdlog::info("accepted with no effect on a single node: {}", keys);
  }
  for (const std::string& w : c.warnings) spdlog::warn("config: {}", w);
}

}  // namespace samsa::config
