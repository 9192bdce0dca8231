// CreatePartitions (key 37), v0-3. Grows a topic to `count` partitions; manual
// assignments (one per new partition) may only name this node. validate_only checks
// without growing. Checks and messages follow Kafka's controller.
#include <map>
#include <set>

#include <fmt/format.h>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {
namespace {

using Response = protocol::CreatePartitionsResponse;
using Topic = protocol::CreatePartitionsRequest::CreatePartitionsTopic;

ErrorCode check(const BrokerServices& services, const Topic& topic, std::string& message) {
  const storage::TopicMetadata* meta = services.logs.find_topic(topic.name);
  if (!meta) return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  const int32_t current = meta->partition_count;
  if (topic.count < current) {
    message =
        fmt::format("The topic {} currently has {} partition(s); {} would not be an increase.",
                    topic.name, current, topic.count);
    return ErrorCode::INVALID_PARTITIONS;
  }
  if (topic.count == current) {
    message = fmt::format("Topic already has {} partition(s).", current);
    return ErrorCode::INVALID_PARTITIONS;
  }
  if (topic.assignments) {
    const int64_t added = static_cast<int64_t>(topic.count) - current;
    if (static_cast<int64_t>(topic.assignments->size()) != added) {
      message = fmt::format(
          "Attempted to add {} additional partition(s), but only {} assignment(s) were "
          "specified.",
          added, topic.assignments->size());
      return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
    }
    for (const auto& a : *topic.assignments) {
      const ErrorCode e = admin::check_replica_assignment(services.config, a.broker_ids, message);
      if (e != ErrorCode::NONE) return e;
    }
  }
  return ErrorCode::NONE;
}

}  // namespace

void handle_create_partitions(ContextPtr ctx, protocol::CreatePartitionsRequest request) {
  BrokerServices& services = ctx->services;
  std::map<std::string, int> name_count;
  for (const auto& t : request.topics) ++name_count[t.name];

  Response response;
  std::set<std::string> answered;
  for (const auto& topic : request.topics) {
    Response::CreatePartitionsTopicResult r;
    r.name = topic.name;
    if (name_count[topic.name] > 1) {
      if (!answered.insert(topic.name).second) continue;
      r.error_code = to_wire(ErrorCode::INVALID_REQUEST);
      r.error_message = "Duplicate topic name.";
      response.results.push_back(std::move(r));
      continue;
    }
    std::string message;
    ErrorCode error = check(services, topic, message);
    if (error == ErrorCode::NONE) {
      error =
          services.logs.create_partitions(topic.name, topic.count, message, request.validate_only);
      if (error == ErrorCode::NONE && !request.validate_only)
        spdlog::info("topic '{}' grown to {} partition(s)", topic.name, topic.count);
    }
    r.error_code = to_wire(error);
    if (error != ErrorCode::NONE)
      r.error_message = message.empty() ? admin::default_message(error) : message;
    response.results.push_back(std::move(r));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
