// The documentation DescribeConfigs (v3+, includeDocumentation) sends with each config:
// samsa's own short description of every topic-level key and broker setting it reports,
// saying what the key controls, its unit, what special values mean, and where a single
// node differs from a Kafka cluster. Two sorted static tables; a look-up allocates nothing.
#pragma once

#include <optional>
#include <string_view>

namespace samsa::broker::admin {

// The description of the topic-level config `key` (retention.ms, cleanup.policy, ...),
// or nullopt for a key samsa does not know.
std::optional<std::string_view> topic_config_documentation(std::string_view key);

// The description of the broker setting `key` (every key samsa reads, the cluster-only
// keys it accepts and ignores, and the coordinators' untyped keys), or nullopt for an
// unknown key that was only kept to be reported.
std::optional<std::string_view> broker_config_documentation(std::string_view key);

}  // namespace samsa::broker::admin
