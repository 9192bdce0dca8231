// InitProducerId (key 22), v0-5.
//
// Idempotent producers (no transactional id): as in Kafka, always a fresh producer id
// with epoch 0, whatever id/epoch the client sends back (KIP-360's epoch bump only
// applies to transactional ids); ids come from the durable ProducerIdManager, so they
// are never reused after a restart.
//
// Transactional ids go to the transaction coordinator: producer id and epoch per
// transactional id, the epoch bumped on every initialisation (fencing the previous
// instance), an open transaction aborted first (CONCURRENT_TRANSACTIONS until done).
#include "../txn_verification.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/util/log.h"

namespace samsa::broker {

void handle_init_producer_id(ContextPtr ctx, protocol::InitProducerIdRequest request) {
  BrokerServices& services = ctx->services;
  protocol::InitProducerIdResponse response;
  response.producer_id = -1;
  response.producer_epoch = -1;

  auto fail = [&](ErrorCode error) {
    response.error_code = to_wire(error);
    ctx->respond(response);
  };

  // Kafka: an id and an epoch come together or not at all.
  if ((request.producer_id == -1) != (request.producer_epoch == -1))
    return fail(ErrorCode::INVALID_REQUEST);

  if (request.transactional_id) {
    if (!services.transactions) return fail(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    services.transactions->init_producer_id(
        *request.transactional_id, request.transaction_timeout_ms, request.producer_id,
        request.producer_epoch, [ctx](coordinator::InitProducerIdResult result) {
          protocol::InitProducerIdResponse answer;
          answer.error_code = to_wire(fenced_error_for_version(result.error, ctx->version(), 4));
          answer.producer_id = result.producer_id;
          answer.producer_epoch = result.producer_epoch;
          ctx->respond(answer);
        });
    return;
  }

  const std::optional<int64_t> id = services.producer_ids.next_id();
  // The allocator logged why; a retriable error lets the client try again once the
  // disk recovers (Kafka's producer retries COORDINATOR_NOT_AVAILABLE).
  if (!id) return fail(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  response.producer_id = *id;
  response.producer_epoch = 0;
  ctx->respond(response);
}

}  // namespace samsa::broker
