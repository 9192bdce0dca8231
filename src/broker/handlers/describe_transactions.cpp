// DescribeTransactions (key 65), v0: the state of each transactional id, as the
// coordinator holds it (kafka-transactions.sh describe, Admin.describeTransactions).
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

void handle_describe_transactions(ContextPtr ctx, protocol::DescribeTransactionsRequest request) {
  protocol::DescribeTransactionsResponse response;
  auto* txns = ctx->services.transactions;
  for (const auto& id : request.transactional_ids) {
    auto& out = response.transaction_states.emplace_back();
    out.transactional_id = id;  // an error leaves the other fields 0, as in Kafka
    if (!txns) {
      out.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
      continue;
    }
    const coordinator::TransactionDescription d = txns->describe(id);
    out.error_code = to_wire(d.error);
    if (d.error != ErrorCode::NONE) continue;
    out.transaction_state = d.state;
    out.transaction_timeout_ms = d.timeout_ms;
    out.transaction_start_time_ms = d.start_ms;
    out.producer_id = d.producer_id;
    out.producer_epoch = d.producer_epoch;
    for (const auto& tp : d.partitions) {
      if (out.topics.empty() || out.topics.back().topic != tp.topic)
        out.topics.emplace_back().topic = tp.topic;
      out.topics.back().partitions.push_back(tp.partition);
    }
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
