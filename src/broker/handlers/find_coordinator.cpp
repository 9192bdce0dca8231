// FindCoordinator (key 10), v0-6. This single node coordinates every group (key type
// 0) and every transactional id (key type 1); it answers with its first advertised
// listener. v4+ batches several keys per request.
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

namespace {

constexpr int8_t kGroupKey = 0;
constexpr int8_t kTransactionKey = 1;

}  // namespace

void handle_find_coordinator(ContextPtr ctx, protocol::FindCoordinatorRequest request) {
  const admin::NodeEndpoint node = admin::advertised_node(ctx->services, ctx->listener);
  auto locate = [&](const std::string& key) {
    protocol::FindCoordinatorResponse::Coordinator c;
    c.key = key;
    c.error_message = std::nullopt;
    ErrorCode error = ErrorCode::NONE;
    if (request.key_type != kGroupKey && request.key_type != kTransactionKey)
      error = ErrorCode::INVALID_REQUEST;
    else if (request.key_type == kGroupKey && !ctx->services.groups)
      error = ErrorCode::COORDINATOR_NOT_AVAILABLE;
    else if (request.key_type == kTransactionKey && !ctx->services.transactions)
      error = ErrorCode::COORDINATOR_NOT_AVAILABLE;
    if (error == ErrorCode::NONE) {
      c.node_id = node.node_id;
      c.host = node.host;
      c.port = node.port;
    } else {
      c.node_id = -1;
      c.port = -1;
      c.error_message = request.key_type > kTransactionKey ? "unsupported key type"
                                                           : "the coordinator is not available";
    }
    c.error_code = to_wire(error);
    return c;
  };

  protocol::FindCoordinatorResponse response;
  if (ctx->version() < 4) {
    auto c = locate(request.key);
    response.error_code = c.error_code;
    response.error_message = c.error_message;
    response.node_id = c.node_id;
    response.host = c.host;
    response.port = c.port;
  } else {
    for (const auto& key : request.coordinator_keys) response.coordinators.push_back(locate(key));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
