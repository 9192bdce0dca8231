#include <gtest/gtest.h>

#include <fstream>

#include "samsa/config/config.h"

namespace samsa::config {
namespace {

// LoadOptions from a file, overrides and environment (the other layers empty).
LoadOptions options(std::optional<std::filesystem::path> file,
                    std::vector<std::string> overrides = {},
                    std::vector<std::string> environment = {}) {
  LoadOptions o;
  o.config_file = std::move(file);
  o.overrides = std::move(overrides);
  o.environment = std::move(environment);
  return o;
}

BrokerConfig from(std::string_view properties, std::vector<std::string> env = {},
                  std::vector<std::string> overrides = {}) {
  Properties file = Properties::parse(properties);
  std::vector<std::pair<std::string, std::string>> ov;
  for (const auto& o : overrides) ov.push_back(parse_override(o));
  return BrokerConfig::from_raw(merge_layers(file, properties_from_environment(env), ov));
}

// Expects a ConfigError whose message mentions `key`.
void expect_error_naming(std::string_view properties, std::string_view key) {
  try {
    from(properties);
    ADD_FAILURE() << "no error for: " << properties;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos)
        << "message '" << e.what() << "' does not name " << key;
  }
}

TEST(BrokerConfigTest, KafkaDefaults) {
  BrokerConfig c = from("");
  EXPECT_EQ(c.node_id, 1);
  EXPECT_FALSE(c.cluster_id.has_value());
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].bind, (Endpoint{"PLAINTEXT", "", 9092}));
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "localhost", 9092}));
  EXPECT_EQ(c.inter_broker_listener_name, "PLAINTEXT");
  EXPECT_EQ(c.log_dir, "/tmp/kafka-logs");
  EXPECT_EQ(c.num_partitions, 1);
  EXPECT_EQ(c.default_replication_factor, 1);
  EXPECT_TRUE(c.auto_create_topics_enable);
  EXPECT_TRUE(c.delete_topic_enable);
  EXPECT_EQ(c.message_max_bytes, 1048588);
  EXPECT_EQ(c.socket_request_max_bytes, 104857600);
  EXPECT_EQ(c.socket_send_buffer_bytes, 102400);
  EXPECT_EQ(c.socket_receive_buffer_bytes, 102400);
  EXPECT_EQ(c.max_connections, 2147483647);
  EXPECT_EQ(c.log_segment_bytes, 1073741824);
  EXPECT_EQ(c.log_roll_ms, 168LL * 3600 * 1000);
  EXPECT_EQ(c.log_retention_ms, 168LL * 3600 * 1000);
  EXPECT_EQ(c.log_retention_bytes, -1);
  EXPECT_EQ(c.log_retention_check_interval_ms, 300000);
  EXPECT_EQ(c.log_index_interval_bytes, 4096);
  EXPECT_EQ(c.log_index_size_max_bytes, 10485760);
  EXPECT_EQ(c.log_flush_interval_messages, INT64_MAX);
  EXPECT_EQ(c.log_flush_interval_ms, INT64_MAX);
  EXPECT_EQ(c.log_message_timestamp_type, TimestampType::kCreateTime);
  EXPECT_EQ(c.group_initial_rebalance_delay_ms, 3000);
  EXPECT_EQ(c.group_min_session_timeout_ms, 6000);
  EXPECT_EQ(c.group_max_session_timeout_ms, 1800000);
  EXPECT_EQ(c.group_max_size, 2147483647);
  EXPECT_EQ(c.offsets_retention_minutes, 10080);
  EXPECT_EQ(c.offsets_topic_num_partitions, 50);
  EXPECT_EQ(c.transactional_id_expiration_ms, 604800000);
  EXPECT_EQ(c.transaction_max_timeout_ms, 900000);
  EXPECT_EQ(c.producer_id_expiration_ms, 86400000);
  EXPECT_EQ(c.group_consumer_assignors, (std::vector<std::string>{"uniform", "range"}));
  EXPECT_EQ(c.replication_factor_policy, ReplicationFactorPolicy::kClamp);
  EXPECT_TRUE(c.unknown_keys.empty());
  EXPECT_TRUE(c.warnings.empty());
  // Defaults are visible for DescribeConfigs, marked as defaults.
  ASSERT_TRUE(c.effective.count("message.max.bytes"));
  EXPECT_EQ(c.effective.at("message.max.bytes").value, "1048588");
  EXPECT_EQ(c.effective.at("message.max.bytes").source, ConfigSource::kDefault);
}

