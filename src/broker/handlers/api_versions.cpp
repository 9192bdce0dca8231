// ApiVersions (key 18), v0-4. Answers with every API that has a handler, derived from
// the handler list. An unsupported ApiVersions version is answered by the dispatcher
// (error 35 and a v0 body with ApiVersions' own range). v3+ requests carry the client's software
// name and version, which Kafka validates; we do the same. v3+ also carry the features, as a Kafka
// 4 cluster reports them: `transaction.version` (finalized at samsa.transaction.version; 2 lets 4.x
// clients use transactions v2, KIP-890) and `group.version` (1: KIP-848 consumer groups are
// served).
#include <cctype>

#include "samsa/broker/broker.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"

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
  struct Feature {
    const char* name;
    int16_t max_supported;
    int16_t finalized;
  };
  const Feature features[] = {
      {"group.version", 1, 1},
      {"transaction.version", 2, ctx->services.config.transaction_version},
  };
  for (const Feature& f : features) {
    // KIP-1022: before v4 a supported range starting at 0 is left out (older clients
    // refuse it); the finalized level is still listed.
    if (ctx->version() >= 4)
      response.supported_features.push_back({f.name, 0, f.max_supported, {}});
    // A feature at level 0 is off: Kafka leaves it out of the finalized ones.
    if (f.finalized > 0)
      response.finalized_features.push_back({f.name, f.finalized, f.finalized, {}});
  }
  response.finalized_features_epoch = ctx->services.features_epoch;
  ctx->respond(response);
}

}  // namespace samsa::broker
