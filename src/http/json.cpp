#include <charconv>

#include "../broker/topic_admin.h"
#include "api.h"
#include "samsa/util/log.h"

namespace samsa::http {

Response Response::error(int status, std::string_view code, std::string_view message) {
  Json body{{"error", code}, {"message", message}};
  return Response::json(status, body.dump());
}

Response json_response(int status, const Json& body) {
  // Invalid UTF-8 in keys or values (binary record keys) is replaced, never thrown on.
  return Response::json(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

JsonArrayBody::JsonArrayBody(std::string_view name) {
  out_ = "{" + Json(std::string(name)).dump() + ":[";
}

void JsonArrayBody::add(const Json& row) {
  if (rows_++ > 0) out_ += ',';
  out_ += row.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response JsonArrayBody::finish(const Json& extra) {
  out_ += ']';
  for (const auto& [key, value] : extra.items()) {
    out_ += ',';
    out_ += Json(key).dump();
    out_ += ':';
    out_ += value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  out_ += '}';
  return Response::json(200, std::move(out_));
}

int http_status(ErrorCode error) {
  switch (error) {
    case ErrorCode::NONE:
      return 200;
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::UNKNOWN_TOPIC_ID:
    case ErrorCode::GROUP_ID_NOT_FOUND:
    case ErrorCode::TRANSACTIONAL_ID_NOT_FOUND:
      return 404;
    case ErrorCode::TOPIC_ALREADY_EXISTS:
    case ErrorCode::NON_EMPTY_GROUP:
    case ErrorCode::UNKNOWN_MEMBER_ID:
    case ErrorCode::ILLEGAL_GENERATION:
    case ErrorCode::REBALANCE_IN_PROGRESS:
    case ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC:
      return 409;
    case ErrorCode::TOPIC_DELETION_DISABLED:
    case ErrorCode::TOPIC_AUTHORIZATION_FAILED:
    case ErrorCode::GROUP_AUTHORIZATION_FAILED:
    case ErrorCode::CLUSTER_AUTHORIZATION_FAILED:
      return 403;
    case ErrorCode::COORDINATOR_NOT_AVAILABLE:
    case ErrorCode::COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode::NOT_COORDINATOR:
    case ErrorCode::REQUEST_TIMED_OUT:
    case ErrorCode::NOT_ENOUGH_REPLICAS:
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return 503;
    default:
      return 400;
  }
}

Response kafka_error(ErrorCode error, const std::optional<std::string>& message) {
  const std::string text =
      message && !message->empty() ? *message : broker::admin::default_message(error);
  return Response::error(http_status(error), error_name(error), text);
}

std::optional<Json> parse_body(const Request& request, const Reply& reply) {
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    reply(Response::error(400, "BAD_REQUEST", "the request body must be a JSON object"));
    return std::nullopt;
  }
  return body;
}

std::optional<int64_t> query_int(const Request& request, const std::string& key, int64_t fallback,
                                 int64_t min, int64_t max, const Reply& reply) {
  auto it = request.query.find(key);
  if (it == request.query.end() || it->second.empty()) return fallback;
  int64_t value = 0;
  const auto& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    reply(Response::error(
        400, "BAD_REQUEST",
        fmt::format("query parameter {} must be an integer in [{}, {}]", key, min, max)));
    return std::nullopt;
  }
  return value;
}

Response internal_error(const std::string& why) {
  return Response::error(500, "INTERNAL_ERROR", why);
}

}  // namespace samsa::http
