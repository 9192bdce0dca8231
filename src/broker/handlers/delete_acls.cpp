// DeleteAcls (key 31), v0-3. Samsa has no authorizer: as a Kafka broker without
// `authorizer.class.name`, every filter fails with SECURITY_DISABLED (54) and Kafka's
// message "No Authorizer is configured.", with no matching ACLs, one result per filter in
// request order. A filter with an UNKNOWN (0) resource type, pattern type, operation or
// permission type makes the request unparsable for Kafka, which closes the connection;
// samsa too.
#include "samsa/broker/handlers.h"

namespace samsa::broker {

void handle_delete_acls(ContextPtr ctx, protocol::DeleteAclsRequest request) {
  protocol::DeleteAclsResponse response;
  for (const auto& f : request.filters) {
    if (f.resource_type_filter == 0 || f.pattern_type_filter == 0 || f.operation == 0 ||
        f.permission_type == 0)
      throw protocol::DecodeError("DeleteAcls filter contains UNKNOWN elements");
    protocol::DeleteAclsResponse::DeleteAclsFilterResult result;
    result.error_code = to_wire(ErrorCode::SECURITY_DISABLED);
    result.error_message = "No Authorizer is configured.";
    response.filter_results.push_back(std::move(result));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
