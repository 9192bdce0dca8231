// TxnOffsetCommit (key 28), v0-4: offsets committed inside a transaction. The
// transaction must hold the offsets partition (AddOffsetsToTxn first); the group
// coordinator writes them in a transactional batch of the producer, and they become
// the group's committed offsets only when the transaction commits.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_txn_offset_commit(ContextPtr ctx, protocol::TxnOffsetCommitRequest request) {
  coordinator::TxnOffsetCommitParams p;
  p.transactional_id = request.transactional_id;
  p.group_id = request.group_id;
  p.producer_id = request.producer_id;
  p.producer_epoch = request.producer_epoch;
  p.generation_id = request.generation_id;
  p.member_id = request.member_id;
  p.group_instance_id = request.group_instance_id;
  for (const auto& t : request.topics)
    for (const auto& part : t.partitions)
      p.entries.push_back({{t.name, part.partition_index},
                           part.committed_offset,
                           part.committed_leader_epoch,
                           part.committed_metadata});

  // The answer mirrors the request's topics and partitions, in order.
  auto answer = [ctx, request = std::move(request)](std::vector<ErrorCode> errors) {
    protocol::TxnOffsetCommitResponse response;
    size_t i = 0;
    for (const auto& t : request.topics) {
      auto& topic = response.topics.emplace_back();
      topic.name = t.name;
      for (const auto& part : t.partitions) {
        auto& rp = topic.partitions.emplace_back();
        rp.partition_index = part.partition_index;
        rp.error_code = to_wire(i < errors.size() ? errors[i] : ErrorCode::UNKNOWN_SERVER_ERROR);
        ++i;
      }
    }
    ctx->respond(response);
  };
  auto& services = ctx->services;
  const size_t n = p.entries.size();
  if (!services.groups || !services.transactions)
    return answer(std::vector<ErrorCode>(n, ErrorCode::COORDINATOR_NOT_AVAILABLE));
  const ErrorCode verified =
      services.transactions->verify(p.transactional_id, p.producer_id, p.producer_epoch,
                                    {coordinator::TransactionCoordinator::kOffsetsTopic, 0});
  // A fenced producer learns it as Kafka tells it on this path.
  if (verified != ErrorCode::NONE)
    return answer(std::vector<ErrorCode>(
        n, verified == ErrorCode::INVALID_PRODUCER_EPOCH ? ErrorCode::PRODUCER_FENCED : verified));
  services.groups->txn_commit_offsets(std::move(p), std::move(answer));
}

}  // namespace samsa::broker
