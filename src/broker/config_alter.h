// What AlterConfigs (33) and IncrementalAlterConfigs (44) share: Kafka's checks of a
// request's resources, and the change of one resource. Topics are altered durably
// through the log manager; broker settings are static in samsa (server.properties and
// overrides at start), so a broker resource accepts no changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "samsa/broker/context.h"
#include "samsa/protocol/error_code.h"

namespace samsa::broker::admin {

// AlterConfigOp.OpType ids.
enum class ConfigOp : int8_t { kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3 };

struct ConfigChange {
  std::string name;
  int8_t op = static_cast<int8_t>(ConfigOp::kSet);
  std::optional<std::string> value;
};

enum class AlterMode {
  kReplace,      // AlterConfigs: the given configs become the resource's only overrides
  kIncremental,  // IncrementalAlterConfigs: each change applies to the current overrides
};

// For each (type, name) of a request, in order: true where it appears more than once
// (Kafka answers every occurrence INVALID_REQUEST).
std::vector<bool> repeated_resources(const std::vector<std::pair<int8_t, std::string>>& resources);
inline constexpr const char* kRepeatedResourceMessage = "Each resource must appear at most once.";

// Checks and applies (unless `validate_only`) the changes to one resource. Errors and
// messages follow Kafka: INVALID_REQUEST for repeated keys, null values, unknown
// operations, resource types or broker ids; INVALID_CONFIG for unknown topic keys,
// invalid values and APPEND/SUBTRACT of a key that is not a list;
// UNKNOWN_TOPIC_OR_PARTITION for a missing topic.
ErrorCode alter_resource_configs(BrokerServices& services, int8_t resource_type,
                                 const std::string& resource_name,
                                 const std::vector<ConfigChange>& changes, AlterMode mode,
                                 bool validate_only, std::string& message);

}  // namespace samsa::broker::admin
