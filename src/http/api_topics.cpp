// Topics: list (with sizes, message counts and rates), one topic's partitions and
// configs, and the changes, each made through its Kafka request so that Kafka's
// validation and errors apply: create (CreateTopics), delete (DeleteTopics; refused with
// TOPIC_DELETION_DISABLED when delete.topic.enable=false), configs
// (IncrementalAlterConfigs), partitions (CreatePartitions), delete records
// (DeleteRecords). Reads come straight from the log manager, on the loop.
#include "../broker/topic_admin.h"
#include "api_support.h"
#include "samsa/config/config.h"
#include "samsa/metrics/metrics.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

namespace {

using broker::admin::ConfigSource;
namespace proto = protocol;

constexpr int32_t kKafkaTimeoutMs = 30'000;

const char* source_name(ConfigSource source) {
  switch (source) {
    case ConfigSource::kDynamicTopic:
      return "DYNAMIC_TOPIC_CONFIG";
    case ConfigSource::kDynamicBroker:
      return "DYNAMIC_BROKER_CONFIG";
    case ConfigSource::kDynamicDefaultBroker:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case ConfigSource::kStaticBroker:
      return "STATIC_BROKER_CONFIG";
    case ConfigSource::kDefault:
      return "DEFAULT_CONFIG";
    case ConfigSource::kUnknown:
      break;
  }
  return "UNKNOWN";
}

Json configs_json(const ApiContext& api, const storage::TopicMetadata& meta) {
  Json out = Json::array();
  for (const auto& c : broker::admin::describe_topic_configs(api.services, meta)) {
    out.push_back({{"name", c.name},
                   {"value", c.sensitive || !c.value ? Json(nullptr) : Json(*c.value)},
                   {"source", source_name(c.source)},
                   {"read_only", c.read_only},
                   {"sensitive", c.sensitive}});
  }
  return out;
}

Response unknown_topic(const std::string& name) {
  return kafka_error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                     fmt::format("topic {} does not exist", name));
}

// One topic per step (run_sliced): a broker of thousands of topics is listed without
// holding the loop.
void list_topics(ApiContext& api, const Request&, const Reply& reply) {
  struct Listing {
    std::vector<std::string> names;
    size_t next = 0;
    JsonArrayBody body{"topics"};
  };
  auto listing = std::make_shared<Listing>();
  for (const storage::TopicMetadata* meta : api.services.logs.topics())
    listing->names.push_back(meta->name);
  auto step = [&api, listing] {
    if (listing->next == listing->names.size()) return true;
    const std::string& name = listing->names[listing->next++];
    const storage::TopicMetadata* meta = api.services.logs.find_topic(name);
    if (meta == nullptr) return false;  // deleted meanwhile
    int64_t size = 0, messages = 0, end_sum = 0;
    for (int32_t p = 0; p < meta->partition_count; ++p) {
      const storage::PartitionLog* log = api.services.logs.partition(meta->name, p);
      if (!log) continue;
      size += static_cast<int64_t>(log->size_bytes());
      messages += log->log_end_offset() - log->log_start_offset();
      end_sum += log->log_end_offset();
    }
    metrics::TopicRates rates;
    if (api.metrics) rates = api.metrics->topic_rates(meta->name);
    listing->body.add({{"name", meta->name},
                       {"internal", broker::admin::is_internal_topic(meta->name)},
                       {"partitions", meta->partition_count},
                       {"size_bytes", size},
                       {"messages", messages},
                       {"end_offset_sum", end_sum},
                       {"records_in_per_sec", rates.records_in_per_sec},
                       {"bytes_in_per_sec", rates.bytes_in_per_sec}});
    return listing->next == listing->names.size();
  };
  run_sliced(
      api, step, [listing, reply] { reply(listing->body.finish()); }, reply);
}

