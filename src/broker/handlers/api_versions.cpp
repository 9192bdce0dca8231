// ApiVersions (key 18), v0-4. Answers with every API that has a handler, derived from
// the handler list. An unsupported ApiVersions version is answered by the dispatcher
// (error 35 and a v0 body with ApiVersions' own range). v3+ requests carry the client's software name and
// version, which Kafka validates; we do the same.
#include <cctype>

#include "samsa/broker/broker.h"
#include "samsa/broker/handlers.h"

namespace samsa::broker {

namespace {

// Kafka's rule: letters, digits, '-' and '.', starting and ending alphanumeric.
bool valid_software_field(const std::string& s) {
  if (s.empty()) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return true;
}

}  // namespace

void handle_api_versions(ContextPtr ctx, protocol::ApiVersionsRequest request) {
  protocol::ApiVersionsResponse response;
  if (ctx->version() >= 3 && (!valid_software_field(request.client_software_name) ||
                              !valid_software_field(request.client_software_version))) {
    // Kafka's error answer lists no APIs.
    response.error_code = to_wire(ErrorCode::INVALID_REQUEST);
    return ctx->respond(response);
  }
  response.api_keys.reserve(served_apis().size());
  for (const auto& api : served_apis())
    response.api_keys.push_back({api.key, api.min_version, api.max_version, {}});
  ctx->respond(response);
}

}  // namespace samsa::broker
