// AlterConfigs (key 33), v0-2, the legacy form: for a topic, the configs given become
// its only overrides (a key left out returns to its default), durably before the
// answer. validate_only checks without changing anything. Checks and messages follow
// Kafka (src/broker/config_alter.h).
#include "../config_alter.h"
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_alter_configs(ContextPtr ctx, protocol::AlterConfigsRequest request) {
  std::vector<std::pair<int8_t, std::string>> ids;
  for (const auto& r : request.resources) ids.emplace_back(r.resource_type, r.resource_name);
  const std::vector<bool> repeated = admin::repeated_resources(ids);

  protocol::AlterConfigsResponse response;
  for (size_t i = 0; i < request.resources.size(); ++i) {
    const auto& resource = request.resources[i];
    std::string message;
    ErrorCode error = ErrorCode::INVALID_REQUEST;
    if (repeated[i]) {
      message = admin::kRepeatedResourceMessage;
    } else {
      std::vector<admin::ConfigChange> changes;
      for (const auto& c : resource.configs)
        changes.push_back({c.name, static_cast<int8_t>(admin::ConfigOp::kSet), c.value});
      error = admin::alter_resource_configs(
          ctx->services, resource.resource_type, resource.resource_name, changes,
          admin::AlterMode::kReplace, request.validate_only, message);
    }
    protocol::AlterConfigsResponse::AlterConfigsResourceResponse r;
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
