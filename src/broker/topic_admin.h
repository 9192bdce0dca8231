// Shared pieces of the metadata and admin handlers (Metadata, CreateTopics,
// DescribeConfigs, DescribeTopicPartitions, ...): how this single node describes itself
// and its topics, Kafka's topic creation rules on one broker, and config descriptions
// with Kafka's sources, types and synonyms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/broker/context.h"
#include "samsa/broker/topic_ids.h"
#include "samsa/protocol/error_code.h"
#include "samsa/protocol/types.h"
#include "samsa/storage/log_manager.h"

namespace samsa::config {
struct BrokerConfig;
}

namespace samsa::broker::admin {

// With no authorizer, Kafka reports every operation a resource type supports, as a bit
// field of AclOperation codes. Topic: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE,
// DESCRIBE_CONFIGS, ALTER_CONFIGS. Cluster: CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
// DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. Group: READ, DELETE, DESCRIBE, and
// since Kafka 4.0 (group configs, KIP-848) DESCRIBE_CONFIGS and ALTER_CONFIGS.
inline constexpr int32_t kAllTopicOperations =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);
inline constexpr int32_t kAllClusterOperations =
    (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);
inline constexpr int32_t kAllGroupOperations =
    (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

// Leader epoch of every partition: samsa never changes leader.
inline constexpr int32_t kLeaderEpoch = 0;

// This node as Metadata and DescribeCluster show it. The request's own listener is not
// known to handlers, so this is the first advertised listener (with its bound port).
struct NodeEndpoint {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};
// This node as advertised on the listener a request arrived on (clients must reach us
// through the same network: INTERNAL vs EXTERNAL listeners in docker setups).
NodeEndpoint advertised_node(const BrokerServices& services, uint32_t listener);

// Kafka's internal topics (__consumer_offsets, __transaction_state).
bool is_internal_topic(std::string_view name);

// Kafka's default text for an error code (what ApiError gives without a message).
std::string default_message(ErrorCode error);

// Creates `name` with num.partitions and no overrides, as Kafka's auto-creation does.
// Internal topic names are not auto-created. INVALID_TOPIC_EXCEPTION for a bad name.
ErrorCode auto_create_topic(BrokerServices& services, const std::string& name);

// Resolves a requested replication factor (-1 = default.replication.factor) for one
// node under samsa.replication.factor.policy: NONE with `effective` = 1, or
// INVALID_REPLICATION_FACTOR with Kafka-like `message`. Clamping logs a warning.
ErrorCode resolve_replication_factor(const config::BrokerConfig& config, const std::string& topic,
                                     int16_t requested, int16_t& effective, std::string& message);

// A manual replica assignment for one partition: it must name exactly this node.
ErrorCode check_replica_assignment(const config::BrokerConfig& config,
                                   const std::vector<int32_t>& broker_ids, std::string& message);

// --- Config descriptions (DescribeConfigs, CreateTopics v5+)

// ConfigResource.Type ids of the resources samsa describes and alters.
inline constexpr int8_t kTopicResource = 2;
inline constexpr int8_t kBrokerResource = 4;

// DescribeConfigsResponse ConfigSource values.
enum class ConfigSource : int8_t {
  kUnknown = 0,
  kDynamicTopic = 1,
  kDynamicBroker = 2,
  kDynamicDefaultBroker = 3,
  kStaticBroker = 4,
  kDefault = 5,
};

// DescribeConfigsResponse ConfigType values.
enum class ConfigType : int8_t {
  kUnknown = 0,
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};

struct ConfigSynonym {
  std::string name;
  std::optional<std::string> value;
  ConfigSource source = ConfigSource::kDefault;
};

struct ConfigDescription {
  std::string name;
  std::optional<std::string> value;  // null when sensitive
  ConfigSource source = ConfigSource::kDefault;
  ConfigType type = ConfigType::kUnknown;
  bool read_only = false;
  bool sensitive = false;
  std::vector<ConfigSynonym> synonyms;  // most specific first; the first gives `source`
};

// Every topic-level config of `topic` with its effective value, sorted by name.
std::vector<ConfigDescription> describe_topic_configs(const BrokerServices& services,
                                                      const storage::TopicMetadata& topic);
// Every broker setting samsa knows (read with defaults, or set), sorted by name.
std::vector<ConfigDescription> describe_broker_configs(const config::BrokerConfig& config);

}  // namespace samsa::broker::admin
