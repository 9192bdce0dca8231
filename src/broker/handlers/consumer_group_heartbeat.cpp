// ConsumerGroupHeartbeat (key 68), v0-1: the KIP-848 consumer protocol. One request
// both keeps the member alive and carries its (changed) subscription and owned
// partitions; the answer carries its epoch and, when it changed, its assignment.
// v1 adds the regex subscription and requires client-generated member ids (KIP-1082).
#include "samsa/broker/handlers.h"
#include "samsa/broker/topic_ids.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_consumer_group_heartbeat(ContextPtr ctx,
                                     protocol::ConsumerGroupHeartbeatRequest request) {
  protocol::ConsumerGroupHeartbeatResponse response;
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups) {
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(response);
  }
  coordinator::ConsumerGroupHeartbeatParams p;
  p.group_id = std::move(request.group_id);
  p.member_id = std::move(request.member_id);
  p.member_epoch = request.member_epoch;
  p.instance_id = std::move(request.instance_id);
  p.rack_id = std::move(request.rack_id);
  p.rebalance_timeout_ms = request.rebalance_timeout_ms;
  p.subscribed_topic_names = std::move(request.subscribed_topic_names);
  p.subscribed_topic_regex = std::move(request.subscribed_topic_regex);
  p.server_assignor = std::move(request.server_assignor);
  if (request.topic_partitions) {
    p.owned_partitions.emplace();
    for (auto& t : *request.topic_partitions)
      p.owned_partitions->push_back({to_topic_id(t.topic_id), {}, std::move(t.partitions)});
  }
  p.client_id = ctx->client_id();
  p.client_host = coordinator::client_host_from_peer(ctx->peer);
  p.member_id_required = ctx->version() >= 1;

  coordinator::ConsumerGroupHeartbeatResult r = groups->consumer_group_heartbeat(std::move(p));
  response.error_code = to_wire(r.error);
  response.error_message = std::move(r.error_message);
  response.member_id = std::move(r.member_id);
  response.member_epoch = r.member_epoch;
  response.heartbeat_interval_ms = r.heartbeat_interval_ms;
  if (r.assignment) {
    response.assignment.emplace();
    for (auto& t : *r.assignment) {
      protocol::ConsumerGroupHeartbeatResponse::TopicPartitions tp;
      tp.topic_id = to_uuid(t.topic_id);
      tp.partitions = std::move(t.partitions);
      response.assignment->topic_partitions.push_back(std::move(tp));
    }
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
