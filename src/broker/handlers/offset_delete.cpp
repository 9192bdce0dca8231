// OffsetDelete (key 47), v0: deletes committed offsets of partitions the group does
// not consume (GROUP_SUBSCRIBED_TO_TOPIC otherwise). Unknown topics answer
// UNKNOWN_TOPIC_OR_PARTITION, as Kafka's request handler does before the coordinator.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {

void handle_offset_delete(ContextPtr ctx, protocol::OffsetDeleteRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups) {
    protocol::OffsetDeleteResponse response;
    response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(response);
  }
  // Which request partitions go to the coordinator (index into `known`), or -1.
  std::vector<coordinator::TopicPartition> known;
  std::vector<int> slot;
  for (const auto& t : request.topics) {
    const auto* meta = ctx->services.logs.find_topic(t.name);
    for (const auto& p : t.partitions) {
      if (meta && p.partition_index >= 0 && p.partition_index < meta->partition_count) {
        slot.push_back(static_cast<int>(known.size()));
        known.push_back({t.name, p.partition_index});
      } else {
        slot.push_back(-1);
      }
    }
  }
  // A copy: the request moves into the callback, and the order in which a call's
  // arguments are built is unspecified, so request.group_id may already be empty.
  const std::string group_id = request.group_id;
  groups->delete_offsets(
      group_id, known,
      [ctx, request = std::move(request), slot](coordinator::OffsetDeleteResult r) {
        protocol::OffsetDeleteResponse response;
        response.error_code = to_wire(r.error);
        if (r.error == ErrorCode::NONE) {
          size_t i = 0;
          for (const auto& t : request.topics) {
            protocol::OffsetDeleteResponse::OffsetDeleteResponseTopic topic;
            topic.name = t.name;
            for (const auto& p : t.partitions) {
              const int s = slot[i++];
              ErrorCode e = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
              if (s >= 0 && static_cast<size_t>(s) < r.partitions.size()) e = r.partitions[s];
              protocol::OffsetDeleteResponse::OffsetDeleteResponsePartition rp;
              rp.partition_index = p.partition_index;
              rp.error_code = to_wire(e);
              topic.partitions.push_back(rp);
            }
            response.topics.push_back(std::move(topic));
          }
        }
        ctx->respond(response);
      });
}

}  // namespace samsa::broker
