// IncrementalAlterConfigs (key 44), v0-1: per-key SET, DELETE, APPEND and SUBTRACT
// (the last two for list-valued topic configs such as cleanup.policy) on a topic's
// overrides, durably before the answer. validate_only checks without changing
// anything. Checks and messages follow Kafka (src/broker/config_alter.h).
#include "../config_alter.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_incremental_alter_configs(ContextPtr ctx,
                                      protocol::IncrementalAlterConfigsRequest request) {
  ctx->respond(admin::alter_configs<protocol::IncrementalAlterConfigsResponse>(
      ctx->services, request, admin::AlterMode::kIncremental, [](const auto& resource) {
        std::vector<admin::ConfigChange> changes;
        for (const auto& c : resource.configs)
          changes.push_back({c.name, c.config_operation, c.value});
        return changes;
      }));
}

}  // namespace samsa::broker
