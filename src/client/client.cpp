#include "samsa/client/client.h"

#include <algorithm>

namespace samsa::client {

Client::Client(ClientOptions options) : options_(std::move(options)) {
  if (options_.bootstrap.empty()) throw std::invalid_argument("no bootstrap broker given");
}

Connection& Client::any() {
  if (bootstrap_) return *bootstrap_;
  std::string failures;
  for (const auto& address : options_.bootstrap) {
    try {
      bootstrap_ = std::make_unique<Connection>(address, options_.connection);
      return *bootstrap_;
    } catch (const NetworkError& e) {
      if (!failures.empty()) failures += "; ";
      failures += e.what();
    }
  }
  throw NetworkError(failures);
}

Connection& Client::node(int32_t node_id) {
  if (const auto it = nodes_.find(node_id); it != nodes_.end()) return *it->second;
  for (const auto& broker : brokers_) {
    if (broker.node_id != node_id) continue;
    // The bootstrap connection may already be this broker: reuse it rather than open a
    // second connection to the same address.
    if (bootstrap_ && bootstrap_->address().host == broker.address.host &&
        bootstrap_->address().port == broker.address.port)
      return *bootstrap_;
    auto& slot = nodes_[node_id];
    slot = std::make_unique<Connection>(broker.address, options_.connection);
    return *slot;
  }
  throw NetworkError("broker " + std::to_string(node_id) + " is not in the cluster's metadata");
}

Reply<protocol::MetadataResponse> Client::metadata(
    const std::optional<std::vector<std::string>>& topics) {
  Connection& c = any();
  protocol::MetadataRequest request;
  const int16_t version = c.version_for(protocol::MetadataRequest::api_key);
  if (topics) {
    request.topics.emplace();
    for (const auto& name : *topics) {
      protocol::MetadataRequest::MetadataRequestTopic t;
      t.name = name;
      request.topics->push_back(std::move(t));
    }
  } else if (version == 0) {
    request.topics.emplace();  // v0 has no null: an empty list means every topic
  } else {
    request.topics.reset();
  }
  request.allow_auto_topic_creation = false;
  auto reply = c.call<protocol::MetadataResponse>(request, version);
  remember(reply.body);
  return reply;
}

void Client::remember(const protocol::MetadataResponse& metadata) {
  brokers_.clear();
  for (const auto& b : metadata.brokers) {
    BrokerInfo info;
    info.node_id = b.node_id;
    info.address.host = b.host;
    info.address.port = static_cast<uint16_t>(b.port);
    info.rack = b.rack;
    brokers_.push_back(std::move(info));
  }
  controller_id_ = metadata.controller_id;
  for (const auto& t : metadata.topics) {
    if (!t.name) continue;
    for (const auto& p : t.partitions) leaders_[{*t.name, p.partition_index}] = p.leader_id;
  }
}

Connection& Client::controller() {
  if (brokers_.empty()) metadata(std::vector<std::string>{});
  // Kafka routes admin requests from clients to any broker (KRaft forwards them); the
  // controller id is a broker id only where one is exposed.
  if (controller_id_ >= 0) {
    for (const auto& b : brokers_)
      if (b.node_id == controller_id_) return node(controller_id_);
  }
  return any();
}

Connection& Client::leader(const std::string& topic, int32_t partition) {
  auto it = leaders_.find({topic, partition});
  if (it == leaders_.end() || it->second < 0) {
    const auto reply = metadata(std::vector<std::string>{topic});
    for (const auto& t : reply.body.topics) {
      if (t.name && *t.name == topic) check(t.error_code, "topic " + topic);
    }
    it = leaders_.find({topic, partition});
    if (it == leaders_.end())
      throw KafkaError(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                       topic + "-" + std::to_string(partition));
    if (it->second < 0)
      throw KafkaError(ErrorCode::LEADER_NOT_AVAILABLE, topic + "-" + std::to_string(partition));
  }
  return node(it->second);
}

Connection& Client::group_coordinator(const std::string& group) {
  Connection& c = any();
  protocol::FindCoordinatorRequest request;
  const int16_t version = c.version_for(protocol::FindCoordinatorRequest::api_key);
  if (version >= 4) {
    request.coordinator_keys = {group};
  } else {
    request.key = group;
  }
  request.key_type = 0;
  const auto reply = c.call<protocol::FindCoordinatorResponse>(request, version);
  int32_t node_id = reply.body.node_id;
  std::string host = reply.body.host;
  int32_t port = reply.body.port;
  if (version >= 4) {
    if (reply.body.coordinators.empty())
      throw NetworkError("FindCoordinator answered no coordinator for group " + group);
    const auto& k = reply.body.coordinators.front();
    check(k.error_code, "coordinator of group " + group, k.error_message);
    node_id = k.node_id;
    host = k.host;
    port = k.port;
  } else {
    check(reply.body.error_code, "coordinator of group " + group, reply.body.error_message);
  }
  if (std::none_of(brokers_.begin(), brokers_.end(),
                   [&](const BrokerInfo& b) { return b.node_id == node_id; })) {
    BrokerInfo info;
    info.node_id = node_id;
    info.address.host = host;
    info.address.port = static_cast<uint16_t>(port);
    brokers_.push_back(std::move(info));
  }
  return node(node_id);
}

}  // namespace samsa::client
