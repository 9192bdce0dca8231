// Samsa's configuration module: reads Kafka's server.properties syntax, KAFKA_* environment
// variables and --override arguments, and turns them into a typed BrokerConfig that uses
// Apache Kafka's defaults for every key samsa reads. It also owns meta.properties (the
// cluster id persisted in the log directory). It does no networking and no logging of its
// own except log_config_summary(); the broker decides when to call that.
//
// Precedence, lowest to highest: built-in default < profile < file < environment <
// late file (samsa serve --await-config) < --override.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/config/error.h"
#include "samsa/config/listener.h"
#include "samsa/config/meta_properties.h"
#include "samsa/config/properties.h"
#include "samsa/config/sources.h"

namespace samsa::config {

enum class TimestampType { kCreateTime, kLogAppendTime };
std::string_view to_string(TimestampType type);

// What to do when a client asks for replication factor > 1 on this single node.
// kClamp accepts and creates the topic with RF 1 (warning); kReject answers
// INVALID_REPLICATION_FACTOR as a 1-broker Kafka cluster would.
enum class ReplicationFactorPolicy { kClamp, kReject };

// One listener the broker serves: where it binds and what Metadata tells clients.
struct Listener {
  Endpoint bind;        // host "" = all interfaces; port 0 = any free port
  Endpoint advertised;  // never an empty or wildcard host; port 0 = the bound port
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
};

// A topic-level config and its effective broker default (for DescribeConfigs and the
// CreateTopics v5+ response), with the broker key it comes from.
struct TopicConfigDefault {
  std::string name;     // e.g. "retention.ms"
  std::string value;    // e.g. "604800000"
  std::string synonym;  // e.g. "log.retention.hours" (the broker key that was read)
};

struct BrokerConfig {
  // --- identity
  int32_t node_id = 1;                    // node.id, or broker.id (must agree if both set)
  std::optional<std::string> cluster_id;  // cluster.id / CLUSTER_ID; else from meta.properties

  // --- network
  std::vector<Listener> listeners;         // served listeners (controller ones excluded)
  std::string inter_broker_listener_name;  // a served listener name
  int32_t socket_request_max_bytes = 104857600;
  int32_t socket_send_buffer_bytes = 102400;     // -1: OS default
  int32_t socket_receive_buffer_bytes = 102400;  // -1: OS default
  int32_t max_connections = 2147483647;
  // Segment log files kept open at once (samsa.log.open.files.max); 0: half of the
  // open-file limit. Others are reopened on demand.
  int32_t log_open_files_max = 0;
  // Not a Kafka key: acks=all is answered once its records are fsynced (group commit).
  // false: once they are written, as Kafka does (it relies on replicas); --ephemeral.
  bool log_fsync_on_ack = true;
  // The console, JSON API and /metrics (samsa.http.listener): "host:port", port 0 for
  // an ephemeral one, empty to turn HTTP off. Connections and request bodies beyond
  // the limits are refused.
  std::string http_listener = "127.0.0.1:9080";
  // False when the default is in force: then a port already taken (a second broker on
  // the machine) leaves the console off with a warning instead of failing the start.
  bool http_listener_explicit = false;
  int32_t http_max_connections = 64;
  int32_t http_request_max_bytes = 1048576;
  // The most of the event loop's time the console may take (samsa.http.max.loop.percent),
  // so that a hammered console cannot slow the Kafka listener down; 100 turns it off.
  int32_t http_max_loop_percent = 25;

  // --- topics
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;  // after the policy (clamped to 1)
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  ReplicationFactorPolicy replication_factor_policy = ReplicationFactorPolicy::kClamp;

  // Topics created at start when missing, before clients are served: the wurstmeister
  // image's KAFKA_CREATE_TOPICS ("name:partitions:replicas[:cleanup.policy]" entries
  // separated by create.topics.separator, default ","). Existing topics are left alone.
  struct InitialTopic {
    std::string name;
    int32_t partitions = 1;
    std::optional<std::string> cleanup_policy;

    bool operator==(const InitialTopic&) const = default;
  };
  std::vector<InitialTopic> create_topics;

