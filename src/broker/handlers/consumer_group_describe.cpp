// ConsumerGroupDescribe (key 69), v0: KIP-848 consumer groups with their epochs, each
// member's current and target assignment. A classic or unknown group answers
// GROUP_ID_NOT_FOUND, as Kafka does.
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/broker/topic_ids.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

namespace {

protocol::ConsumerGroupDescribeResponse::Assignment to_wire_assignment(
    std::vector<coordinator::TopicIdPartitions>& partitions) {
  protocol::ConsumerGroupDescribeResponse::Assignment a;
  for (auto& t : partitions) {
    protocol::ConsumerGroupDescribeResponse::TopicPartitions tp;
    tp.topic_id = to_uuid(t.topic_id);
    tp.topic_name = std::move(t.topic_name);
    tp.partitions = std::move(t.partitions);
    a.topic_partitions.push_back(std::move(tp));
  }
  return a;
}

}  // namespace

void handle_consumer_group_describe(ContextPtr ctx,
                                    protocol::ConsumerGroupDescribeRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  protocol::ConsumerGroupDescribeResponse response;
  for (const auto& id : request.group_ids) {
    protocol::ConsumerGroupDescribeResponse::DescribedGroup g;
    g.group_id = id;
    if (!groups) {
      g.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
      response.groups.push_back(std::move(g));
      continue;
    }
    coordinator::ConsumerGroupDescription d = groups->describe_consumer_group(id);
    g.error_code = to_wire(d.error);
    g.error_message = std::move(d.error_message);
    if (d.error == ErrorCode::NONE) {
      g.group_state = std::move(d.state);
      g.group_epoch = d.group_epoch;
      g.assignment_epoch = d.assignment_epoch;
      g.assignor_name = std::move(d.assignor_name);
      for (auto& m : d.members) {
        protocol::ConsumerGroupDescribeResponse::Member dm;
        dm.member_id = std::move(m.member_id);
        dm.instance_id = std::move(m.instance_id);
        dm.rack_id = std::move(m.rack_id);
        dm.member_epoch = m.member_epoch;
        dm.client_id = std::move(m.client_id);
        dm.client_host = std::move(m.client_host);
        dm.subscribed_topic_names = std::move(m.subscribed_topic_names);
        // Kafka reports "" for a member that subscribes by names.
        dm.subscribed_topic_regex = m.subscribed_topic_regex.value_or("");
        dm.assignment = to_wire_assignment(m.assignment);
        dm.target_assignment = to_wire_assignment(m.target_assignment);
        g.members.push_back(std::move(dm));
      }
      if (request.include_authorized_operations)
        g.authorized_operations = admin::kAllGroupOperations;
    }
    response.groups.push_back(std::move(g));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
