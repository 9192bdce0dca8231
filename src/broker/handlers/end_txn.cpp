// EndTxn (key 26), v0-4: commits or aborts the producer's transaction. Answered once
// the decision (PrepareCommit/PrepareAbort) is durable in __transaction_state; the
// markers are written after, and the next transaction of this id waits for them
// (CONCURRENT_TRANSACTIONS, which clients retry).
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_end_txn(ContextPtr ctx, protocol::EndTxnRequest request) {
  auto answer = [ctx](ErrorCode error) {
    protocol::EndTxnResponse response;
    response.error_code = to_wire(error);
    ctx->respond(response);
  };
  auto* txns = ctx->services.transactions;
  if (!txns) return answer(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  txns->end_transaction(request.transactional_id, request.producer_id, request.producer_epoch,
                        request.committed, std::move(answer));
}

}  // namespace samsa::broker