TEST(BrokerConfigTest, TypedValuesAndSources) {
  BrokerConfig c = from(
      "node.id=7\nnum.partitions= 3 \nauto.create.topics.enable=FALSE\n"
      "log.message.timestamp.type=logappendtime\nmessage.max.bytes=+2000\n");
  EXPECT_EQ(c.node_id, 7);
  EXPECT_EQ(c.num_partitions, 3);
  EXPECT_FALSE(c.auto_create_topics_enable);
  EXPECT_EQ(c.log_message_timestamp_type, TimestampType::kLogAppendTime);
  EXPECT_EQ(c.message_max_bytes, 2000);
  EXPECT_EQ(c.effective.at("num.partitions").value, "3");
  EXPECT_EQ(c.effective.at("num.partitions").source, ConfigSource::kFile);
}

TEST(BrokerConfigTest, PrecedenceFileEnvOverride) {
  BrokerConfig c = from("num.partitions=2\nmessage.max.bytes=100\nlog.segment.bytes=1000\n",
                        {"KAFKA_MESSAGE_MAX_BYTES=200", "KAFKA_LOG_SEGMENT_BYTES=2000"},
                        {"log.segment.bytes=3000"});
  EXPECT_EQ(c.num_partitions, 2);
  EXPECT_EQ(c.message_max_bytes, 200);
  EXPECT_EQ(c.log_segment_bytes, 3000);
  EXPECT_EQ(c.effective.at("message.max.bytes").source, ConfigSource::kEnvironment);
  EXPECT_EQ(c.effective.at("log.segment.bytes").source, ConfigSource::kOverride);
}

TEST(BrokerConfigTest, RetentionPrecedenceMsOverMinutesOverHours) {
  EXPECT_EQ(from("log.retention.hours=1").log_retention_ms, 3600000);
  EXPECT_EQ(from("log.retention.hours=1\nlog.retention.minutes=2").log_retention_ms, 120000);
  EXPECT_EQ(
      from("log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=5").log_retention_ms,
      5);
  EXPECT_EQ(from("log.retention.ms=-1").log_retention_ms, -1);
  EXPECT_EQ(from("log.retention.hours=-5").log_retention_ms, -1);
  EXPECT_EQ(from("log.roll.hours=2").log_roll_ms, 7200000);
  EXPECT_EQ(from("log.roll.hours=2\nlog.roll.ms=10").log_roll_ms, 10);
}

TEST(BrokerConfigTest, BrokerIdAndNodeId) {
  EXPECT_EQ(from("broker.id=4").node_id, 4);
  EXPECT_EQ(from("node.id=5\nbroker.id=5").node_id, 5);
  expect_error_naming("node.id=5\nbroker.id=6", "broker.id");
  expect_error_naming("node.id=-1", "node.id");
}

TEST(BrokerConfigTest, InvalidValuesNameTheKey) {
  expect_error_naming("num.partitions=abc", "num.partitions");
  expect_error_naming("num.partitions=0", "num.partitions");
  expect_error_naming("message.max.bytes=99999999999", "message.max.bytes");
  expect_error_naming("message.max.bytes=12kb", "message.max.bytes");
  expect_error_naming("auto.create.topics.enable=yes", "auto.create.topics.enable");
  expect_error_naming("log.message.timestamp.type=Now", "log.message.timestamp.type");
  expect_error_naming("log.segment.bytes=10", "log.segment.bytes");
  expect_error_naming("samsa.replication.factor.policy=maybe", "samsa.replication.factor.policy");
  expect_error_naming("log.dirs=/a,/b", "log.dirs");
  expect_error_naming("log.dirs= ", "log.dirs");
  expect_error_naming("group.min.session.timeout.ms=10\ngroup.max.session.timeout.ms=5",
                      "group.min.session.timeout.ms");
}

