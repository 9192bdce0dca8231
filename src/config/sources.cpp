#include "samsa/config/sources.h"
#include "samsa/util/strings.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "samsa/config/error.h"

extern char** environ;

namespace samsa::config {
namespace {

// Variables of the Kafka launch scripts and docker images that configure the JVM,
// logging or the image itself, never the broker.
constexpr std::array<std::string_view, 35> kNotConfig = {
    // Kafka's launch scripts (all images)
    "KAFKA_HOME",
    "KAFKA_OPTS",
    "KAFKA_HEAP_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_VERSION",
    "KAFKA_DEBUG",
    "KAFKA_CLASSPATH",
    "KAFKA_ZOOKEEPER_CLIENT_CNXN_SOCKET",
    "KAFKA_LOG_DIR_OPTS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    // bitnami/kafka's scripts
    "KAFKA_ENABLE_KRAFT",
    "KAFKA_SKIP_KRAFT_STORAGE_INIT",
    "KAFKA_MOUNTED_CONF_DIR",
    "KAFKA_CLIENT_USERS",
    "KAFKA_CLIENT_PASSWORDS",
    "KAFKA_CLIENT_LISTENER_NAME",
    "KAFKA_INTER_BROKER_USER",
    "KAFKA_INTER_BROKER_PASSWORD",
    "KAFKA_CONTROLLER_USER",
    "KAFKA_CONTROLLER_PASSWORD",
    "KAFKA_CERTIFICATE_PASSWORD",
    "KAFKA_TLS_TYPE",
    "KAFKA_TLS_CLIENT_AUTH",
    "KAFKA_ZOOKEEPER_PROTOCOL",
    "KAFKA_ZOOKEEPER_USER",
    "KAFKA_ZOOKEEPER_PASSWORD",
    "KAFKA_ZOOKEEPER_TLS_TYPE",
    "KAFKA_ZOOKEEPER_TLS_VERIFY_HOSTNAME",
    "KAFKA_ZOOKEEPER_TLS_KEYSTORE_PASSWORD",
    "KAFKA_ZOOKEEPER_TLS_TRUSTSTORE_PASSWORD",
    "KAFKA_CONF_FILE",
    "KAFKA_INITIAL_BROKER_REGISTRATION_TIMEOUT",
    // wurstmeister/kafka's scripts
    "KAFKA_PORT_COMMAND",
    "KAFKA_RESTART_ATTEMPTS",
};
// Whole families: JMX (cp-kafka, wurstmeister) and log4j settings.
constexpr std::array<std::string_view, 2> kNotConfigPrefixes = {"KAFKA_JMX_", "KAFKA_LOG4J_"};

constexpr std::string_view kPrefix = "KAFKA_";

}  // namespace

std::string_view to_string(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDefault:
      return "default";
    case ConfigSource::kProfile:
      return "--ephemeral defaults";
    case ConfigSource::kFile:
      return "file";
    case ConfigSource::kEnvironment:
      return "environment";
    case ConfigSource::kLateFile:
      return "--await-config file";
    case ConfigSource::kOverride:
      return "override";
  }
  return "unknown";
}

std::optional<std::string> env_name_to_key(std::string_view name) {
  if (name == "CLUSTER_ID" || name == "KAFKA_KRAFT_CLUSTER_ID") return std::string("cluster.id");
  if (name.substr(0, kPrefix.size()) != kPrefix || name.size() == kPrefix.size()) {
    return std::nullopt;
  }
  if (std::find(kNotConfig.begin(), kNotConfig.end(), name) != kNotConfig.end()) {
    return std::nullopt;
  }
  for (std::string_view prefix : kNotConfigPrefixes) {
    if (name.substr(0, prefix.size()) == prefix) return std::nullopt;
  }
  std::string_view rest = name.substr(kPrefix.size());
  constexpr std::string_view kBitnami = "CFG_";
  if (rest.substr(0, kBitnami.size()) == kBitnami && rest.size() > kBitnami.size())
    rest.remove_prefix(kBitnami.size());
  std::string key;
  for (size_t i = 0; i < rest.size();) {
    if (rest[i] != '_') {
      key += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
      ++i;
      continue;
    }
    size_t run = 0;
    while (i < rest.size() && rest[i] == '_') ++run, ++i;
    for (; run >= 3; run -= 3) key += '-';
    if (run == 2) key += '_';
    if (run == 1) key += '.';
  }
  return key;
}

Properties properties_from_environment(const std::vector<std::string>& environment) {
  Properties props;
  for (const std::string& entry : environment) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    if (auto key = env_name_to_key(std::string_view(entry).substr(0, eq))) {
      props.set(std::move(*key), entry.substr(eq + 1));
    }
  }
  return props;
}

std::map<std::string, std::string, std::less<>> environment_origins(
    const std::vector<std::string>& environment) {
  std::map<std::string, std::string, std::less<>> origins;
  for (const std::string& entry : environment) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    if (auto key = env_name_to_key(std::string_view(entry).substr(0, eq)))
      origins[std::move(*key)] = entry.substr(0, eq);
  }
  return origins;
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
  return out;
}

std::pair<std::string, std::string> parse_override(std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    throw ConfigError(fmt::format("--override '{}': expected key=value", arg));
  }
  std::string_view key = trim(arg.substr(0, eq));
  if (key.empty()) throw ConfigError(fmt::format("--override '{}': empty key", arg));
  return {std::string(key), std::string(arg.substr(eq + 1))};
}

RawConfig merge_layers(const Properties& file, const Properties& environment,
                       const KeyValues& overrides, const KeyValues& profile,
                       const Properties& late_file) {
  RawConfig raw;
  for (const auto& [k, v] : profile) raw[k] = RawValue{v, ConfigSource::kProfile, {}};
  for (const auto& [k, v] : file.entries()) raw[k] = RawValue{v, ConfigSource::kFile, {}};
  for (const auto& [k, v] : environment.entries()) {
    raw[k] = RawValue{v, ConfigSource::kEnvironment, {}};
  }
  for (const auto& [k, v] : late_file.entries()) raw[k] = RawValue{v, ConfigSource::kLateFile, {}};
  for (const auto& [k, v] : overrides) raw[k] = RawValue{v, ConfigSource::kOverride, {}};
  return raw;
}

}  // namespace samsa::config
