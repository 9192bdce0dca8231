// ListTransactions (key 66), v0-1: the transactional ids this coordinator knows,
// filtered by state names, producer ids and (v1, KIP-994) minimum running time.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_list_transactions(ContextPtr ctx, protocol::ListTransactionsRequest request) {
  protocol::ListTransactionsResponse response;
  auto* txns = ctx->services.transactions;
  const ErrorCode unavailable = txns ? txns->unavailable() : ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (unavailable != ErrorCode::NONE) {
    response.error_code = to_wire(unavailable);
    return ctx->respond(response);
  }
  const int64_t min_duration = ctx->version() >= 1 ? request.duration_filter : -1;
  for (auto& t : txns->list(request.state_filters, request.producer_id_filters, min_duration,
                            response.unknown_state_filters)) {
    auto& out = response.transaction_states.emplace_back();
    out.transactional_id = std::move(t.transactional_id);
    out.producer_id = t.producer_id;
    out.transaction_state = std::move(t.state);
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