TEST(BrokerConfigTest, LogCleanerKeys) {
  BrokerConfig d = from("");
  EXPECT_TRUE(d.log_cleaner_enable);
  EXPECT_EQ(d.log_cleaner_threads, 1);
  EXPECT_EQ(d.log_cleaner_backoff_ms, 15000);
  EXPECT_EQ(d.log_cleaner_dedupe_buffer_size, 134217728);
  EXPECT_EQ(d.effective.at("log.cleaner.io.max.bytes.per.second").value, "1.7976931348623157E308");
  EXPECT_TRUE(d.unknown_keys.empty());
  BrokerConfig c = from(
      "log.cleanup.policy=compact, delete\nlog.cleaner.enable=false\nlog.cleaner.threads=3\n"
      "log.cleaner.backoff.ms=100\nlog.cleaner.io.max.bytes.per.second=1e6\n"
      "log.cleaner.dedupe.buffer.size=1048576\nlog.cleaner.io.buffer.load.factor=0.5\n");
  EXPECT_EQ(c.log_cleanup_policy, "compact, delete");
  EXPECT_FALSE(c.log_cleaner_enable);
  EXPECT_EQ(c.log_cleaner_threads, 3);
  EXPECT_EQ(c.log_cleaner_backoff_ms, 100);
  EXPECT_EQ(c.log_cleaner_io_max_bytes_per_second, 1e6);
  EXPECT_EQ(c.log_cleaner_dedupe_buffer_size, 1048576);
  EXPECT_EQ(c.log_cleaner_io_buffer_load_factor, 0.5);
  EXPECT_TRUE(c.unknown_keys.empty());
  expect_error_naming("log.cleanup.policy=compress", "log.cleanup.policy");
  expect_error_naming("log.cleanup.policy=compact,", "log.cleanup.policy");
  expect_error_naming("log.cleaner.threads=0", "log.cleaner.threads");
  expect_error_naming("log.cleaner.enable=1", "log.cleaner.enable");
  expect_error_naming("log.cleaner.io.max.bytes.per.second=fast",
                      "log.cleaner.io.max.bytes.per.second");
  expect_error_naming("log.cleaner.io.buffer.load.factor=2", "log.cleaner.io.buffer.load.factor");
  expect_error_naming("log.cleaner.dedupe.buffer.size=10", "log.cleaner.dedupe.buffer.size");
}

TEST(BrokerConfigTest, ErrorMentionsSource) {
  try {
    from("", {"KAFKA_NUM_PARTITIONS=x"});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("environment"), std::string::npos) << e.what();
  }
}

TEST(BrokerConfigTest, ReplicationFactorPolicy) {
  BrokerConfig clamp = from("default.replication.factor=3");
  EXPECT_EQ(clamp.default_replication_factor, 1);
  ASSERT_EQ(clamp.warnings.size(), 1u);
  EXPECT_NE(clamp.warnings[0].find("clamped"), std::string::npos);
  expect_error_naming("default.replication.factor=3\nsamsa.replication.factor.policy=reject",
                      "default.replication.factor");
  EXPECT_EQ(from("samsa.replication.factor.policy=REJECT").replication_factor_policy,
            ReplicationFactorPolicy::kReject);
}

TEST(BrokerConfigTest, LogDirs) {
  EXPECT_EQ(from("log.dir=/var/a").log_dir, "/var/a");
  EXPECT_EQ(from("log.dir=/var/a\nlog.dirs=/var/b").log_dir, "/var/b");
  EXPECT_EQ(from("log.dirs=/var/b/").log_dir, "/var/b/");
  EXPECT_TRUE(from("log.dirs=data").log_dir.is_absolute());
}

