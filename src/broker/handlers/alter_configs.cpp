// AlterConfigs (key 33), v0-2, the legacy form: for a topic, the configs given become
// its only overrides (a key left out returns to its default), durably before the
// answer. validate_only checks without changing anything. Checks and messages follow
// Kafka (src/broker/config_alter.h).
#include "../config_alter.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_alter_configs(ContextPtr ctx, protocol::AlterConfigsRequest request) {
  ctx->respond(admin::alter_configs<protocol::AlterConfigsResponse>(
      ctx->services, request, admin::AlterMode::kReplace, [](const auto& resource) {
        std::vector<admin::ConfigChange> changes;
        for (const auto& c : resource.configs)
          changes.push_back({c.name, static_cast<int8_t>(admin::ConfigOp::kSet), c.value});
        return changes;
      }));
}

}  // namespace samsa::broker
