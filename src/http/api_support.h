// Pieces the topic, message, group and transaction routes share: a Kafka request
// through the broker's handlers whose transport failure becomes a 500, the reading of
// JSON body fields with a 400 naming the field, and config values as Kafka takes them.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "api.h"
#include "samsa/util/log.h"

namespace samsa::http {

// Sends `request` through the broker's handlers and calls `on_answer` with the decoded
// answer; a request the broker refused or never answered becomes 500 on `reply`.
template <class Response, class Request>
void kafka_call(ApiContext& api, const Request& request, Reply reply,
                std::function<void(const Response&, const Reply&)> on_answer) {
  api.kafka.call<Response>(
      request, [reply = std::move(reply), on_answer = std::move(on_answer)](
                   std::shared_ptr<broker::LocalReply<Response>> answer, std::string error) {
        if (!answer) return reply(internal_error("the broker did not answer: " + error));
        on_answer(answer->body, reply);
      });
}

// The Kafka error of one result, or nullopt when it is NONE.
inline std::optional<Response> kafka_failure(int16_t error_code,
                                             const std::optional<std::string>& message = {}) {
  if (error_code == 0) return std::nullopt;
  return kafka_error(error_code, message);
}

inline Response bad_request(const std::string& message) {
  return Response::error(400, "BAD_REQUEST", message);
}

// Body fields. Each returns false after answering 400 naming the field; an absent
// optional field leaves `out` as it is.
bool field_string(const Json& body, const char* name, bool required, std::string& out,
                  const Reply& reply);
bool field_int(const Json& body, const char* name, bool required, int64_t min, int64_t max,
               int64_t& out, const Reply& reply);
// A string, or null (nullopt); numbers and booleans are refused.
bool field_nullable_string(const Json& body, const char* name, std::optional<std::string>& out,
                           const Reply& reply);

// A config value as Kafka takes it (a string): JSON strings as they are, numbers and
// booleans as their JSON text. nullopt for anything else (objects, arrays, null).
std::optional<std::string> config_value(const Json& value);

// A route as a plain function of the shared context.
using RouteFn = void (*)(ApiContext&, const Request&, const Reply&);
inline Handler bind_route(ApiContext& api, RouteFn fn) {
  return [&api, fn](const Request& request, Reply reply) { fn(api, request, reply); };
}

// The partitions a topic has, or -1 when it does not exist.
int32_t partition_count(const ApiContext& api, const std::string& topic);

}  // namespace samsa::http
