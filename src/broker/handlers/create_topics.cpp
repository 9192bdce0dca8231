// CreateTopics (key 19), v2-7. Follows Kafka's (KRaft controller's) checks and messages:
// duplicate names, partition count and replication factor (-1 = the broker default),
// manual assignments (which may only name this node), topic configs. A replication
// factor above 1 is clamped to 1 (with a warning) or rejected, depending on
// samsa.replication.factor.policy. v5+ answers carry the topic's partition count,
// replication factor and every topic config with its source: the Java AdminClient
// requires them. validate_only runs every check and creates nothing.
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

using Request = protocol::CreateTopicsRequest;
using Response = protocol::CreateTopicsResponse;
using Result = Response::CreatableTopicResult;

struct Plan {
  int32_t partitions = 0;
  int16_t replication_factor = 1;
  storage::ConfigMap configs;
};

// Checks one topic; on success fills `plan`.
ErrorCode check_topic(const config::BrokerConfig& config, const Request::CreatableTopic& topic,
                      Plan& plan, std::string& message) {
  if (!storage::LogManager::valid_topic_name(topic.name, message))
    return ErrorCode::INVALID_TOPIC_EXCEPTION;

  if (!topic.assignments.empty()) {
    if (topic.num_partitions != -1) {
      message = "A manual partition assignment was specified, but numPartitions was not set to -1.";
      return ErrorCode::INVALID_REQUEST;
    }
    if (topic.replication_factor != -1) {
      message =
          "A manual partition assignment was specified, but replicationFactor was not set to -1.";
      return ErrorCode::INVALID_REQUEST;
    }
    std::set<int32_t> indexes;
    for (const auto& a : topic.assignments) {
      const ErrorCode e = admin::check_replica_assignment(config, a.broker_ids, message);
      if (e != ErrorCode::NONE) return e;
      indexes.insert(a.partition_index);
    }
    // Partition indexes must be exactly 0..n-1.
    int32_t expected = 0;
    for (int32_t index : indexes) {
      if (index != expected) {
        message = fmt::format(
            "Partitions should be a consecutive 0-based integer sequence, but partition {} is "
            "missing.",
            expected);
        return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
      }
      ++expected;
    }
    if (indexes.size() != topic.assignments.size()) {
      message = "The manual partition assignment names a partition more than once.";
      return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
    }
    plan.partitions = static_cast<int32_t>(topic.assignments.size());
    plan.replication_factor = 1;
  } else {
    if (topic.num_partitions < -1 || topic.num_partitions == 0) {
      message = "Number of partitions was set to an invalid non-positive value.";
      return ErrorCode::INVALID_PARTITIONS;
    }
    plan.partitions = topic.num_partitions == -1 ? config.num_partitions : topic.num_partitions;
    const ErrorCode e = admin::resolve_replication_factor(
        config, topic.name, topic.replication_factor, plan.replication_factor, message);
    if (e != ErrorCode::NONE) return e;
  }

  for (const auto& c : topic.configs) {
    if (!c.value) {
      message = fmt::format("Null value not supported for topic configs: {}", c.name);
      return ErrorCode::INVALID_CONFIG;
    }
    plan.configs[c.name] = *c.value;
  }
  return ErrorCode::NONE;
}

std::vector<Response::CreatableTopicConfigs> config_entries(const BrokerServices& services,
                                                            const storage::TopicMetadata& meta) {
  std::vector<Response::CreatableTopicConfigs> out;
  for (const admin::ConfigDescription& d : admin::describe_topic_configs(services, meta)) {
    Response::CreatableTopicConfigs c;
    c.name = d.name;
    c.value = d.value;
    c.read_only = d.read_only;
    c.config_source = static_cast<int8_t>(d.source);
    c.is_sensitive = d.sensitive;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

void handle_create_topics(ContextPtr ctx, protocol::CreateTopicsRequest request) {
  BrokerServices& services = ctx->services;
  const int16_t version = ctx->version();

  std::map<std::string, int> name_count;
  for (const auto& t : request.topics) ++name_count[t.name];

  Response response;
  response.topics.reserve(request.topics.size());
  std::set<std::string> answered;
  for (const auto& topic : request.topics) {
    if (name_count[topic.name] > 1) {
      // Kafka answers a duplicated name once.
      if (!answered.insert(topic.name).second) continue;
      Result r;
      r.name = topic.name;
      r.error_code = to_wire(ErrorCode::INVALID_REQUEST);
      r.error_message = "Duplicate topic name.";
      response.topics.push_back(std::move(r));
      continue;
    }

    Result r;
    r.name = topic.name;
    r.error_message = std::nullopt;
    Plan plan;
    std::string message;
    ErrorCode error = check_topic(services.config, topic, plan, message);
    if (error == ErrorCode::NONE && services.logs.find_topic(topic.name)) {
      error = ErrorCode::TOPIC_ALREADY_EXISTS;
      message = fmt::format("Topic '{}' already exists.", topic.name);
    }
    if (error == ErrorCode::NONE) {
      error = services.logs.create_topic(topic.name, plan.partitions, plan.configs, message,
                                         request.validate_only);
    }
    if (error != ErrorCode::NONE) {
      r.error_code = to_wire(error);
      r.error_message = message.empty() ? admin::default_message(error) : message;
      response.topics.push_back(std::move(r));
      continue;
    }

    if (!request.validate_only) {
      spdlog::info(
          "created topic '{}' with {} partition(s){}", topic.name, plan.partitions,
          plan.configs.empty() ? "" : fmt::format(" and {} config(s)", plan.configs.size()));
    }
    r.num_partitions = plan.partitions;
    r.replication_factor = plan.replication_factor;
    if (version >= 5) {
      if (const storage::TopicMetadata* meta = services.logs.find_topic(topic.name)) {
        r.topic_id = to_uuid(meta->topic_id);
        r.configs = config_entries(services, *meta);
      } else {
        // validate_only: describe the topic as it would be.
        storage::TopicMetadata would_be;
        would_be.name = topic.name;
        would_be.partition_count = plan.partitions;
        would_be.config_overrides = plan.configs;
        r.configs = config_entries(services, would_be);
      }
    }
    response.topics.push_back(std::move(r));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
