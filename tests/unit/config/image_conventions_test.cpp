// The environment of compose files written for other Kafka images (wurstmeister,
// apache/kafka, bitnami, confluentinc/cp-kafka) configures samsa unchanged.
#include <gtest/gtest.h>

#include "samsa/config/config.h"

namespace samsa::config {
namespace {

BrokerConfig from_env(std::vector<std::string> env) {
  LoadOptions load;
  load.environment = std::move(env);
  return load_broker_config(load);
}

std::string error_of(std::vector<std::string> env) {
  try {
    from_env(std::move(env));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ImageConventionsTest, Wurstmeister) {
  const auto c = from_env({
      "KAFKA_ADVERTISED_HOST_NAME=kafka",
      "KAFKA_ADVERTISED_PORT=9092",
      "KAFKA_ZOOKEEPER_CONNECT=zookeeper:2181",
      "KAFKA_MESSAGE_MAX_BYTES=10000000",
      "KAFKA_AUTO_CREATE_TOPICS_ENABLE=false",
      "KAFKA_DELETE_TOPIC_ENABLE=true",
      "KAFKA_CREATE_TOPICS=orders:12:3,chat:1:1:compact",
      "HOSTNAME_COMMAND=hostname -i",
  });
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].bind, (Endpoint{"PLAINTEXT", "", 9092}));
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "kafka", 9092}));
  EXPECT_EQ(c.message_max_bytes, 10000000);
  EXPECT_FALSE(c.auto_create_topics_enable);
  EXPECT_TRUE(c.unknown_keys.empty());
  ASSERT_EQ(c.create_topics.size(), 2u);
  EXPECT_EQ(c.create_topics[0], (BrokerConfig::InitialTopic{"orders", 12, std::nullopt}));
  EXPECT_EQ(c.create_topics[1], (BrokerConfig::InitialTopic{"chat", 1, "compact"}));
  bool clamp_warned = false;
  for (const auto& w : c.warnings) clamp_warned |= w.find("orders") != std::string::npos;
  EXPECT_TRUE(clamp_warned);
}

TEST(ImageConventionsTest, WurstmeisterPortAndSeparator) {
  const auto c = from_env({
      "KAFKA_PORT=9094",
      "KAFKA_ADVERTISED_HOST_NAME=localhost",
      "KAFKA_CREATE_TOPICS_SEPARATOR=$'\\n'",
      "KAFKA_CREATE_TOPICS=a:1:1\n  b:3:1:delete\n",
  });
  EXPECT_EQ(c.listeners[0].bind, (Endpoint{"PLAINTEXT", "", 9094}));
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "localhost", 9094}));
  ASSERT_EQ(c.create_topics.size(), 2u);
  EXPECT_EQ(c.create_topics[1], (BrokerConfig::InitialTopic{"b", 3, "delete"}));
}

TEST(ImageConventionsTest, BadCreateTopicsNamesTheVariable) {
  for (const char* bad : {"KAFKA_CREATE_TOPICS=orders:twelve:1", "KAFKA_CREATE_TOPICS=orders:1",
                          "KAFKA_CREATE_TOPICS=orders:0:1", "KAFKA_CREATE_TOPICS=o:1:1:shred"}) {
    const std::string message = error_of({bad});
    EXPECT_NE(message.find("KAFKA_CREATE_TOPICS"), std::string::npos) << bad << ": " << message;
  }
  const std::string strict =
      error_of({"KAFKA_SAMSA_REPLICATION_FACTOR_POLICY=reject", "KAFKA_CREATE_TOPICS=o:1:3"});
  EXPECT_NE(strict.find("replicas must be 1"), std::string::npos) << strict;
}

TEST(ImageConventionsTest, ApacheKraft) {
  const auto c = from_env({
      "KAFKA_NODE_ID=1",
      "KAFKA_PROCESS_ROLES=broker,controller",
      "KAFKA_CONTROLLER_QUORUM_VOTERS=1@kafka:9093",
      "KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
      "KAFKA_LISTENERS=INTERNAL://:29092,EXTERNAL://:9092,CONTROLLER://:9093",
      "KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:29092,EXTERNAL://localhost:9092",
      "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:"
      "PLAINTEXT",
      "KAFKA_INTER_BROKER_LISTENER_NAME=INTERNAL",
      "CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk",
      "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
      "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
      "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
      "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
  });
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"INTERNAL", "kafka", 29092}));
  EXPECT_EQ(c.listeners[1].advertised, (Endpoint{"EXTERNAL", "localhost", 9092}));
  EXPECT_EQ(c.cluster_id, "MkU3OEVBNTcwNTJENDM2Qk");
  EXPECT_EQ(c.group_initial_rebalance_delay_ms, 0);
  EXPECT_TRUE(c.unknown_keys.empty());
}

TEST(ImageConventionsTest, Bitnami) {
  const auto c = from_env({
      "KAFKA_CFG_NODE_ID=0",
      "KAFKA_CFG_PROCESS_ROLES=controller,broker",
      "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS=0@kafka:9093",
      "KAFKA_CFG_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093",
      "KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092",
      "KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      "KAFKA_CFG_CONTROLLER_LISTENER_NAMES=CONTROLLER",
      "KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE=true",
      "KAFKA_KRAFT_CLUSTER_ID=abcdefghijklmnopqrstuv",
      "KAFKA_ENABLE_KRAFT=yes",
      "ALLOW_PLAINTEXT_LISTENER=yes",
      "KAFKA_HEAP_OPTS=-Xmx512m",
  });
  EXPECT_EQ(c.node_id, 0);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].advertised, (Endpoint{"PLAINTEXT", "kafka", 9092}));
  EXPECT_EQ(c.cluster_id, "abcdefghijklmnopqrstuv");
  EXPECT_TRUE(c.unknown_keys.empty());
}

TEST(ImageConventionsTest, ConfluentJmxIgnoredAndUnknownNamed) {
  const auto c = from_env({
      "KAFKA_BROKER_ID=1",
      "KAFKA_JMX_PORT=9101",
      "KAFKA_JMX_HOSTNAME=localhost",
      "KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:29092,PLAINTEXT_HOST://0.0.0.0:9092",
      "KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:29092,PLAINTEXT_HOST://localhost:9092",
      "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT",
      "KAFKA_SOME_FUTURE_SETTING=1",
  });
  EXPECT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.unknown_keys, (std::vector<std::string>{"some.future.setting"}));
  bool named = false;
  for (const auto& w : c.warnings) named |= w.find("KAFKA_SOME_FUTURE_SETTING") != std::string::npos;
  EXPECT_TRUE(named);
}

TEST(ImageConventionsTest, WrongValuesNameTheVariable) {
  EXPECT_NE(error_of({"KAFKA_NUM_PARTITIONS=many"}).find("KAFKA_NUM_PARTITIONS"), std::string::npos);
  EXPECT_NE(error_of({"KAFKA_CFG_NUM_PARTITIONS=0"}).find("KAFKA_CFG_NUM_PARTITIONS"),
            std::string::npos);
  const std::string unmapped = error_of({"KAFKA_LISTENERS=CLIENT://:9092"});
  EXPECT_NE(unmapped.find("KAFKA_LISTENERS"), std::string::npos) << unmapped;
  EXPECT_NE(unmapped.find("CLIENT:PLAINTEXT"), std::string::npos) << unmapped;
}

}  // namespace
}  // namespace samsa::config
