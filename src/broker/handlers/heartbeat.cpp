// Heartbeat (key 12), v0-4: keeps a member's session alive and tells it when to rejoin.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_heartbeat(ContextPtr ctx, protocol::HeartbeatRequest request) {
  protocol::HeartbeatResponse response;
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  const ErrorCode error =
      groups
          ? groups->heartbeat({std::move(request.group_id), request.generation_id,
                               std::move(request.member_id), std::move(request.group_instance_id)})
          : ErrorCode::COORDINATOR_NOT_AVAILABLE;
  response.error_code = to_wire(error);
  ctx->respond(response);
}

}  // namespace samsa::broker