void describe_topic(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& name = request.params.at("name");
  const storage::TopicMetadata* meta = api.services.logs.find_topic(name);
  if (!meta) return reply(unknown_topic(name));
  Json partitions = Json::array();
  for (int32_t p = 0; p < meta->partition_count; ++p) {
    const storage::PartitionLog* log = api.services.logs.partition(name, p);
    if (!log) continue;
    partitions.push_back({{"partition", p},
                          {"start_offset", log->log_start_offset()},
                          {"end_offset", log->log_end_offset()},
                          {"last_stable_offset", log->last_stable_offset()},
                          {"size_bytes", log->size_bytes()},
                          {"segments", log->segment_count()},
                          {"messages", log->log_end_offset() - log->log_start_offset()}});
  }
  reply(ok({{"name", meta->name},
            {"id", storage::topic_id_to_string(meta->topic_id)},
            {"internal", broker::admin::is_internal_topic(meta->name)},
            {"partitions", std::move(partitions)},
            {"configs", configs_json(api, *meta)}}));
}

void create_topic(ApiContext& api, const Request& request, const Reply& reply) {
  const auto body = parse_body(request, reply);
  if (!body) return;
  std::string name;
  int64_t partitions = -1, replication = -1;  // -1: num.partitions, default.replication.factor
  if (!field_string(*body, "name", true, name, reply) ||
      !field_int(*body, "partitions", false, std::numeric_limits<int32_t>::min(),
                 std::numeric_limits<int32_t>::max(), partitions, reply) ||
      !field_int(*body, "replication_factor", false, std::numeric_limits<int16_t>::min(),
                 std::numeric_limits<int16_t>::max(), replication, reply))
    return;
  proto::CreateTopicsRequest::CreatableTopic topic;
  topic.name = name;
  topic.num_partitions = static_cast<int32_t>(partitions);
  topic.replication_factor = static_cast<int16_t>(replication);
  if (const auto configs = body->find("configs"); configs != body->end() && !configs->is_null()) {
    if (!configs->is_object())
      return reply(bad_request("\"configs\" must be an object of config names to values"));
    for (const auto& [key, value] : configs->items()) {
      const auto text = config_value(value);
      if (!text)
        return reply(bad_request(fmt::format("config {} must be a string or a number", key)));
      topic.configs.push_back({key, *text, {}});
    }
  }
  proto::CreateTopicsRequest create;
  create.topics.push_back(std::move(topic));
  create.timeout_ms = kKafkaTimeoutMs;
  kafka_call<proto::CreateTopicsResponse>(
      api, create, reply, [](const proto::CreateTopicsResponse& answer, const Reply& reply) {
        if (answer.topics.size() != 1)
          return reply(internal_error("CreateTopics answered no topic"));
        const auto& t = answer.topics[0];
        if (auto failure = kafka_failure(t.error_code, t.error_message)) return reply(*failure);
        reply(json_response(201, {{"name", t.name}, {"partitions", t.num_partitions}}));
      });
}

void delete_topic(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& name = request.params.at("name");
  proto::DeleteTopicsRequest del;
  static_assert(proto::DeleteTopicsRequest::max_version >= 6, "topics by name, v6+");
  proto::DeleteTopicsRequest::DeleteTopicState state;
  state.name = name;
  del.topics.push_back(state);
  del.timeout_ms = kKafkaTimeoutMs;
  kafka_call<proto::DeleteTopicsResponse>(
      api, del, reply, [name](const proto::DeleteTopicsResponse& answer, const Reply& reply) {
        if (answer.responses.size() != 1)
          return reply(internal_error("DeleteTopics answered no topic"));
        const auto& r = answer.responses[0];
        if (auto failure = kafka_failure(r.error_code, r.error_message)) return reply(*failure);
        reply(ok({{"deleted", name}}));
      });
}

