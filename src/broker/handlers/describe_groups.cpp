// DescribeGroups (key 15), v0-5. An unknown group is described as "Dead" with no
// error, as Kafka does for these versions. Member metadata and assignments are shown
// only for a Stable group.
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_describe_groups(ContextPtr ctx, protocol::DescribeGroupsRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  protocol::DescribeGroupsResponse response;
  for (const auto& id : request.groups) {
    protocol::DescribeGroupsResponse::DescribedGroup g;
    g.group_id = id;
    if (!groups) {
      g.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
      response.groups.push_back(std::move(g));
      continue;
    }
    coordinator::GroupDescription d = groups->describe_group(id);
    g.error_code = to_wire(d.error);
    g.group_state = std::move(d.state);
    g.protocol_type = std::move(d.protocol_type);
    g.protocol_data = std::move(d.protocol);
    for (auto& m : d.members) {
      protocol::DescribeGroupsResponse::DescribedGroupMember dm;
      dm.member_id = std::move(m.member_id);
      dm.group_instance_id = std::move(m.group_instance_id);
      dm.client_id = std::move(m.client_id);
      dm.client_host = std::move(m.client_host);
      dm.member_metadata = std::move(m.metadata);
      dm.member_assignment = std::move(m.assignment);
      g.members.push_back(std::move(dm));
    }
    if (request.include_authorized_operations) g.authorized_operations = admin::kAllGroupOperations;
    response.groups.push_back(std::move(g));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
