// CreateAcls (key 30), v0-3. Samsa has no authorizer: as a Kafka broker without
// `authorizer.class.name`, every creation fails with SECURITY_DISABLED (54) and Kafka's
// message "No Authorizer is configured.", one result per creation in request order. A
// creation with an UNKNOWN (0) resource type, pattern type, operation or permission type
// makes the request unparsable for Kafka, which closes the connection; samsa too.
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_create_acls(ContextPtr ctx, protocol::CreateAclsRequest request) {
  protocol::CreateAclsResponse response;
  for (const auto& c : request.creations) {
    if (c.resource_type == 0 || c.resource_pattern_type == 0 || c.operation == 0 ||
        c.permission_type == 0)
      throw protocol::DecodeError("CreateAcls creation contains UNKNOWN elements");
    protocol::CreateAclsResponse::AclCreationResult result;
    result.error_code = to_wire(ErrorCode::SECURITY_DISABLED);
    result.error_message = "No Authorizer is configured.";
    response.results.push_back(std::move(result));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
