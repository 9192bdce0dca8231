// Messages of a topic: browsing (MessageBrowser: bounded reads of the stored batches,
// run in steps on the loop) and producing one record from the browser, as a Produce
// with acks=all through the broker's handler, placed by Kafka's default partitioner
// when no partition is given (murmur2 of the key; round-robin for a null key).
#include <chrono>

#include "api_support.h"
#include "client_formats.h"
#include "message_browser.h"
#include "samsa/storage/batch_builder.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

namespace {

namespace proto = protocol;

constexpr int32_t kMaxLimit = 500;
constexpr int32_t kDefaultLimit = 50;
constexpr int32_t kProduceTimeoutMs = 30'000;

// The query string as a BrowseQuery; answers 400 and returns nullopt when malformed.
std::optional<BrowseQuery> parse_query(const Request& request, const Reply& reply) {
  BrowseQuery q;
  const std::string partition = request.query_or("partition", "all");
  if (partition != "all") {
    const auto p =
        query_int(request, "partition", 0, 0, std::numeric_limits<int32_t>::max(), reply);
    if (!p) return std::nullopt;
    q.partition = static_cast<int32_t>(*p);
  }
  const std::string from = request.query_or("from", "latest");
  if (from == "earliest") {
    q.from = BrowseQuery::From::kEarliest;
  } else if (from == "latest") {
    q.from = BrowseQuery::From::kLatest;
  } else if (from == "offset" || from == "timestamp") {
    const bool by_offset = from == "offset";
    const char* key = by_offset ? "offset" : "timestamp";
    if (request.query_or(key).empty()) {
      reply(bad_request(fmt::format("from={} needs {}=N", from, key)));
      return std::nullopt;
    }
    const auto n = query_int(request, key, 0, 0, std::numeric_limits<int64_t>::max(), reply);
    if (!n) return std::nullopt;
    q.from = by_offset ? BrowseQuery::From::kOffset : BrowseQuery::From::kTimestamp;
    (by_offset ? q.offset : q.timestamp) = *n;
  } else {
    reply(bad_request("from must be earliest, latest, offset or timestamp"));
    return std::nullopt;
  }
  const std::string order = request.query_or("order", "newest");
  if (order != "newest" && order != "oldest") {
    reply(bad_request("order must be newest or oldest"));
    return std::nullopt;
  }
  q.newest_first = order == "newest";
  const auto limit = query_int(request, "limit", kDefaultLimit, 1, kMaxLimit, reply);
  if (!limit) return std::nullopt;
  q.limit = static_cast<int32_t>(*limit);
  if (auto it = request.query.find("key"); it != request.query.end()) q.key = it->second;
  if (auto it = request.query.find("q"); it != request.query.end() && !it->second.empty())
    q.contains = it->second;
  return q;
}

// Runs the browser's steps in slices of the loop (run_sliced), and answers when done.
void run_browser(ApiContext& api, std::shared_ptr<MessageBrowser> browser, Reply reply) {
  const auto started = std::chrono::steady_clock::now();
  run_sliced(
      api, [browser] { return browser->step(); },
      [browser, reply, started] {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        spdlog::debug("console: browsed {} records ({} bytes) in {} us", browser->scanned(),
                      browser->bytes_read(), us);
        reply(ok(browser->result()));
      },
      reply);
}

void browse(ApiContext& api, const Request& request, const Reply& reply) {
  const auto query = parse_query(request, reply);
  if (!query) return;
  ErrorCode error;
  std::string message;
  std::shared_ptr<MessageBrowser> browser = MessageBrowser::create(
      api.services.logs, request.params.at("name"), *query, BrowseLimits{}, error, message);
  if (!browser) return reply(kafka_error(error, message));
  run_browser(api, std::move(browser), reply);
}

void produce(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& topic = request.params.at("name");
  const auto body = parse_body(request, reply);
  if (!body) return;
  const int32_t partitions = partition_count(api, topic);
  if (partitions < 0)
    return reply(kafka_error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                             fmt::format("topic {} does not exist", topic)));
  int64_t partition = -1;
  std::optional<std::string> key, value;
  if (!field_int(*body, "partition", false, 0, partitions - 1, partition, reply) ||
      !field_nullable_string(*body, "key", key, reply) ||
      !field_nullable_string(*body, "value", value, reply))
    return;

  // Header strings live here until the batch is built.
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  if (const auto it = body->find("headers"); it != body->end() && !it->is_null()) {
    if (!it->is_array()) return reply(bad_request("\"headers\" must be an array of {key, value}"));
    for (const Json& h : *it) {
      std::string hkey;
      std::optional<std::string> hvalue;
      if (!h.is_object()) return reply(bad_request("\"headers\" must be an array of {key, value}"));
      if (!field_string(h, "key", true, hkey, reply) ||
          !field_nullable_string(h, "value", hvalue, reply))
        return;
      headers.emplace_back(std::move(hkey), std::move(hvalue));
    }
  }
  if (partition < 0) {
    static uint32_t round_robin = 0;  // the loop's only thread touches it
    partition = key ? partition_for_key(*key, partitions)
                    : static_cast<int32_t>(round_robin++ % static_cast<uint32_t>(partitions));
  }

  const int64_t now = api.services.scheduler.now_ms();
  storage::RecordSpec record;
  record.key = key ? std::optional<std::string_view>(*key) : std::nullopt;
  record.value = value ? std::optional<std::string_view>(*value) : std::nullopt;
  record.timestamp = now;
  for (const auto& [k, v] : headers)
    record.headers.push_back({k, v ? std::optional<std::string_view>(*v) : std::nullopt});
  std::vector<uint8_t> batch = storage::build_batch(storage::BatchSpec{}, std::span(&record, 1));

  proto::ProduceRequest produce;
  produce.acks = -1;
  produce.timeout_ms = kProduceTimeoutMs;
  proto::ProduceRequest::TopicProduceData data;
  data.name = topic;
  data.partition_data.push_back(
      {static_cast<int32_t>(partition), proto::Records::from_view(batch), {}});
  produce.topic_data.push_back(std::move(data));
  // The request is encoded before call() returns: `batch` may go.
  kafka_call<proto::ProduceResponse>(
      api, produce, reply, [now](const proto::ProduceResponse& answer, const Reply& reply) {
        if (answer.responses.size() != 1 || answer.responses[0].partition_responses.size() != 1)
          return reply(internal_error("Produce answered no partition"));
        const auto& p = answer.responses[0].partition_responses[0];
        if (auto failure = kafka_failure(p.error_code, p.error_message)) return reply(*failure);
        reply(json_response(
            201, {{"partition", p.index},
                  {"offset", p.base_offset},
                  {"timestamp", p.log_append_time_ms >= 0 ? p.log_append_time_ms : now}}));
      });
}

}  // namespace

void add_message_routes(Router& router, ApiContext& api) {
  router.add("GET", "/api/topics/{name}/messages", bind_route(api, browse));
  router.add("POST", "/api/topics/{name}/messages", bind_route(api, produce));
}

}  // namespace samsa::http
