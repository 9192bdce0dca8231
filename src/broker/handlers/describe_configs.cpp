// DescribeConfigs (key 32), v1-4. Topics (resource type 2): every topic-level config
// with its effective value, source (topic override, server.properties or default) and
// Kafka's synonyms. Broker (type 4, named by this node's id): every setting samsa
// reads or was given; an empty name (the cluster-wide dynamic defaults) has none.
// Sensitive values are null. Documentation (v3+) is sent when the request asks for it
// (includeDocumentation): samsa's own description of each key (config_docs.h), null for
// a key it does not know; without the flag it is null, as in Kafka.
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "../config_docs.h"
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {
namespace {

using Request = protocol::DescribeConfigsRequest;
using Response = protocol::DescribeConfigsResponse;
using Result = Response::DescribeConfigsResult;

Result error_result(const Request::DescribeConfigsResource& resource, ErrorCode error,
                    std::string message) {
  Result r;
  r.resource_type = resource.resource_type;
  r.resource_name = resource.resource_name;
  r.error_code = to_wire(error);
  r.error_message = std::move(message);
  return r;
}

// samsa's description of `key` of a resource of `type`, or null.
std::optional<std::string> documentation(int8_t type, std::string_view key) {
  const auto text = type == admin::kTopicResource ? admin::topic_config_documentation(key)
                                                  : admin::broker_config_documentation(key);
  if (!text) return std::nullopt;
  return std::string(*text);
}

// Resolves the resource to its config descriptions, or answers with an error.
ErrorCode describe(const BrokerServices& services, const Request::DescribeConfigsResource& resource,
                   std::vector<admin::ConfigDescription>& out, std::string& message) {
  const std::string& name = resource.resource_name;
  switch (resource.resource_type) {
    case admin::kTopicResource: {
      if (!storage::LogManager::valid_topic_name(name, message))
        return ErrorCode::INVALID_TOPIC_EXCEPTION;
      const storage::TopicMetadata* meta = services.logs.find_topic(name);
      if (!meta) {
        message = fmt::format("The topic '{}' does not exist.", name);
        return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
      }
      out = admin::describe_topic_configs(services, *meta);
      return ErrorCode::NONE;
    }
    case admin::kBrokerResource: {
      if (name.empty()) return ErrorCode::NONE;  // no dynamic cluster defaults
      int32_t id = -1;
      const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
      if (ec != std::errc() || ptr != name.data() + name.size()) {
        message = fmt::format("Broker id must be an integer, but it is: {}", name);
        return ErrorCode::INVALID_REQUEST;
      }
      if (id != services.config.node_id) {
        message = fmt::format("Unexpected broker id, expected {} or empty string, but received {}",
                              services.config.node_id, name);
        return ErrorCode::INVALID_REQUEST;
      }
      out = admin::describe_broker_configs(services.config);
      return ErrorCode::NONE;
    }
    default:
      message = fmt::format("Unsupported resource type: {}", resource.resource_type);
      return ErrorCode::INVALID_REQUEST;
  }
}

}  // namespace

void handle_describe_configs(ContextPtr ctx, protocol::DescribeConfigsRequest request) {
  const int16_t version = ctx->version();
  Response response;
  response.results.reserve(request.resources.size());
  for (const auto& resource : request.resources) {
    std::vector<admin::ConfigDescription> configs;
    std::string message;
    const ErrorCode error = describe(ctx->services, resource, configs, message);
    if (error != ErrorCode::NONE) {
      response.results.push_back(error_result(resource, error, std::move(message)));
      continue;
    }
    Result r;
    r.resource_type = resource.resource_type;
    r.resource_name = resource.resource_name;
    r.error_message = std::nullopt;
    std::set<std::string> keys;
    if (resource.configuration_keys)
      keys.insert(resource.configuration_keys->begin(), resource.configuration_keys->end());
    for (admin::ConfigDescription& d : configs) {
      if (resource.configuration_keys && !keys.count(d.name)) continue;
      Response::DescribeConfigsResourceResult c;
      c.name = d.name;
      c.value = d.value;
      c.read_only = d.read_only;
      c.config_source = static_cast<int8_t>(d.source);
      c.is_sensitive = d.sensitive;
      if (request.include_synonyms) {
        for (auto& s : d.synonyms)
          c.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source), {}});
      }
      if (version >= 3) c.config_type = static_cast<int8_t>(d.type);
      c.documentation = version >= 3 && request.include_documentation
                            ? documentation(resource.resource_type, d.name)
                            : std::nullopt;
      r.configs.push_back(std::move(c));
    }
    response.results.push_back(std::move(r));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
