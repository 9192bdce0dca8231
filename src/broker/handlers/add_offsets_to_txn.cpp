// AddOffsetsToTxn (key 25), v0-4: adds the group's offsets partition (the one
// partition of __consumer_offsets here) to the producer's transaction, so that its
// TxnOffsetCommit offsets are settled by the transaction's marker.
#include "../txn_verification.h"
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_add_offsets_to_txn(ContextPtr ctx, protocol::AddOffsetsToTxnRequest request) {
  auto answer = [ctx](ErrorCode error) {
    protocol::AddOffsetsToTxnResponse response;
    response.error_code = to_wire(fenced_error_for_version(error, ctx->version(), 2));
    ctx->respond(response);
  };
  auto* txns = ctx->services.transactions;
  if (!txns) return answer(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  if (request.group_id.empty()) return answer(ErrorCode::INVALID_GROUP_ID);
  txns->add_partitions(request.transactional_id, request.producer_id, request.producer_epoch,
                       {{coordinator::TransactionCoordinator::kOffsetsTopic, 0}},
                       std::move(answer));
}

}  // namespace samsa::broker
