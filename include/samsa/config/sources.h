// Where configuration comes from: the server.properties file, KAFKA_* environment
// variables (the apache/kafka docker image's convention) and --override key=value.
// Precedence, lowest to highest: file < environment < --override.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "samsa/config/properties.h"

namespace samsa::config {

enum class ConfigSource { kDefault, kFile, kEnvironment, kOverride };
std::string_view to_string(ConfigSource source);

struct RawValue {
  std::string value;
  ConfigSource source = ConfigSource::kDefault;
};

// Every key that was set anywhere, with the value and the layer that won.
using RawConfig = std::map<std::string, RawValue, std::less<>>;

// Maps an environment variable name to a config key the way the apache/kafka image
// does: strip "KAFKA_", lower-case, then each run of underscores becomes "-" per three,
// then "_" for a remaining two or "." for a remaining one (KAFKA_LOG_DIRS -> log.dirs,
// KAFKA_FOO__BAR -> foo_bar, KAFKA_FOO___BAR -> foo-bar). JVM/launcher variables
// (KAFKA_HOME, KAFKA_OPTS, KAFKA_HEAP_OPTS, ...) are not config and map to nullopt, as
// does any name without the prefix. CLUSTER_ID (the image's storage-format variable)
// maps to cluster.id.
std::optional<std::string> env_name_to_key(std::string_view env_name);

// Reads "NAME=VALUE" strings (as in `environ`) into key/value pairs via env_name_to_key.
Properties properties_from_environment(const std::vector<std::string>& environment);
// The current process environment.
std::vector<std::string> process_environment();

// Parses one --override argument "key=value" (split at the first '='; the key is
// trimmed, the value kept as given). Throws ConfigError on a missing '=' or empty key.
std::pair<std::string, std::string> parse_override(std::string_view arg);

// Merges the layers by precedence.
RawConfig merge_layers(const Properties& file, const Properties& environment,
                       const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace samsa::config
