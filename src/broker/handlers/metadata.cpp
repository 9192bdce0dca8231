// Metadata (key 3), v0-12. This node is the only broker, the controller and the leader
// of every partition (epoch 0, replicas = ISR = [node]).
//
// Topics: all of them for a null list (v1+) or an empty list at v0; otherwise the named
// ones (v12 may name them by id). A missing topic is auto-created when the request
// allows it (always before v4) and auto.create.topics.enable is set. Kafka (KRaft)
// answers such a topic with UNKNOWN_TOPIC_OR_PARTITION while the controller creates it
// and the client asks again; samsa creates it durably before answering, so it answers
// the new topic's metadata right away and the client saves a round trip.
#include <set>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {
namespace {

using Response = protocol::MetadataResponse;

Response::MetadataResponseTopic describe_topic(const storage::TopicMetadata& meta,
                                               int32_t node_id) {
  Response::MetadataResponseTopic t;
  t.name = meta.name;
  t.topic_id = to_uuid(meta.topic_id);
  t.is_internal = admin::is_internal_topic(meta.name);
  t.partitions.reserve(static_cast<size_t>(meta.partition_count));
  for (int32_t p = 0; p < meta.partition_count; ++p) {
    Response::MetadataResponsePartition part;
    part.partition_index = p;
    part.leader_id = node_id;
    part.leader_epoch = admin::kLeaderEpoch;
    part.replica_nodes = {node_id};
    part.isr_nodes = {node_id};
    t.partitions.push_back(std::move(part));
  }
  return t;
}

Response::MetadataResponseTopic topic_error(ErrorCode error, std::optional<std::string> name,
                                            protocol::Uuid id = {}) {
  Response::MetadataResponseTopic t;
  t.error_code = to_wire(error);
  t.name = std::move(name);
  t.topic_id = id;
  t.is_internal = t.name && admin::is_internal_topic(*t.name);
  return t;
}

}  // namespace

void handle_metadata(ContextPtr ctx, protocol::MetadataRequest request) {
  BrokerServices& services = ctx->services;
  const int16_t version = ctx->version();
  const admin::NodeEndpoint node = admin::advertised_node(services, ctx->listener);

  Response response;
  response.brokers.push_back({node.node_id, node.host, node.port, std::nullopt, {}});
  response.cluster_id = services.cluster_id;
  response.controller_id = node.node_id;

  const bool all_topics = !request.topics || (version == 0 && request.topics->empty());
  if (!all_topics) {
    // Kafka rejects ids before v12, and null names (which only ids can replace).
    for (const auto& t : *request.topics) {
      if (version < 12 && (!t.name || !t.topic_id.is_zero())) {
        for (const auto& bad : *request.topics)
          response.topics.push_back(
              topic_error(ErrorCode::INVALID_REQUEST, bad.name.value_or(""), bad.topic_id));
        ctx->respond(response);
        return;
      }
    }
  }

  if (all_topics) {
    for (const storage::TopicMetadata* meta : services.logs.topics())
      response.topics.push_back(describe_topic(*meta, node.node_id));
  } else {
    const bool auto_create = (version < 4 || request.allow_auto_topic_creation) &&
                             services.config.auto_create_topics_enable;
    std::set<std::string> seen_names;
    std::set<std::pair<uint64_t, uint64_t>> seen_ids;
    for (const auto& requested : *request.topics) {
      if (!requested.topic_id.is_zero()) {
        // By id (v12+): an unknown id is never created.
        if (!seen_ids.insert({requested.topic_id.hi, requested.topic_id.lo}).second) continue;
        const auto* meta = services.logs.find_topic(to_topic_id(requested.topic_id));
        if (meta) {
          seen_names.insert(meta->name);
          response.topics.push_back(describe_topic(*meta, node.node_id));
        } else {
          response.topics.push_back(
              topic_error(ErrorCode::UNKNOWN_TOPIC_ID, std::nullopt, requested.topic_id));
        }
        continue;
      }
      if (!requested.name) continue;  // neither name nor id: nothing to describe
      const std::string& name = *requested.name;
      if (!seen_names.insert(name).second) continue;
      const storage::TopicMetadata* meta = services.logs.find_topic(name);
      if (!meta) {
        std::string why;
        ErrorCode error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
        if (!storage::LogManager::valid_topic_name(name, why)) {
          error = ErrorCode::INVALID_TOPIC_EXCEPTION;
        } else if (auto_create) {
          error = admin::auto_create_topic(services, name);
          if (error == ErrorCode::NONE) meta = services.logs.find_topic(name);
        }
        if (!meta) {
          response.topics.push_back(topic_error(error, name));
          continue;
        }
      }
      response.topics.push_back(describe_topic(*meta, node.node_id));
    }
  }

  // Authorized operations are only filled in when asked for (v8+; the cluster's up to
  // v10); without an authorizer that is every operation.
  if (version >= 8 && version <= 10 && request.include_cluster_authorized_operations)
    response.cluster_authorized_operations = admin::kAllClusterOperations;
  if (version >= 8 && request.include_topic_authorized_operations) {
    for (auto& t : response.topics) t.topic_authorized_operations = admin::kAllTopicOperations;
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
