// JoinGroup (key 11), v0-9: translated to GroupCoordinator::join_group; the answer
// comes when the rebalance completes (or at once on an error or MEMBER_ID_REQUIRED).
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_join_group(ContextPtr ctx, protocol::JoinGroupRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups) {
    protocol::JoinGroupResponse response;
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    response.member_id = request.member_id;
    return ctx->respond(response);
  }
  coordinator::JoinGroupParams p;
  p.group_id = std::move(request.group_id);
  p.member_id = std::move(request.member_id);
  p.group_instance_id = std::move(request.group_instance_id);
  p.protocol_type = std::move(request.protocol_type);
  for (auto& proto : request.protocols)
    p.protocols.push_back({std::move(proto.name), std::move(proto.metadata)});
  p.session_timeout_ms = request.session_timeout_ms;
  p.rebalance_timeout_ms = ctx->version() >= 1 ? request.rebalance_timeout_ms : -1;
  p.client_id = ctx->client_id();
  p.client_host = coordinator::client_host_from_peer(ctx->peer);
  p.require_known_member_id = ctx->version() >= 4;
  p.supports_skip_assignment = ctx->version() >= 9;

  groups->join_group(std::move(p), [ctx](coordinator::JoinGroupResult r) {
    protocol::JoinGroupResponse response;
    response.error_code = to_wire(r.error);
    response.generation_id = r.generation_id;
    response.protocol_type = std::move(r.protocol_type);
    response.protocol_name = std::move(r.protocol_name);
    // Before v7 the protocol name is not nullable.
    if (ctx->version() < 7 && !response.protocol_name) response.protocol_name = std::string();
    response.leader = std::move(r.leader);
    response.skip_assignment = r.skip_assignment;
    response.member_id = std::move(r.member_id);
    for (auto& m : r.members) {
      protocol::JoinGroupResponse::JoinGroupResponseMember member;
      member.member_id = std::move(m.member_id);
      member.group_instance_id = std::move(m.group_instance_id);
      member.metadata = std::move(m.metadata);
      response.members.push_back(std::move(member));
    }
    ctx->respond(response);
  });
}

}  // namespace samsa::broker