TEST(BrokerConfigTest, UnknownAndInertKeysAreKept) {
  BrokerConfig c = from(
      "some.future.setting=1\nprocess.roles=broker,controller\n"
      "offsets.topic.replication.factor=1\n");
  EXPECT_EQ(c.unknown_keys, (std::vector<std::string>{"some.future.setting"}));
  EXPECT_EQ(c.inert_keys.size(), 2u);
  ASSERT_TRUE(c.effective.count("some.future.setting"));
  EXPECT_EQ(c.effective.at("some.future.setting").source, ConfigSource::kFile);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("some.future.setting"), std::string::npos);
}

TEST(ListenerTest, ParsesEndpoints) {
  EXPECT_EQ(parse_endpoint("PLAINTEXT://0.0.0.0:9092", "listeners"),
            (Endpoint{"PLAINTEXT", "0.0.0.0", 9092}));
  EXPECT_EQ(parse_endpoint("PLAINTEXT://:9092", "listeners"), (Endpoint{"PLAINTEXT", "", 9092}));
  EXPECT_EQ(parse_endpoint("external://kafka.example:19092", "listeners"),
            (Endpoint{"EXTERNAL", "kafka.example", 19092}));
  EXPECT_EQ(parse_endpoint("PLAINTEXT://[::1]:9092", "listeners"),
            (Endpoint{"PLAINTEXT", "::1", 9092}));
  EXPECT_EQ(host_port(Endpoint{"PLAINTEXT", "::1", 9092}), "[::1]:9092");
  for (const char* bad :
       {"PLAINTEXT:9092", "PLAINTEXT://host", "PLAINTEXT://host:99999", "PLAINTEXT://host:x",
        "://host:1", "PLAINTEXT://::1:9092", "PLAIN TEXT://h:1"}) {
    EXPECT_THROW(parse_endpoint(bad, "listeners"), ConfigError) << bad;
  }
  EXPECT_THROW(parse_endpoint_list("A://:1,a://:2", "listeners"), ConfigError);
}

TEST(ListenerTest, WildcardListenerAdvertisesLocalhost) {
  BrokerConfig c = from("listeners=PLAINTEXT://0.0.0.0:9092");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].bind.host, "0.0.0.0");
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "localhost", 9092}));
}

TEST(ListenerTest, ExplicitAdvertisedListener) {
  BrokerConfig c =
      from("listeners=PLAINTEXT://127.0.0.1:5555\nadvertised.listeners=PLAINTEXT://127.0.0.1:5555");
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "127.0.0.1", 5555}));
  expect_error_naming("listeners=PLAINTEXT://:9092\nadvertised.listeners=PLAINTEXT://0.0.0.0:9092",
                      "advertised.listeners");
  expect_error_naming("listeners=PLAINTEXT://:9092\nadvertised.listeners=OTHER://h:9092",
                      "advertised.listeners");
}

TEST(ListenerTest, DockerComposeTwoListeners) {
  BrokerConfig c = from(
      "listeners=INTERNAL://kafka:29092,EXTERNAL://localhost:9092\n"
      "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT\n"
      "inter.broker.listener.name=INTERNAL\n");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].bind, (Endpoint{"INTERNAL", "kafka", 29092}));
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"INTERNAL", "kafka", 29092}));
  EXPECT_EQ(c.listeners[1].advertised, (Endpoint{"EXTERNAL", "localhost", 9092}));
  EXPECT_EQ(c.inter_broker_listener_name, "INTERNAL");
  ASSERT_NE(c.find_listener("EXTERNAL"), nullptr);
  EXPECT_EQ(c.find_listener("EXTERNAL")->protocol, SecurityProtocol::kPlaintext);
}

