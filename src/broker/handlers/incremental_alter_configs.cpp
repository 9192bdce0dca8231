// IncrementalAlterConfigs (key 44), v0-1: per-key SET, DELETE, APPEND and SUBTRACT
// (the last two for list-valued topic configs such as cleanup.policy) on a topic's
// overrides, durably before the answer. validate_only checks without changing
// anything. Checks and messages follow Kafka (src/broker/config_alter.h).
#include "../config_alter.h"
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_incremental_alter_configs(ContextPtr ctx,
                                      protocol::IncrementalAlterConfigsRequest request) {
  std::vector<std::pair<int8_t, std::string>> ids;
  for (const auto& r : request.resources) ids.emplace_back(r.resource_type, r.resource_name);
  const std::vector<bool> repeated = admin::repeated_resources(ids);

  protocol::IncrementalAlterConfigsResponse response;
  for (size_t i = 0; i < request.resources.size(); ++i) {
    const auto& resource = request.resources[i];
    std::string message;
    ErrorCode error = ErrorCode::INVALID_REQUEST;
    if (repeated[i]) {
      message = admin::kRepeatedResourceMessage;
    } else {
      std::vector<admin::ConfigChange> changes;
      for (const auto& c : resource.configs)
        changes.push_back({c.name, c.config_operation, c.value});
      error = admin::alter_resource_configs(
          ctx->services, resource.resource_type, resource.resource_name, changes,
          admin::AlterMode::kIncremental, request.validate_only, message);
    }
    protocol::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse r;
    r.error_code = to_wire(error);
    if (error != ErrorCode::NONE)
      r.error_message = message.empty() ? admin::default_message(error) : message;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    response.responses.push_back(std::move(r));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
