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
#include "topic_admin.h"

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

// Both APIs' handler: answers every resource of `request` in order. `changes_of` maps a
// request resource to its changes.
template <class Response, class Request, class ChangesOf>
Response alter_configs(BrokerServices& services, const Request& request, AlterMode mode,
                       ChangesOf changes_of) {
  std::vector<std::pair<int8_t, std::string>> ids;
  for (const auto& r : request.resources) ids.emplace_back(r.resource_type, r.resource_name);
  const std::vector<bool> repeated = repeated_resources(ids);
  Response response;
  for (size_t i = 0; i < request.resources.size(); ++i) {
    const auto& resource = request.resources[i];
    std::string message;
    ErrorCode error = ErrorCode::INVALID_REQUEST;
    if (repeated[i])
      message = kRepeatedResourceMessage;
    else
      error = alter_resource_configs(services, resource.resource_type, resource.resource_name,
                                     changes_of(resource), mode, request.validate_only, message);
    auto& r = response.responses.emplace_back();
    r.error_code = to_wire(error);
    if (error != ErrorCode::NONE)
      r.error_message = message.empty() ? default_message(error) : message;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
  }
  return response;
}

}  // namespace samsa::broker::admin