void alter_configs(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& name = request.params.at("name");
  const auto body = parse_body(request, reply);
  if (!body) return;
  constexpr int8_t kSet = 0, kDelete = 1;
  proto::IncrementalAlterConfigsRequest::AlterConfigsResource resource;
  resource.resource_type = broker::admin::kTopicResource;
  resource.resource_name = name;
  if (const auto set = body->find("set"); set != body->end() && !set->is_null()) {
    if (!set->is_object())
      return reply(bad_request("\"set\" must be an object of config names to values"));
    for (const auto& [key, value] : set->items()) {
      const auto text = config_value(value);
      if (!text)
        return reply(bad_request(fmt::format("config {} must be a string or a number", key)));
      resource.configs.push_back({key, kSet, *text, {}});
    }
  }
  if (const auto del = body->find("delete"); del != body->end() && !del->is_null()) {
    if (!del->is_array()) return reply(bad_request("\"delete\" must be an array of config names"));
    for (const auto& key : *del) {
      if (!key.is_string())
        return reply(bad_request("\"delete\" must be an array of config names"));
      resource.configs.push_back({key.get<std::string>(), kDelete, std::nullopt, {}});
    }
  }
  if (resource.configs.empty())
    return reply(bad_request("nothing to change: give \"set\" or \"delete\""));
  proto::IncrementalAlterConfigsRequest alter;
  alter.resources.push_back(std::move(resource));
  kafka_call<proto::IncrementalAlterConfigsResponse>(
      api, alter, reply,
      [&api, name](const proto::IncrementalAlterConfigsResponse& answer, const Reply& reply) {
        if (answer.responses.size() != 1)
          return reply(internal_error("IncrementalAlterConfigs answered no resource"));
        const auto& r = answer.responses[0];
        if (auto failure = kafka_failure(r.error_code, r.error_message)) return reply(*failure);
        const storage::TopicMetadata* meta = api.services.logs.find_topic(name);
        if (!meta) return reply(unknown_topic(name));
        reply(ok({{"configs", configs_json(api, *meta)}}));
      });
}

void create_partitions(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& name = request.params.at("name");
  const auto body = parse_body(request, reply);
  if (!body) return;
  int64_t count = 0;
  if (!field_int(*body, "count", true, 1, std::numeric_limits<int32_t>::max(), count, reply))
    return;
  proto::CreatePartitionsRequest grow;
  proto::CreatePartitionsRequest::CreatePartitionsTopic topic;
  topic.name = name;
  topic.count = static_cast<int32_t>(count);
  topic.assignments = std::nullopt;
  grow.topics.push_back(std::move(topic));
  grow.timeout_ms = kKafkaTimeoutMs;
  kafka_call<proto::CreatePartitionsResponse>(
      api, grow, reply, [count](const proto::CreatePartitionsResponse& answer, const Reply& reply) {
        if (answer.results.size() != 1)
          return reply(internal_error("CreatePartitions answered no topic"));
        const auto& r = answer.results[0];
        if (auto failure = kafka_failure(r.error_code, r.error_message)) return reply(*failure);
        reply(ok({{"partitions", count}}));
      });
}

void delete_records(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& name = request.params.at("name");
  const auto body = parse_body(request, reply);
  if (!body) return;
  int64_t partition = 0, offset = 0;
  if (!field_int(*body, "partition", true, 0, std::numeric_limits<int32_t>::max(), partition,
                 reply) ||
      !field_int(*body, "offset", true, -1, std::numeric_limits<int64_t>::max(), offset, reply))
    return;
  proto::DeleteRecordsRequest del;
  proto::DeleteRecordsRequest::DeleteRecordsTopic topic;
  topic.name = name;
  topic.partitions.push_back({static_cast<int32_t>(partition), offset, {}});
  del.topics.push_back(std::move(topic));
  del.timeout_ms = kKafkaTimeoutMs;
  kafka_call<proto::DeleteRecordsResponse>(
      api, del, reply, [](const proto::DeleteRecordsResponse& answer, const Reply& reply) {
        if (answer.topics.size() != 1 || answer.topics[0].partitions.size() != 1)
          return reply(internal_error("DeleteRecords answered no partition"));
        const auto& p = answer.topics[0].partitions[0];
        if (auto failure = kafka_failure(p.error_code)) return reply(*failure);
        reply(ok({{"partition", p.partition_index}, {"low_watermark", p.low_watermark}}));
      });
}

}  // namespace

void add_topic_routes(Router& router, ApiContext& api) {
  auto route = [&api](RouteFn fn) { return bind_route(api, fn); };
  router.add("GET", "/api/topics", route(list_topics));
  router.add("POST", "/api/topics", route(create_topic));
  router.add("GET", "/api/topics/{name}", route(describe_topic));
  router.add("DELETE", "/api/topics/{name}", route(delete_topic));
  router.add("PATCH", "/api/topics/{name}/configs", route(alter_configs));
  router.add("POST", "/api/topics/{name}/partitions", route(create_partitions));
  router.add("POST", "/api/topics/{name}/delete-records", route(delete_records));
}

}  // namespace samsa::http
