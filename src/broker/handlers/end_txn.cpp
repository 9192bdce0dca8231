// EndTxn (key 26), v0-5: commits or aborts the producer's transaction. Answered once
// the decision (PrepareCommit/PrepareAbort) is durable in __transaction_state; the
// markers are written after, and the next transaction of this id waits for them
// (CONCURRENT_TRANSACTIONS, which clients retry). v5 is transactions v2 (KIP-890): the
// end bumps the epoch and the answer carries the producer id and epoch to go on with.
#include "../txn_verification.h"
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_end_txn(ContextPtr ctx, protocol::EndTxnRequest request) {
  auto answer = [ctx](coordinator::EndTxnResult result) {
    protocol::EndTxnResponse response;
    response.error_code = to_wire(fenced_error_for_version(result.error, ctx->version(), 2));
    response.producer_id = result.producer_id;
    response.producer_epoch = result.producer_epoch;
    ctx->respond(response);
  };
  auto* txns = ctx->services.transactions;
  if (!txns) return answer({ErrorCode::COORDINATOR_NOT_AVAILABLE});
  const int16_t client_transaction_version = ctx->version() >= 5 ? 2 : 0;
  txns->end_transaction(request.transactional_id, request.producer_id, request.producer_epoch,
                        request.committed, client_transaction_version, std::move(answer));
}

}  // namespace samsa::broker
