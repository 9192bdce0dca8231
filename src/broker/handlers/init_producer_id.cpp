// InitProducerId (key 22), v0-5.
//
// Idempotent producers (no transactional id): as in Kafka, always a fresh producer id
// with epoch 0, whatever id/epoch the client sends back (KIP-360's epoch bump only
// applies to transactional ids); ids come from the durable ProducerIdManager, so they
// are never reused after a restart.
//
// Transactional ids: transactions are not implemented yet. The request is validated as
// Kafka does (empty id, timeout against transaction.max.timeout.ms) and answered with
// a fresh producer id and epoch 0 so that initTransactions() completes; the client then
// fails clearly on AddPartitionsToTxn, which samsa does not advertise. Without a
// transaction coordinator there is no fencing of an earlier instance.
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/producer_id_manager.h"
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
    if (request.transactional_id->empty()) return fail(ErrorCode::INVALID_REQUEST);
    if (request.transaction_timeout_ms <= 0 ||
        request.transaction_timeout_ms > services.config.transaction_max_timeout_ms)
      return fail(ErrorCode::INVALID_TRANSACTION_TIMEOUT);
    // Once per producer start: worth a warning every time.
    spdlog::warn(
        "client '{}' initialised transactional id '{}': transactions are not implemented "
        "yet; it gets a producer id but transactional requests will fail",
        ctx->client_id(), *request.transactional_id);
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