TEST(ListenerTest, DockerComposeBindAllAdvertiseEach) {
  BrokerConfig c = from(
      "", {"KAFKA_LISTENERS=INTERNAL://:29092,EXTERNAL://:9092,CONTROLLER://:9093",
           "KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:29092,EXTERNAL://"
           "localhost:9092",
           "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=INTERNAL:PLAINTEXT,EXTERNAL:"
           "PLAINTEXT,CONTROLLER:PLAINTEXT",
           "KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
           "KAFKA_INTER_BROKER_LISTENER_NAME=INTERNAL", "KAFKA_PROCESS_ROLES=broker,controller"});
  ASSERT_EQ(c.listeners.size(), 2u);  // the controller listener is not served
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"INTERNAL", "kafka", 29092}));
  EXPECT_EQ(c.listeners[1].bind, (Endpoint{"EXTERNAL", "", 9092}));
  EXPECT_EQ(c.listeners[1].advertised, (Endpoint{"EXTERNAL", "localhost", 9092}));
  EXPECT_TRUE(c.unknown_keys.empty());
  EXPECT_EQ(c.warnings.size(), 1u);  // about CONTROLLER
}

TEST(ListenerTest, ProtocolMapErrors) {
  expect_error_naming("listeners=INTERNAL://:9092", "listeners");  // not in the default map
  expect_error_naming("listeners=SSL://:9093", "listeners");       // not supported
  expect_error_naming("listener.security.protocol.map=A:TLS", "listener.security.protocol.map");
  expect_error_naming(
      "listeners=A://:1,B://:1\nlistener.security.protocol.map=A:PLAINTEXT,"
      "B:PLAINTEXT",
      "listeners");  // same port twice
  expect_error_naming("inter.broker.listener.name=NOPE", "inter.broker.listener.name");
}

TEST(TopicDefaultsTest, FollowBrokerSettings) {
  BrokerConfig c = from("log.retention.minutes=10\nmessage.max.bytes=5000\n");
  bool saw_retention = false, saw_max = false;
  for (const TopicConfigDefault& d : c.topic_config_defaults()) {
    if (d.name == "retention.ms") {
      saw_retention = true;
      EXPECT_EQ(d.value, "600000");
      EXPECT_EQ(d.synonym, "log.retention.minutes");
    }
    if (d.name == "max.message.bytes") {
      saw_max = true;
      EXPECT_EQ(d.value, "5000");
    }
  }
  EXPECT_TRUE(saw_retention && saw_max);
}

TEST(LoadTest, LoadsFileEnvAndOverrides) {
  auto dir = std::filesystem::temp_directory_path() / ("samsa_cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "server.properties") << "num.partitions=4\nlog.dirs=/x\n"; }
  BrokerConfig c = load_broker_config(
      options(dir / "server.properties", {"log.dirs=/y"}, {"KAFKA_NUM_PARTITIONS=6"}));
  EXPECT_EQ(c.num_partitions, 6);
  EXPECT_EQ(c.log_dir, "/y");
  EXPECT_THROW(load_broker_config(options(dir / "missing.properties", {}, {})), ConfigError);
  EXPECT_THROW(load_broker_config(options(std::nullopt, {"bad"}, {})), ConfigError);
  std::filesystem::remove_all(dir);
}

TEST(SensitiveTest, Keys) {
  EXPECT_TRUE(is_sensitive_key("ssl.keystore.password"));
  EXPECT_TRUE(is_sensitive_key("sasl.jaas.config"));
  EXPECT_FALSE(is_sensitive_key("log.dirs"));
}

}  // namespace
}  // namespace samsa::config

namespace samsa::config {
namespace {

// The shipped config/server.properties must load cleanly with no warnings.
TEST(ShippedConfigTest, LoadsWithoutWarnings) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "../../../config/server.properties";
  BrokerConfig c = load_broker_config(options(path, {}, {}));
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_TRUE(c.unknown_keys.empty());
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "localhost", 9092}));
  EXPECT_EQ(c.log_dir.filename(), "data");
  EXPECT_EQ(c.group_initial_rebalance_delay_ms, 0);
}

}  // namespace
}  // namespace samsa::config