  // --- log
  std::filesystem::path log_dir = "/tmp/kafka-logs";  // log.dirs (first of) or log.dir
  int32_t message_max_bytes = 1048588;
  int32_t log_segment_bytes = 1073741824;
  int64_t log_roll_ms = 604800000;       // log.roll.ms > log.roll.hours
  int64_t log_retention_ms = 604800000;  // ms > minutes > hours; -1 = no time limit
  int64_t log_retention_bytes = -1;
  int64_t log_retention_check_interval_ms = 300000;
  int32_t log_index_interval_bytes = 4096;
  int32_t log_index_size_max_bytes = 10485760;
  int64_t log_flush_interval_messages = INT64_MAX;
  int64_t log_flush_interval_ms = INT64_MAX;  // unset in Kafka: never by time
  TimestampType log_message_timestamp_type = TimestampType::kCreateTime;
  std::string log_cleanup_policy = "delete";
  // The log cleaner (compaction): whether it runs, its threads, how long they wait when
  // no log is due, their shared I/O bound, the key map's memory and fill limit.
  bool log_cleaner_enable = true;
  int32_t log_cleaner_threads = 1;
  int64_t log_cleaner_backoff_ms = 15000;
  double log_cleaner_io_max_bytes_per_second = 1.7976931348623157e308;
  int64_t log_cleaner_dedupe_buffer_size = 134217728;
  double log_cleaner_io_buffer_load_factor = 0.9;
  std::string compression_type = "producer";

  // --- groups, offsets, transactions, producers
  int32_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1800000;
  int32_t group_max_size = 2147483647;
  std::vector<std::string> group_consumer_assignors = {"uniform", "range"};
  int32_t group_consumer_session_timeout_ms = 45000;
  int32_t group_consumer_heartbeat_interval_ms = 5000;
  int32_t offsets_retention_minutes = 10080;
  int64_t offsets_retention_check_interval_ms = 600000;
  int32_t offset_metadata_max_bytes = 4096;
  int32_t group_consumer_max_size = 2147483647;
  int32_t offsets_topic_num_partitions = 50;
  int32_t transactional_id_expiration_ms = 604800000;
  int32_t transaction_max_timeout_ms = 900000;
  int32_t transaction_abort_timed_out_transaction_cleanup_interval_ms = 10000;
  int32_t transaction_remove_expired_transaction_cleanup_interval_ms = 3600000;
  int32_t transaction_state_log_segment_bytes = 104857600;
  int32_t producer_id_expiration_ms = 86400000;
  // A transactional produce (v12+) that adds its partition while the previous
  // transaction still ends is retried every backoff until the max, then answered
  // NOT_ENOUGH_REPLICAS (the producer retries).
  int32_t add_partitions_to_txn_retry_backoff_ms = 20;
  int32_t add_partitions_to_txn_retry_backoff_max_ms = 100;
  // The finalized level of the `transaction.version` feature advertised in ApiVersions
  // (Kafka sets it when the storage is formatted): 2 lets 4.x clients use transactions
  // v2 (KIP-890), 0 or 1 keeps every client on the classic protocol.
  int16_t transaction_version = 2;

  // --- bookkeeping
  // Every key samsa reads with its effective value and where it came from (kDefault
  // for built-in defaults), plus every other key that was set. Feeds DescribeConfigs.
  RawConfig effective;
  // Kafka's built-in default of every key samsa reads that has one (a non-empty one for
  // strings): DescribeConfigs lists it as the DEFAULT_CONFIG synonym below a set value.
  std::map<std::string, std::string, std::less<>> defaults;
  std::vector<std::string> unknown_keys;  // set, not read by samsa, kept in `effective`
  std::vector<std::string> inert_keys;    // known Kafka keys with no meaning on one node
  std::vector<std::string> warnings;      // one line each, for log_config_summary()

  const Listener* find_listener(std::string_view name) const;
  std::vector<TopicConfigDefault> topic_config_defaults() const;

  // Validates and types an already merged set of keys. Throws ConfigError naming the key.
  static BrokerConfig from_raw(RawConfig raw);
};

struct LoadOptions {
  std::optional<std::filesystem::path> config_file;  // nullopt: defaults only
  std::vector<std::string> overrides;                // "key=value" from --override
  std::vector<std::string> environment;              // "NAME=VALUE"; see process_environment()
  // Defaults of a profile (samsa serve --ephemeral), below the file.
  KeyValues profile;
  // A server.properties file that arrived after the start (samsa serve --await-config),
  // over the file and the environment, under the overrides.
  std::optional<std::filesystem::path> late_file;
};

// profile < file < environment < late file < overrides, then BrokerConfig::from_raw.
// Throws ConfigError.
BrokerConfig load_broker_config(const LoadOptions& options);

// True for keys whose values must not be shown (passwords, secrets, JAAS configs).
bool is_sensitive_key(std::string_view key);

// Logs the warnings (once), the listeners and the main settings through spdlog.
void log_config_summary(const BrokerConfig& config);

}  // namespace samsa::config
