// DescribeCluster (key 60), v0-1: this node as the only broker and the controller. A
// client asking for the controller endpoints (endpoint_type 2, v1) gets
// MISMATCHED_ENDPOINT_TYPE, as from any Kafka broker listener.
#include <fmt/format.h>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {
namespace {

constexpr int8_t kBrokerEndpoints = 1;
constexpr int8_t kControllerEndpoints = 2;

}  // namespace

void handle_describe_cluster(ContextPtr ctx, protocol::DescribeClusterRequest request) {
  BrokerServices& services = ctx->services;
  protocol::DescribeClusterResponse response;
  response.endpoint_type = kBrokerEndpoints;
  if (ctx->version() >= 1 && request.endpoint_type != kBrokerEndpoints) {
    if (request.endpoint_type == kControllerEndpoints) {
      response.error_code = to_wire(ErrorCode::MISMATCHED_ENDPOINT_TYPE);
      response.error_message =
          "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of "
          "type CONTROLLER";
    } else {
      response.error_code = to_wire(ErrorCode::UNSUPPORTED_ENDPOINT_TYPE);
      response.error_message = fmt::format("Unsupported endpoint type {}", request.endpoint_type);
    }
    ctx->respond(response);
    return;
  }

  const admin::NodeEndpoint node = admin::advertised_node(services, ctx->listener);
  response.cluster_id = services.cluster_id;
  response.controller_id = node.node_id;
  response.brokers.push_back({node.node_id, node.host, node.port, std::nullopt, {}});
  if (request.include_cluster_authorized_operations)
    response.cluster_authorized_operations = admin::kAllClusterOperations;
  ctx->respond(response);
}

}  // namespace samsa::broker
