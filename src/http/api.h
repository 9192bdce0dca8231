// The JSON API behind the console (/api/...), one file per resource: api_overview.cpp,
// api_topics.cpp, api_messages.cpp, api_groups.cpp, api_transactions.cpp. Routes read
// broker state directly from BrokerServices (cheap, bounded scans) and make changes
// through the Kafka handlers (LocalClient), so errors are Kafka's own.
//
// Conventions: JSON in and out; a failure is Response::error(status, CODE, message)
// with CODE a Kafka error name where Kafka decided it (status from http_status()).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "samsa/broker/context.h"
#include "samsa/broker/local_client.h"
#include "samsa/http/http.h"
#include "samsa/protocol/error_code.h"

namespace samsa::metrics {
class BrokerMetrics;
}

namespace samsa::http {

using Json = nlohmann::json;

// What every route may use; owned by the Console, outlives every request.
struct ApiContext {
  broker::BrokerServices& services;
  broker::LocalClient& kafka;       // Kafka requests through the broker's handlers
  metrics::BrokerMetrics* metrics;  // null when metrics are off
  int64_t started_at_ms = 0;        // wall clock, for uptime
  std::string http_address;         // "host:port" actually bound
  std::function<size_t()> kafka_connection_count;
  std::shared_ptr<LoopShare> loop_share;  // null: the console's loop time is not limited
};

// Runs a long answer in slices so that no turn of the loop is held for long: `step` does
// one small piece (a topic, a group, a few hundred lines) and returns true once all is
// done; it is called repeatedly for about a millisecond per turn of the loop, starting
// on the next turn, and the Kafka listener runs in between. Each slice is charged to the
// loop share and waits while it is spent. `done` runs in the last slice; an exception
// from either answers 500 through `on_failure`. State that `step` reads across turns
// must be looked up again each time (a topic may be deleted in between), never kept by
// pointer.
void run_sliced(ApiContext& api, std::function<bool()> step, std::function<void()> done,
                Reply on_failure);

// Registration, one per resource file.
void add_overview_routes(Router& router, ApiContext& api);
void add_topic_routes(Router& router, ApiContext& api);
void add_message_routes(Router& router, ApiContext& api);
void add_group_routes(Router& router, ApiContext& api);
void add_transaction_routes(Router& router, ApiContext& api);
void add_metrics_route(Router& router, ApiContext& api);
void add_asset_routes(Router& router);

// --- helpers shared by the routes (json.cpp)

Response json_response(int status, const Json& body);
inline Response ok(const Json& body) {
  return json_response(200, body);
}
// The HTTP status for a Kafka error: 404 for unknown topics/groups, 409 for state
// conflicts (non-empty group, topic exists), 403 for disabled operations, 503 for
// retriable broker states, else 400.
int http_status(ErrorCode error);
Response kafka_error(ErrorCode error, const std::optional<std::string>& message = std::nullopt);
inline Response kafka_error(int16_t wire,
                            const std::optional<std::string>& message = std::nullopt) {
  return kafka_error(static_cast<ErrorCode>(wire), message);
}
// Parses the body as a JSON object; on failure answers 400 and returns nullopt.
std::optional<Json> parse_body(const Request& request, const Reply& reply);
// An integer query parameter within [min, max]; absent gives `fallback`; malformed or
// out of range answers 400 and returns nullopt.
std::optional<int64_t> query_int(const Request& request, const std::string& key, int64_t fallback,
                                 int64_t min, int64_t max, const Reply& reply);
// The body {"<name>": [row, ...]} written one row at a time, so that a long list costs no
// single large dump at the end (rows are serialised as they are added, in slices).
class JsonArrayBody {
 public:
  explicit JsonArrayBody(std::string_view name);
  void add(const Json& row);
  size_t size() const { return rows_; }
  // Closes the array, adds `extra`'s members (an object) and answers 200.
  Response finish(const Json& extra = Json::object());

 private:
  std::string out_;
  size_t rows_ = 0;
};

// A LocalClient failure (the handler refused the request): 500 with the reason.
Response internal_error(const std::string& why);

}  // namespace samsa::http
