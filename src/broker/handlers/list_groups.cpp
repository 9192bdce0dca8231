// ListGroups (key 16), v0-5: every group, filtered by state (v4+) and type (v5+).
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_list_groups(ContextPtr ctx, protocol::ListGroupsRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  protocol::ListGroupsResponse response;
  if (!groups) {
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(response);
  }
  for (auto& l : groups->list_groups(request.states_filter, request.types_filter)) {
    protocol::ListGroupsResponse::ListedGroup g;
    g.group_id = std::move(l.group_id);
    g.protocol_type = std::move(l.protocol_type);
    g.group_state = std::move(l.state);
    // Kafka 3.9 names the types "classic" and "consumer" on the wire.
    g.group_type = std::move(l.type);
    response.groups.push_back(std::move(g));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
