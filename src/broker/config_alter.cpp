#include "config_alter.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "samsa/config/config.h"
#include "samsa/storage/log_config.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker::admin {
namespace {

constexpr int8_t kBrokerLoggerResource = 8;

// The topic configs Kafka types as LIST (APPEND and SUBTRACT apply only to these), with
// their defaults.
const std::map<std::string, std::string, std::less<>>& list_keys() {
  static const std::map<std::string, std::string, std::less<>> keys = {
      {"cleanup.policy", "delete"},
      {"leader.replication.throttled.replicas", ""},
      {"follower.replication.throttled.replicas", ""},
  };
  return keys;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// Applies APPEND or SUBTRACT of `change` to `overrides`, Kafka's way: the current value
// is the override or else the default; appended items not yet present go at the end.
ErrorCode apply_list_change(storage::ConfigMap& overrides, const ConfigChange& change,
                            std::string& message) {
  const bool append = change.op == static_cast<int8_t>(ConfigOp::kAppend);
  const auto key = list_keys().find(change.name);
  if (key == list_keys().end()) {
    message = storage::LogConfig::is_topic_key(change.name)
                  ? fmt::format("Config value {} is not allowed for config key: {}",
                                append ? "append" : "subtract", change.name)
                  : fmt::format("Unknown topic config name: {}", change.name);
    return ErrorCode::INVALID_CONFIG;
  }
  const auto current = overrides.find(change.name);
  std::vector<std::string> items =
      split_list(current != overrides.end() ? current->second : key->second);
  for (const std::string& item : split_list(change.value.value_or(""))) {
    const auto at = std::find(items.begin(), items.end(), item);
    if (append && at == items.end()) items.push_back(item);
    if (!append && at != items.end()) items.erase(at);
  }
  overrides[change.name] = fmt::format("{}", fmt::join(items, ","));
  return ErrorCode::NONE;
}

ErrorCode check_broker_resource(const BrokerServices& services, const std::string& name,
                                const std::vector<ConfigChange>& changes, std::string& message) {
  if (!name.empty()) {  // empty: the cluster-wide defaults
    int32_t id = -1;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || ptr != name.data() + name.size()) {
      message = fmt::format("Node id must be an integer, but it is: {}", name);
      return ErrorCode::INVALID_REQUEST;
    }
    if (id != services.config.node_id) {
      message = fmt::format("Unexpected broker id, expected {}, but received {}",
                            services.config.node_id, name);
      return ErrorCode::INVALID_REQUEST;
    }
  }
  if (changes.empty()) return ErrorCode::NONE;
  std::vector<std::string> keys;
  for (const ConfigChange& c : changes) keys.push_back(c.name);
  message = fmt::format(
      "Cannot update these configs dynamically: {}. samsa takes broker settings from "
      "server.properties and --override at start.",
      fmt::join(keys, ", "));
  return ErrorCode::INVALID_REQUEST;
}

ErrorCode alter_topic(BrokerServices& services, const std::string& name,
                      const std::vector<ConfigChange>& changes, AlterMode mode, bool validate_only,
                      std::string& message) {
  if (name.empty()) {
    message = "Default topic resources are not allowed.";
    return ErrorCode::INVALID_REQUEST;
  }
  if (!storage::LogManager::valid_topic_name(name, message))
    return ErrorCode::INVALID_TOPIC_EXCEPTION;
  const storage::TopicMetadata* meta = services.logs.find_topic(name);
  if (!meta) {
    message = fmt::format("The topic '{}' does not exist.", name);
    return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  }
  storage::ConfigMap overrides;
  if (mode == AlterMode::kIncremental) overrides = meta->config_overrides;
  for (const ConfigChange& change : changes) {
    switch (static_cast<ConfigOp>(change.op)) {
      case ConfigOp::kSet:
        overrides[change.name] = *change.value;
        break;
      case ConfigOp::kDelete:
        overrides.erase(change.name);
        break;
      case ConfigOp::kAppend:
      case ConfigOp::kSubtract:
        if (const ErrorCode e = apply_list_change(overrides, change, message); e != ErrorCode::NONE)
          return e;
        break;
    }
  }
  const ErrorCode error = services.logs.set_topic_configs(name, overrides, message, validate_only);
  if (error == ErrorCode::NONE && !validate_only) {
    std::vector<std::string> shown;
    for (const auto& [k, v] : overrides) shown.push_back(fmt::format("{}={}", k, v));
    spdlog::info("topic '{}': config overrides now {{{}}}", name, fmt::join(shown, ", "));
  }
  return error;
}

}  // namespace

std::vector<bool> repeated_resources(const std::vector<std::pair<int8_t, std::string>>& resources) {
  std::map<std::pair<int8_t, std::string>, int> count;
  for (const auto& r : resources) ++count[r];
  std::vector<bool> repeated;
  repeated.reserve(resources.size());
  for (const auto& r : resources) repeated.push_back(count[r] > 1);
  return repeated;
}

ErrorCode alter_resource_configs(BrokerServices& services, int8_t resource_type,
                                 const std::string& resource_name,
                                 const std::vector<ConfigChange>& changes, AlterMode mode,
                                 bool validate_only, std::string& message) {
  std::set<std::string_view> names;
  std::vector<std::string> null_values;
  for (const ConfigChange& c : changes) {
    if (!names.insert(c.name).second) {
      message = "Error due to duplicate config keys";
      return ErrorCode::INVALID_REQUEST;
    }
    if (!c.value && c.op != static_cast<int8_t>(ConfigOp::kDelete)) null_values.push_back(c.name);
  }
  if (!null_values.empty()) {
    message = fmt::format("Null value not supported for : {}", fmt::join(null_values, ", "));
    return ErrorCode::INVALID_REQUEST;
  }
  for (const ConfigChange& c : changes) {
    if (c.op < static_cast<int8_t>(ConfigOp::kSet) ||
        c.op > static_cast<int8_t>(ConfigOp::kSubtract)) {
      message = fmt::format("Unknown operations type {}", c.op);
      return ErrorCode::INVALID_REQUEST;
    }
  }
  switch (resource_type) {
    case kTopicResource:
      return alter_topic(services, resource_name, changes, mode, validate_only, message);
    case kBrokerResource:
      return check_broker_resource(services, resource_name, changes, message);
    case kBrokerLoggerResource:
      message = "samsa has no loggers to adjust at runtime (use --log-level at start).";
      return ErrorCode::INVALID_REQUEST;
    default:
      message = fmt::format("Unknown resource type {}", resource_type);
      return ErrorCode::INVALID_REQUEST;
  }
}

}  // namespace samsa::broker::admin
