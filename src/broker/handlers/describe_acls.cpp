// DescribeAcls (key 29), v0-3. Samsa has no authorizer, so it answers as a Kafka broker
// without `authorizer.class.name`: SECURITY_DISABLED (54) with Kafka's message and no
// resources, whatever the filter. Consoles (kafka-ui, AKHQ, Redpanda Console) send this
// at start-up to learn that security is off. A filter with an UNKNOWN (0) resource type,
// pattern type, operation or permission type is a request Kafka cannot parse: it closes
// the connection, and so does samsa.
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_describe_acls(ContextPtr ctx, protocol::DescribeAclsRequest request) {
  if (request.resource_type_filter == 0 || request.pattern_type_filter == 0 ||
      request.operation == 0 || request.permission_type == 0)
    throw protocol::DecodeError("DescribeAcls filter contains UNKNOWN elements");
  protocol::DescribeAclsResponse response;
  response.error_code = to_wire(ErrorCode::SECURITY_DISABLED);
  response.error_message = "No Authorizer is configured on the broker";
  ctx->respond(response);
}

}  // namespace samsa::broker
