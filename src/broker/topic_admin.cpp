#include "topic_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "samsa/config/config.h"
#include "samsa/util/log.h"

namespace samsa::broker::admin {
namespace {

// What DescribeConfigs needs to know about a topic-level key beyond its value: Kafka's
// type, its default when samsa only stores the key, and the broker keys it falls back
// to, most specific first (Kafka's LogConfig synonyms).
struct TopicKeyInfo {
  ConfigType type;
  const char* kafka_default;  // used for keys samsa stores but does not act on
  std::vector<const char*> broker_synonyms;
  // The first broker synonym has a built-in default in Kafka (log.retention.ms,
  // log.roll.ms, log.roll.jitter.ms and log.flush.interval.ms have none).
  bool primary_has_default = true;
};

const std::map<std::string, TopicKeyInfo, std::less<>>& topic_key_info() {
  constexpr const char* kLongMax = "9223372036854775807";
  static const std::map<std::string, TopicKeyInfo, std::less<>> info = {
      {"cleanup.policy", {ConfigType::kList, "delete", {"log.cleanup.policy"}}},
      {"compression.gzip.level", {ConfigType::kInt, "-1", {"compression.gzip.level"}}},
      {"compression.lz4.level", {ConfigType::kInt, "9", {"compression.lz4.level"}}},
      {"compression.type", {ConfigType::kString, "producer", {"compression.type"}}},
      {"compression.zstd.level", {ConfigType::kInt, "3", {"compression.zstd.level"}}},
      {"delete.retention.ms", {ConfigType::kLong, "86400000", {"log.cleaner.delete.retention.ms"}}},
      {"file.delete.delay.ms", {ConfigType::kLong, "60000", {"log.segment.delete.delay.ms"}}},
      {"flush.messages", {ConfigType::kLong, kLongMax, {"log.flush.interval.messages"}}},
      {"flush.ms", {ConfigType::kLong, kLongMax, {"log.flush.interval.ms"}, false}},
      {"follower.replication.throttled.replicas", {ConfigType::kList, "", {}}},
      {"index.interval.bytes", {ConfigType::kInt, "4096", {"log.index.interval.bytes"}}},
      {"leader.replication.throttled.replicas", {ConfigType::kList, "", {}}},
      {"local.retention.bytes", {ConfigType::kLong, "-2", {"log.local.retention.bytes"}}},
      {"local.retention.ms", {ConfigType::kLong, "-2", {"log.local.retention.ms"}}},
      {"max.compaction.lag.ms",
       {ConfigType::kLong, kLongMax, {"log.cleaner.max.compaction.lag.ms"}}},
      {"max.message.bytes", {ConfigType::kInt, "1048588", {"message.max.bytes"}}},
      {"message.downconversion.enable",
       {ConfigType::kBoolean, "true", {"log.message.downconversion.enable"}}},
      {"message.format.version", {ConfigType::kString, "3.0-IV1", {"log.message.format.version"}}},
      {"message.timestamp.after.max.ms",
       {ConfigType::kLong, kLongMax, {"log.message.timestamp.after.max.ms"}}},
      {"message.timestamp.before.max.ms",
       {ConfigType::kLong, kLongMax, {"log.message.timestamp.before.max.ms"}}},
      {"message.timestamp.difference.max.ms",
       {ConfigType::kLong, kLongMax, {"log.message.timestamp.difference.max.ms"}}},
      {"message.timestamp.type",
       {ConfigType::kString, "CreateTime", {"log.message.timestamp.type"}}},
      {"min.cleanable.dirty.ratio",
       {ConfigType::kDouble, "0.5", {"log.cleaner.min.cleanable.ratio"}}},
      {"min.compaction.lag.ms", {ConfigType::kLong, "0", {"log.cleaner.min.compaction.lag.ms"}}},
      {"min.insync.replicas", {ConfigType::kInt, "1", {"min.insync.replicas"}}},
      {"preallocate", {ConfigType::kBoolean, "false", {"log.preallocate"}}},
      {"remote.log.copy.disable", {ConfigType::kBoolean, "false", {}}},
      {"remote.log.delete.on.disable", {ConfigType::kBoolean, "false", {}}},
      {"remote.storage.enable", {ConfigType::kBoolean, "false", {}}},
      {"retention.bytes", {ConfigType::kLong, "-1", {"log.retention.bytes"}}},
      {"retention.ms",
       {ConfigType::kLong,
        "604800000",
        {"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
        false}},
      {"segment.bytes", {ConfigType::kInt, "1073741824", {"log.segment.bytes"}}},
      {"segment.index.bytes", {ConfigType::kInt, "10485760", {"log.index.size.max.bytes"}}},
      {"segment.jitter.ms",
       {ConfigType::kLong, "0", {"log.roll.jitter.ms", "log.roll.jitter.hours"}, false}},
      {"segment.ms", {ConfigType::kLong, "604800000", {"log.roll.ms", "log.roll.hours"}, false}},
      {"unclean.leader.election.enable",
       {ConfigType::kBoolean, "false", {"unclean.leader.election.enable"}}},
  };
  return info;
}

// Types of the broker keys samsa reads; anything else is reported as a string.
ConfigType broker_key_type(std::string_view key) {
  static const std::map<std::string, ConfigType, std::less<>> types = {
      {"add.partitions.to.txn.retry.backoff.max.ms", ConfigType::kInt},
      {"add.partitions.to.txn.retry.backoff.ms", ConfigType::kInt},
      {"advertised.listeners", ConfigType::kString},
      {"auto.create.topics.enable", ConfigType::kBoolean},
      {"broker.id", ConfigType::kInt},
      {"cluster.id", ConfigType::kString},
      {"compression.type", ConfigType::kString},
      {"controller.listener.names", ConfigType::kString},
      {"default.replication.factor", ConfigType::kInt},
      {"delete.topic.enable", ConfigType::kBoolean},
      {"group.consumer.assignors", ConfigType::kList},
      {"group.consumer.heartbeat.interval.ms", ConfigType::kInt},
      {"group.consumer.session.timeout.ms", ConfigType::kInt},
      {"group.initial.rebalance.delay.ms", ConfigType::kInt},
      {"group.max.session.timeout.ms", ConfigType::kInt},
      {"group.consumer.max.size", ConfigType::kInt},
      {"group.max.size", ConfigType::kInt},
      {"group.min.session.timeout.ms", ConfigType::kInt},
      {"inter.broker.listener.name", ConfigType::kString},
      {"listener.security.protocol.map", ConfigType::kString},
      {"listeners", ConfigType::kString},
      {"log.cleaner.backoff.ms", ConfigType::kLong},
      {"log.cleaner.dedupe.buffer.size", ConfigType::kLong},
      {"log.cleaner.delete.retention.ms", ConfigType::kLong},
      {"log.cleaner.enable", ConfigType::kBoolean},
      {"log.cleaner.io.buffer.load.factor", ConfigType::kDouble},
      {"log.cleaner.io.max.bytes.per.second", ConfigType::kDouble},
      {"log.cleaner.max.compaction.lag.ms", ConfigType::kLong},
      {"log.cleaner.min.cleanable.ratio", ConfigType::kDouble},
      {"log.cleaner.min.compaction.lag.ms", ConfigType::kLong},
      {"log.cleaner.threads", ConfigType::kInt},
      {"log.cleanup.policy", ConfigType::kList},
      {"log.dir", ConfigType::kString},
      {"log.dirs", ConfigType::kString},
      {"log.flush.interval.messages", ConfigType::kLong},
      {"log.flush.interval.ms", ConfigType::kLong},
      {"log.index.interval.bytes", ConfigType::kInt},
      {"log.index.size.max.bytes", ConfigType::kInt},
      {"log.message.timestamp.type", ConfigType::kString},
      {"log.retention.bytes", ConfigType::kLong},
      {"log.retention.check.interval.ms", ConfigType::kLong},
      {"log.retention.hours", ConfigType::kInt},
      {"log.retention.minutes", ConfigType::kInt},
      {"log.retention.ms", ConfigType::kLong},
      {"log.roll.hours", ConfigType::kInt},
      {"log.roll.ms", ConfigType::kLong},
      {"log.segment.bytes", ConfigType::kInt},
      {"max.connections", ConfigType::kInt},
      {"message.max.bytes", ConfigType::kInt},
      {"node.id", ConfigType::kInt},
      {"num.partitions", ConfigType::kInt},
      {"offset.metadata.max.bytes", ConfigType::kInt},
      {"offsets.retention.check.interval.ms", ConfigType::kLong},
      {"offsets.retention.minutes", ConfigType::kInt},
      {"offsets.topic.num.partitions", ConfigType::kInt},
      {"producer.id.expiration.ms", ConfigType::kInt},
      {"samsa.http.max.connections", ConfigType::kInt},
      {"samsa.http.max.loop.percent", ConfigType::kInt},
      {"samsa.http.request.max.bytes", ConfigType::kInt},
      {"socket.receive.buffer.bytes", ConfigType::kInt},
      {"socket.request.max.bytes", ConfigType::kInt},
      {"socket.send.buffer.bytes", ConfigType::kInt},
      {"transaction.abort.timed.out.transaction.cleanup.interval.ms", ConfigType::kInt},
      {"transaction.max.timeout.ms", ConfigType::kInt},
      {"transaction.remove.expired.transaction.cleanup.interval.ms", ConfigType::kInt},
      {"transaction.state.log.segment.bytes", ConfigType::kInt},
      {"transactional.id.expiration.ms", ConfigType::kInt},
  };
  const auto it = types.find(key);
  return it == types.end() ? ConfigType::kString : it->second;
}

ConfigSource broker_source(config::ConfigSource source) {
  // File, environment and --override are all the static server configuration.
  return source == config::ConfigSource::kDefault ? ConfigSource::kDefault
                                                  : ConfigSource::kStaticBroker;
}

}  // namespace

NodeEndpoint advertised_node(const BrokerServices& services, uint32_t listener) {
  const config::BrokerConfig& config = services.config;
  NodeEndpoint node;
  node.node_id = config.node_id;
  if (!services.advertised.empty()) {
    const auto& advertised =
        services.advertised[listener < services.advertised.size() ? listener : 0];
    node.host = advertised.host;
    node.port = advertised.port;
  } else if (!config.listeners.empty()) {
    node.host = config.listeners.front().advertised.host;
    node.port = config.listeners.front().advertised.port;
  }
  return node;
}

bool is_internal_topic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

std::string default_message(ErrorCode error) {
  switch (error) {
    case ErrorCode::NONE:
      return "";
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
      return "This server does not host this topic-partition.";
    case ErrorCode::UNKNOWN_TOPIC_ID:
      return "This server does not host this topic ID.";
    case ErrorCode::INVALID_TOPIC_EXCEPTION:
      return "The request attempted to perform an operation on an invalid topic.";
    case ErrorCode::TOPIC_ALREADY_EXISTS:
      return "Topic with this name already exists.";
    case ErrorCode::INVALID_PARTITIONS:
      return "Number of partitions is below 1.";
    case ErrorCode::INVALID_REPLICATION_FACTOR:
      return "Replication factor is below 1 or larger than the number of available brokers.";
    case ErrorCode::INVALID_REPLICA_ASSIGNMENT:
      return "Replica assignment is invalid.";
    case ErrorCode::INVALID_CONFIG:
      return "Configuration is invalid.";
    case ErrorCode::INVALID_REQUEST:
      return "This most likely occurs because of a request being malformed by the client library "
             "or the message was sent to an incompatible broker. See the broker logs for more "
             "details.";
    case ErrorCode::TOPIC_DELETION_DISABLED:
      return "Topic deletion is disabled.";
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return "Disk error when trying to access log file on the disk.";
    default:
      return fmt::format("error {}", to_wire(error));
  }
}

ErrorCode auto_create_topic(BrokerServices& services, const std::string& name) {
  std::string message;
  if (!storage::LogManager::valid_topic_name(name, message))
    return ErrorCode::INVALID_TOPIC_EXCEPTION;
  // Kafka creates these with their own settings; whoever owns them (the group and
  // transaction coordinators) creates them, never a client's Metadata request.
  if (is_internal_topic(name)) return ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  const ErrorCode error =
      services.logs.create_topic(name, services.config.num_partitions, {}, message);
  if (error == ErrorCode::NONE) {
    spdlog::info("auto-created topic '{}' with {} partition(s)", name,
                 services.config.num_partitions);
  } else if (error != ErrorCode::TOPIC_ALREADY_EXISTS) {
    spdlog::warn("auto-creating topic '{}' failed: {}", name, message);
  }
  return error == ErrorCode::TOPIC_ALREADY_EXISTS ? ErrorCode::NONE : error;
}

ErrorCode resolve_replication_factor(const config::BrokerConfig& config, const std::string& topic,
                                     int16_t requested, int16_t& effective, std::string& message) {
  if (requested == -1) requested = config.default_replication_factor;
  if (requested < -1 || requested == 0) {
    message = "Replication factor must be larger than 0, or -1 to use the default value.";
    return ErrorCode::INVALID_REPLICATION_FACTOR;
  }
  effective = 1;
  if (requested == 1) return ErrorCode::NONE;
  if (config.replication_factor_policy == config::ReplicationFactorPolicy::kReject) {
    message = fmt::format(
        "Unable to replicate the partition {} time(s): The target replication factor of {} "
        "cannot be reached because only 1 broker(s) are registered.",
        requested, requested);
    return ErrorCode::INVALID_REPLICATION_FACTOR;
  }
  spdlog::warn(
      "topic '{}': replication factor {} requested, created with 1 (samsa is a single node; "
      "samsa.replication.factor.policy=clamp)",
      topic, requested);
  return ErrorCode::NONE;
}

ErrorCode check_replica_assignment(const config::BrokerConfig& config,
                                   const std::vector<int32_t>& broker_ids, std::string& message) {
  if (broker_ids.empty()) {
    message = "The manual partition assignment includes an empty replica list.";
    return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
  }
  for (size_t i = 0; i < broker_ids.size(); ++i) {
    if (broker_ids[i] != config.node_id) {
      message = fmt::format(
          "The manual partition assignment includes broker {}, but no such broker is "
          "registered.",
          broker_ids[i]);
      return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
    }
    if (i > 0) {
      message = fmt::format(
          "The manual partition assignment includes the broker {} more than once.", broker_ids[i]);
      return ErrorCode::INVALID_REPLICA_ASSIGNMENT;
    }
  }
  return ErrorCode::NONE;
}

std::vector<ConfigDescription> describe_topic_configs(const BrokerServices& services,
                                                      const storage::TopicMetadata& topic) {
  const config::BrokerConfig& config = services.config;
  // A topic that does not exist (yet: CreateTopics with validate_only) is described as
  // the broker defaults with its overrides applied.
  storage::LogConfig would_be = services.logs.default_config();
  const storage::LogConfig* log_config = services.logs.topic_config(topic.name);
  if (!log_config) {
    std::string ignored;
    if (services.logs.default_config().with_overrides(topic.config_overrides, would_be, ignored) !=
        ErrorCode::NONE)
      would_be = services.logs.default_config();
    log_config = &would_be;
  }
  const storage::ConfigMap values = log_config->to_topic_configs();

  std::vector<ConfigDescription> out;
  for (const std::string& key : storage::LogConfig::topic_keys()) {
    ConfigDescription d;
    d.name = key;
    const auto info = topic_key_info().find(key);
    const auto value = values.find(key);
    if (value != values.end()) {
      d.value = value->second;
    } else if (info != topic_key_info().end()) {
      d.value = info->second.kafka_default;
    } else {
      d.value = "";
    }
    d.type = info != topic_key_info().end() ? info->second.type : ConfigType::kString;

    // Synonyms, most specific first: the topic override, then the broker keys it falls
    // back to as Kafka lists them: those set, then those with a built-in default, each
    // group in synonym order, and nothing before the primary broker key. So retention.ms
    // shows log.retention.hours=168 only below a log.retention.ms that is set.
    const auto override_it = topic.config_overrides.find(key);
    if (override_it != topic.config_overrides.end())
      d.synonyms.push_back({key, override_it->second, ConfigSource::kDynamicTopic});
    if (info != topic_key_info().end() && !info->second.broker_synonyms.empty()) {
      const auto& broker_keys = info->second.broker_synonyms;
      std::vector<ConfigSynonym> inherited;
      for (const char* broker_key : broker_keys) {  // those set in the server properties
        const auto it = config.effective.find(broker_key);
        if (it != config.effective.end() && it->second.source != config::ConfigSource::kDefault)
          inherited.push_back({broker_key, it->second.value, broker_source(it->second.source)});
      }
      for (size_t i = 0; i < broker_keys.size(); ++i) {  // then the built-in defaults
        const bool primary = i == 0;
        if (primary && !info->second.primary_has_default) continue;
        if (const auto def = config.defaults.find(broker_keys[i]); def != config.defaults.end())
          inherited.push_back({broker_keys[i], def->second, ConfigSource::kDefault});
        else if (primary && !config.effective.count(broker_keys[i]))  // a key samsa does not read
          inherited.push_back({broker_keys[i], info->second.kafka_default, ConfigSource::kDefault});
      }
      const auto primary = std::find_if(inherited.begin(), inherited.end(), [&](const auto& s) {
        return s.name == broker_keys.front();
      });
      d.synonyms.insert(d.synonyms.end(), primary, inherited.end());
    }
    // The most specific synonym decides where the value comes from.
    d.source = d.synonyms.empty() ? ConfigSource::kDefault : d.synonyms.front().source;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<ConfigDescription> describe_broker_configs(const config::BrokerConfig& config) {
  std::vector<ConfigDescription> out;
  out.reserve(config.effective.size());
  for (const auto& [key, raw] : config.effective) {
    ConfigDescription d;
    d.name = key;
    d.sensitive = config::is_sensitive_key(key);
    if (!d.sensitive) d.value = raw.value;
    d.source = broker_source(raw.source);
    d.type = d.sensitive ? ConfigType::kPassword : broker_key_type(key);
    // samsa cannot change broker settings at run time (no dynamic broker configs).
    d.read_only = true;
    d.synonyms.push_back({key, d.value, d.source});
    // Below a value from the server properties, Kafka lists the built-in default.
    if (const auto def = config.defaults.find(key);
        d.source != ConfigSource::kDefault && def != config.defaults.end())
      d.synonyms.push_back(
          {key, d.sensitive ? std::nullopt : std::optional(def->second), ConfigSource::kDefault});
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace samsa::broker::admin
