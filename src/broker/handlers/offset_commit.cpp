// OffsetCommit (key 8), v0-9. Answered once the commit is durable in
// __consumer_offsets. v0 carries no generation or member: it is treated like an admin
// commit (generation -1). The v1 commit timestamp and the v2-4 retention time are
// ignored, as Kafka ignores them since 2.1 for expiry (offsets.retention.minutes).
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

void handle_offset_commit(ContextPtr ctx, protocol::OffsetCommitRequest request) {
  coordinator::OffsetCommitParams p;
  p.group_id = request.group_id;
  p.generation_id_or_member_epoch =
      ctx->version() >= 1 ? request.generation_id_or_member_epoch : -1;
  p.member_id = ctx->version() >= 1 ? request.member_id : std::string();
  p.group_instance_id = request.group_instance_id;
  for (const auto& t : request.topics)
    for (const auto& part : t.partitions)
      p.entries.push_back({{t.name, part.partition_index},
                           part.committed_offset,
                           part.committed_leader_epoch,
                           part.committed_metadata});

  // The answer mirrors the request's topics and partitions, in order.
  auto answer = [ctx, request = std::move(request)](std::vector<ErrorCode> errors) {
    protocol::OffsetCommitResponse response;
    size_t i = 0;
    for (const auto& t : request.topics) {
      protocol::OffsetCommitResponse::OffsetCommitResponseTopic topic;
      topic.name = t.name;
      for (const auto& part : t.partitions) {
        protocol::OffsetCommitResponse::OffsetCommitResponsePartition rp;
        rp.partition_index = part.partition_index;
        rp.error_code = to_wire(i < errors.size() ? errors[i] : ErrorCode::UNKNOWN_SERVER_ERROR);
        ++i;
        topic.partitions.push_back(rp);
      }
      response.topics.push_back(std::move(topic));
    }
    ctx->respond(response);
  };
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  if (!groups)
    return answer(std::vector<ErrorCode>(p.entries.size(), ErrorCode::COORDINATOR_NOT_AVAILABLE));
  groups->commit_offsets(std::move(p), std::move(answer));
}

}  // namespace samsa::broker
