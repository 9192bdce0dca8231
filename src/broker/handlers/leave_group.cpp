// LeaveGroup (key 13), v0-5. v0-2 name one member and carry its error at the top
// level; v3+ (KIP-345) name several, by member id or group.instance.id, each with
// its own error.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_leave_group(ContextPtr ctx, protocol::LeaveGroupRequest request) {
  protocol::LeaveGroupResponse response;
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups) {
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(response);
  }
  std::vector<coordinator::LeavingMember> leaving;
  if (ctx->version() < 3) {
    leaving.push_back({request.member_id, std::nullopt});
  } else {
    for (const auto& m : request.members) leaving.push_back({m.member_id, m.group_instance_id});
  }
  const coordinator::LeaveGroupResult result = groups->leave_group(request.group_id, leaving);
  response.error_code = to_wire(result.error);
  if (ctx->version() < 3) {
    if (result.error == ErrorCode::NONE && !result.members.empty())
      response.error_code = to_wire(result.members[0]);
  } else if (result.error == ErrorCode::NONE) {
    for (size_t i = 0; i < leaving.size() && i < result.members.size(); ++i) {
      protocol::LeaveGroupResponse::MemberResponse m;
      m.member_id = leaving[i].member_id;
      m.group_instance_id = leaving[i].group_instance_id;
      m.error_code = to_wire(result.members[i]);
      response.members.push_back(std::move(m));
    }
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
