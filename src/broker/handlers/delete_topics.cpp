// DeleteTopics (key 20), v1-6. Names (v1-5 `topic_names`) or, from v6, `topics` entries
// naming a topic by name or by id. With delete.topic.enable=false every topic is
// answered TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3, as Kafka does).
// Deletion is synchronous: the topic is gone from metadata when the answer leaves.
// Internal topics (__consumer_offsets, __transaction_state) are not deleted.
#include <set>

#include <fmt/format.h>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {
namespace {

using Response = protocol::DeleteTopicsResponse;
using Result = Response::DeletableTopicResult;

Result result(std::optional<std::string> name, protocol::Uuid id, ErrorCode error,
              std::optional<std::string> message = std::nullopt) {
  Result r;
  r.name = std::move(name);
  r.topic_id = id;
  r.error_code = to_wire(error);
  r.error_message = std::move(message);
  return r;
}

}  // namespace

void handle_delete_topics(ContextPtr ctx, protocol::DeleteTopicsRequest request) {
  BrokerServices& services = ctx->services;
  const int16_t version = ctx->version();

  // One list of (name, id) whatever the version.
  std::vector<protocol::DeleteTopicsRequest::DeleteTopicState> wanted;
  if (version >= 6) {
    wanted = std::move(request.topics);
  } else {
    for (auto& n : request.topic_names) wanted.push_back({std::move(n), {}, {}});
  }

  Response response;
  response.responses.reserve(wanted.size());
  if (!services.config.delete_topic_enable) {
    const ErrorCode error =
        version < 3 ? ErrorCode::INVALID_REQUEST : ErrorCode::TOPIC_DELETION_DISABLED;
    std::optional<std::string> message;
    if (version < 3) message = "Topic deletion is disabled.";
    for (const auto& w : wanted)
      response.responses.push_back(result(w.name, w.topic_id, error, message));
    ctx->respond(response);
    return;
  }

  std::set<std::string> names;
  std::set<std::pair<uint64_t, uint64_t>> ids;
  for (const auto& w : wanted) {
    if (w.name && !w.topic_id.is_zero()) {
      response.responses.push_back(result(w.name, w.topic_id, ErrorCode::INVALID_REQUEST,
                                          "Topic name and topic ID can not both be specified."));
      continue;
    }
    std::string name;
    protocol::Uuid id = w.topic_id;
    if (w.name) {
      name = *w.name;
      if (!names.insert(name).second) {
        response.responses.push_back(
            result(name, {}, ErrorCode::INVALID_REQUEST, "Duplicate topic name."));
        continue;
      }
      const storage::TopicMetadata* meta = services.logs.find_topic(name);
      if (!meta) {
        response.responses.push_back(
            result(name, {}, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                   admin::default_message(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)));
        continue;
      }
      id = to_uuid(meta->topic_id);
    } else {
      if (!ids.insert({id.hi, id.lo}).second) {
        response.responses.push_back(
            result(std::nullopt, id, ErrorCode::INVALID_REQUEST, "Duplicate topic id."));
        continue;
      }
      const storage::TopicMetadata* meta =
          id.is_zero() ? nullptr : services.logs.find_topic(to_topic_id(id));
      if (!meta) {
        response.responses.push_back(result(std::nullopt, id, ErrorCode::UNKNOWN_TOPIC_ID,
                                            admin::default_message(ErrorCode::UNKNOWN_TOPIC_ID)));
        continue;
      }
      name = meta->name;
    }

    if (admin::is_internal_topic(name)) {
      // Kafka would delete it; here the group coordinator keeps its logs open, so the
      // deletion is refused rather than pulled from under it.
      response.responses.push_back(result(name, id, ErrorCode::INVALID_REQUEST,
                                          fmt::format("Internal topic {} cannot be deleted "
                                                      "on samsa.",
                                                      name)));
      continue;
    }
    const ErrorCode error = services.logs.delete_topic(name);
    if (error == ErrorCode::NONE) spdlog::info("deleted topic '{}'", name);
    response.responses.push_back(result(
        name, id, error,
        error == ErrorCode::NONE ? std::nullopt
                                 : std::optional<std::string>(admin::default_message(error))));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
