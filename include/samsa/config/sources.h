// Where configuration comes from: a profile's defaults (`samsa serve --ephemeral`), the
// server.properties file, KAFKA_* environment variables (the apache/kafka docker image's
// convention), a late file (`samsa serve --await-config`: written after the process
// started, by whoever only then knows a value, e.g. a container's host-mapped port) and
// --override key=value.
// Precedence, lowest to highest: profile < file < environment < late file < --override.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "samsa/config/properties.h"

namespace samsa::config {

enum class ConfigSource { kDefault, kProfile, kFile, kEnvironment, kLateFile, kOverride };
std::string_view to_string(ConfigSource source);

struct RawValue {
  std::string value;
  ConfigSource source = ConfigSource::kDefault;
  std::string origin;  // the environment variable that set it, for messages
};

// Every key that was set anywhere, with the value and the layer that won.
using RawConfig = std::map<std::string, RawValue, std::less<>>;

// Maps an environment variable name to a config key the way the Kafka images people
// already use do, so their compose files work unchanged:
// - apache/kafka and confluentinc/cp-kafka: strip "KAFKA_", lower-case, then each run of
//   underscores becomes "-" per three, then "_" for a remaining two or "." for a
//   remaining one (KAFKA_LOG_DIRS -> log.dirs, KAFKA_FOO__BAR -> foo_bar,
//   KAFKA_FOO___BAR -> foo-bar). CLUSTER_ID (the storage-format variable) -> cluster.id.
// - bitnami/kafka: KAFKA_CFG_<NAME> the same way; KAFKA_KRAFT_CLUSTER_ID -> cluster.id.
// - wurstmeister/kafka: its variables map by the same rule to Kafka 2's keys
//   (advertised.host.name, advertised.port, port, host.name) and to create.topics /
//   create.topics.separator (KAFKA_CREATE_TOPICS), which BrokerConfig reads.
// Variables that configure a JVM, logging, JMX or an image's own scripts (KAFKA_HEAP_OPTS,
// KAFKA_JMX_PORT, KAFKA_LOG4J_LOGGERS, KAFKA_ENABLE_KRAFT, ...) are not config and map
// to nullopt, as does any name without the prefix.
std::optional<std::string> env_name_to_key(std::string_view env_name);

// Reads "NAME=VALUE" strings (as in `environ`) into key/value pairs via env_name_to_key.
Properties properties_from_environment(const std::vector<std::string>& environment);
// The variable each key of properties_from_environment came from.
std::map<std::string, std::string, std::less<>> environment_origins(
    const std::vector<std::string>& environment);
// The current process environment.
std::vector<std::string> process_environment();

// Parses one --override argument "key=value" (split at the first '='; the key is
// trimmed, the value kept as given). Throws ConfigError on a missing '=' or empty key.
std::pair<std::string, std::string> parse_override(std::string_view arg);

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Merges the layers by precedence.
RawConfig merge_layers(const Properties& file, const Properties& environment,
                       const KeyValues& overrides, const KeyValues& profile = {},
                       const Properties& late_file = {});

}  // namespace samsa::config
