// SyncGroup (key 14), v0-5: the leader hands in the assignment; every member gets its
// own once the group's new state is durable.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_sync_group(ContextPtr ctx, protocol::SyncGroupRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups) {
    protocol::SyncGroupResponse response;
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(response);
  }
  coordinator::SyncGroupParams p;
  p.group_id = std::move(request.group_id);
  p.generation_id = request.generation_id;
  p.member_id = std::move(request.member_id);
  p.group_instance_id = std::move(request.group_instance_id);
  p.protocol_type = std::move(request.protocol_type);
  p.protocol_name = std::move(request.protocol_name);
  for (auto& a : request.assignments)
    p.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));
  groups->sync_group(std::move(p), [ctx](coordinator::SyncGroupResult r) {
    protocol::SyncGroupResponse response;
    response.error_code = to_wire(r.error);
    response.protocol_type = std::move(r.protocol_type);
    response.protocol_name = std::move(r.protocol_name);
    response.assignment = std::move(r.assignment);
    ctx->respond(response);
  });
}

}  // namespace samsa::broker
