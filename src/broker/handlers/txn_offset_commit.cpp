// TxnOffsetCommit (key 28), v0-5: offsets committed inside a transaction. Up to v4 the
// transaction must already hold the offsets partition (AddOffsetsToTxn first); v5
// (transactions v2) adds it itself. The group coordinator writes the offsets in a
// transactional batch of the producer, and they become the group's committed offsets
// only when the transaction commits.
#include "../txn_verification.h"
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
  const int16_t version = ctx->version();
  const coordinator::TopicPartition offsets_partition{
      coordinator::TransactionCoordinator::kOffsetsTopic, 0};
  const std::string id = p.transactional_id;
  const int64_t pid = p.producer_id;
  const int16_t epoch = p.producer_epoch;
  auto commit = [&services, version, n, p = std::move(p),
                 answer = std::move(answer)](ErrorCode coordinator_error) mutable {
    if (coordinator_error != ErrorCode::NONE)
      return answer(std::vector<ErrorCode>(
          n, txn_offset_commit_error_from_coordinator(coordinator_error, version)));
    services.groups->txn_commit_offsets(std::move(p), std::move(answer));
  };
  if (version >= 5)
    return add_to_transaction(services, id, pid, epoch, {offsets_partition}, std::move(commit));
  commit(services.transactions->verify(id, pid, epoch, offsets_partition));
}

}  // namespace samsa::broker
