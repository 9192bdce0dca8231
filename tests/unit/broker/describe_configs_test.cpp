#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../../../src/broker/config_docs.h"
#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DescribeConfigsRequest;
using protocol::DescribeConfigsResponse;
using Entry = DescribeConfigsResponse::DescribeConfigsResourceResult;

class DescribeConfigsTest : public AdminTest {
 protected:
  void SetUp() override {
    start({"log.retention.ms=3600000", "some.secret.password=hunter2"});
    create_topic("t", 1, {{"cleanup.policy", "compact"}});
  }

  DescribeConfigsResponse describe(int8_t type, std::string name,
                                   std::optional<std::vector<std::string>> keys = std::nullopt,
                                   bool synonyms = false, int16_t version = 4,
                                   bool documentation = false) {
    DescribeConfigsRequest request;
    request.resources.push_back({type, std::move(name), std::move(keys), {}});
    request.include_synonyms = synonyms;
    request.include_documentation = documentation;
    return call<DescribeConfigsResponse>(handle_describe_configs, request, version);
  }

  static const Entry* find(const DescribeConfigsResponse& r, const std::string& name) {
    for (const auto& c : r.results.at(0).configs)
      if (c.name == name) return &c;
    return nullptr;
  }
};

TEST_F(DescribeConfigsTest, TopicConfigsWithSourcesAndTypes) {
  const auto r = describe(2, "t");
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].error_code, 0);
  EXPECT_EQ(r.results[0].resource_type, 2);
  EXPECT_EQ(r.results[0].resource_name, "t");
  EXPECT_EQ(r.results[0].configs.size(), storage::LogConfig::topic_keys().size());

  const Entry* cleanup = find(r, "cleanup.policy");
  ASSERT_NE(cleanup, nullptr);
  EXPECT_EQ(cleanup->value, "compact");
  EXPECT_EQ(cleanup->config_source, 1);  // DYNAMIC_TOPIC_CONFIG
  EXPECT_EQ(cleanup->config_type, 7);    // LIST
  EXPECT_FALSE(cleanup->read_only);
  EXPECT_TRUE(cleanup->synonyms.empty());  // not asked for

  const Entry* retention = find(r, "retention.ms");
  EXPECT_EQ(retention->value, "3600000");
  EXPECT_EQ(retention->config_source, 4);  // STATIC_BROKER_CONFIG
  EXPECT_EQ(retention->config_type, 5);    // LONG

  const Entry* segment = find(r, "segment.bytes");
  EXPECT_EQ(segment->value, "1073741824");
  EXPECT_EQ(segment->config_source, 5);  // DEFAULT_CONFIG
  EXPECT_EQ(segment->config_type, 3);    // INT
  EXPECT_EQ(segment->documentation, std::nullopt);
}

TEST_F(DescribeConfigsTest, SynonymsMostSpecificFirst) {
  const auto r = describe(2, "t", std::vector<std::string>{"retention.ms", "cleanup.policy"}, true);
  ASSERT_EQ(r.results[0].configs.size(), 2u);
  const Entry* retention = find(r, "retention.ms");
  ASSERT_GE(retention->synonyms.size(), 2u);
  EXPECT_EQ(retention->synonyms[0].name, "log.retention.ms");
  EXPECT_EQ(retention->synonyms[0].value, "3600000");
  EXPECT_EQ(retention->synonyms[0].source, 4);
  EXPECT_EQ(retention->synonyms.back().name, "log.retention.hours");
  EXPECT_EQ(retention->synonyms.back().source, 5);
  const Entry* cleanup = find(r, "cleanup.policy");
  EXPECT_EQ(cleanup->synonyms[0].name, "cleanup.policy");
  EXPECT_EQ(cleanup->synonyms[0].source, 1);
}

// Kafka's synonym lists: a broker key samsa does not read still shows Kafka's default; a
// primary broker key without a default (log.roll.ms) hides the ones after it.
TEST_F(DescribeConfigsTest, TopicSynonymsFollowKafkasRules) {
  const auto r = describe(
      2, "t", std::vector<std::string>{"delete.retention.ms", "segment.ms", "segment.bytes"}, true);
  const Entry* deletion = find(r, "delete.retention.ms");
  ASSERT_NE(deletion, nullptr);
  ASSERT_EQ(deletion->synonyms.size(), 1u);
  EXPECT_EQ(deletion->synonyms[0].name, "log.cleaner.delete.retention.ms");
  EXPECT_EQ(deletion->synonyms[0].value, "86400000");
  EXPECT_EQ(deletion->synonyms[0].source, 5);
  const Entry* roll = find(r, "segment.ms");
  ASSERT_NE(roll, nullptr);
  EXPECT_TRUE(roll->synonyms.empty());  // not log.roll.hours=168
  EXPECT_EQ(roll->config_source, 5);
  const Entry* segment = find(r, "segment.bytes");
  ASSERT_NE(segment, nullptr);
  ASSERT_EQ(segment->synonyms.size(), 1u);
  EXPECT_EQ(segment->synonyms[0].name, "log.segment.bytes");
}

// A broker key set in the server properties lists its built-in default below it.
TEST_F(DescribeConfigsTest, BrokerSynonymsShowTheDefaultBelowAStaticValue) {
  DescribeConfigsRequest request;
  request.resources.push_back({4, "3", std::vector<std::string>{"log.retention.hours"}, {}});
  request.include_synonyms = true;
  const auto r = call<DescribeConfigsResponse>(handle_describe_configs, request, 4);
  const Entry* hours = find(r, "log.retention.hours");
  ASSERT_NE(hours, nullptr);
  ASSERT_EQ(hours->synonyms.size(), 1u);  // only its default: it was not set
  EXPECT_EQ(hours->synonyms[0].source, 5);

  request.resources[0].configuration_keys = std::vector<std::string>{"num.partitions"};
  AdminTest::TearDown();
  start({"num.partitions=2"});
  const auto p = call<DescribeConfigsResponse>(handle_describe_configs, request, 4);
  const Entry* partitions = find(p, "num.partitions");
  ASSERT_NE(partitions, nullptr);
  ASSERT_EQ(partitions->synonyms.size(), 2u);
  EXPECT_EQ(partitions->synonyms[0].value, "2");
  EXPECT_EQ(partitions->synonyms[0].source, 4);
  EXPECT_EQ(partitions->synonyms[1].value, "1");
  EXPECT_EQ(partitions->synonyms[1].source, 5);
}

TEST_F(DescribeConfigsTest, BrokerConfigsHideSensitiveValues) {
  const auto r = describe(4, "3");
  EXPECT_EQ(r.results[0].error_code, 0);
  const Entry* partitions = find(r, "num.partitions");
  ASSERT_NE(partitions, nullptr);
  EXPECT_EQ(partitions->value, "1");
  EXPECT_EQ(partitions->config_source, 5);
  EXPECT_EQ(partitions->config_type, 3);
  const Entry* retention = find(r, "log.retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->config_source, 4);
  const Entry* secret = find(r, "some.secret.password");
  ASSERT_NE(secret, nullptr);
  EXPECT_TRUE(secret->is_sensitive);
  EXPECT_EQ(secret->value, std::nullopt);

  EXPECT_TRUE(describe(4, "").results[0].configs.empty());  // no dynamic defaults
}

TEST_F(DescribeConfigsTest, Errors) {
  EXPECT_EQ(describe(2, "nope").results[0].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(describe(2, "bad name").results[0].error_code, err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(describe(4, "7").results[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(describe(4, "x").results[0].error_code, err(ErrorCode::INVALID_REQUEST));
  const auto r = describe(3, "group");
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_TRUE(r.results[0].error_message.has_value());
}

// includeDocumentation (v3+): every key samsa reports for a topic has its description.
TEST_F(DescribeConfigsTest, EveryTopicKeyIsDocumented) {
  for (int16_t v = 3; v <= 4; ++v) {
    const auto r = describe(2, "t", std::nullopt, false, v, true);
    ASSERT_EQ(r.results[0].error_code, 0);
    ASSERT_EQ(r.results[0].configs.size(), storage::LogConfig::topic_keys().size());
    for (const auto& c : r.results[0].configs) {
      ASSERT_TRUE(c.documentation.has_value()) << c.name << " v" << v;
      EXPECT_FALSE(c.documentation->empty()) << c.name;
      EXPECT_EQ(c.documentation, admin::topic_config_documentation(c.name)) << c.name;
    }
  }
  // A topic key that is also a broker key has the topic's own text.
  const auto r = describe(2, "t", std::vector<std::string>{"compression.type"}, false, 4, true);
  EXPECT_EQ(r.results[0].configs.at(0).documentation,
            admin::topic_config_documentation("compression.type"));
  EXPECT_NE(admin::topic_config_documentation("compression.type"),
            admin::broker_config_documentation("compression.type"));
}

// The broker's settings are documented too; a key samsa does not know (kept only to be
// reported) has none, as a key outside Kafka's ConfigDef has none in Kafka.
TEST_F(DescribeConfigsTest, EveryBrokerKeyIsDocumented) {
  const auto r = describe(4, "3", std::nullopt, false, 4, true);
  ASSERT_EQ(r.results[0].error_code, 0);
  ASSERT_FALSE(r.results[0].configs.empty());
  for (const auto& c : r.results[0].configs) {
    if (c.name == "some.secret.password") {
      EXPECT_EQ(c.documentation, std::nullopt);
      continue;
    }
    ASSERT_TRUE(c.documentation.has_value()) << c.name;
    EXPECT_FALSE(c.documentation->empty()) << c.name;
  }
}

// Keys reported only when set (the retention and roll overrides, create.topics, ...), the
// cluster-only keys samsa accepts and ignores, and the coordinators' untyped keys.
TEST_F(DescribeConfigsTest, KeysReportedOnlyWhenSetAreDocumented) {
  AdminTest::TearDown();
  start({"cluster.id=abcdefghijklmnopqrstuv", "inter.broker.listener.name=PLAINTEXT",
         "controller.listener.names=CONTROLLER", "log.roll.ms=3600000", "log.retention.minutes=60",
         "log.retention.ms=3600000", "log.flush.interval.ms=1000", "create.topics=a:1:1",
         "create.topics.separator=;",
         // Cluster-only keys (accepted quietly).
         "process.roles=broker", "controller.quorum.voters=1@localhost:9093",
         "controller.quorum.bootstrap.servers=localhost:9093", "zookeeper.connect=zk:2181",
         "zookeeper.connection.timeout.ms=18000", "num.network.threads=3", "num.io.threads=8",
         "num.recovery.threads.per.data.dir=1", "num.replica.fetchers=1",
         "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
         "transaction.state.log.min.isr=1", "min.insync.replicas=1",
         "unclean.leader.election.enable=false", "security.inter.broker.protocol=PLAINTEXT",
         "confluent.support.metrics.enable=false", "kafka.metrics.reporters=x.Reporter",
         "metric.reporters=x.Reporter", "log.segment.delete.delay.ms=60000",
         "log.preallocate=false", "queued.max.requests=500", "replica.lag.time.max.ms=30000",
         // The group coordinator's own limits.
         "offsets.retention.check.interval.ms=600000", "offset.metadata.max.bytes=4096",
         "group.consumer.max.size=100"});
  // None is unknown to the config module: the cluster-only keys are inert, the others read.
  EXPECT_TRUE(config_.unknown_keys.empty());
  // Every cluster-only key samsa knows is set above (controller.listener.names is read, so
  // it is not among them).
  EXPECT_EQ(config_.inert_keys.size(), 22u);
  const auto r = describe(4, "3", std::nullopt, false, 4, true);
  ASSERT_EQ(r.results[0].error_code, 0);
  EXPECT_EQ(r.results[0].configs.size(), config_.effective.size());
  for (const auto& c : r.results[0].configs) {
    ASSERT_TRUE(c.documentation.has_value()) << c.name;
    EXPECT_FALSE(c.documentation->empty()) << c.name;
  }

  // Kafka 2's listener keys, which count only without listeners / advertised.listeners.
  config::LoadOptions legacy;
  legacy.overrides = {"log.dirs=" + (dir_ / "legacy").string(), "port=9092", "host.name=h",
                      "advertised.host.name=a", "advertised.port=9093"};
  const config::BrokerConfig old = config::load_broker_config(legacy);
  EXPECT_TRUE(old.unknown_keys.empty());
  for (const auto& [key, _] : old.effective)
    EXPECT_TRUE(admin::broker_config_documentation(key).has_value()) << key;
}

// Every key docs/configuration.md lists has a description.
TEST_F(DescribeConfigsTest, EveryKeyOfTheConfigurationDocIsDocumented) {
  std::ifstream file(std::string(SAMSA_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(file) << "docs/configuration.md is missing";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::regex row(R"(\n\| `([a-z0-9._]+)` \|)");
  size_t keys = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
       ++it, ++keys)
    EXPECT_TRUE(admin::broker_config_documentation((*it)[1].str()).has_value()) << (*it)[1];
  EXPECT_GT(keys, 60u);
}

// Without includeDocumentation the field is null, as Kafka sends it.
TEST_F(DescribeConfigsTest, NoDocumentationUnlessAsked) {
  for (int16_t v = 3; v <= 4; ++v) {
    for (int8_t type : {int8_t{2}, int8_t{4}}) {
      const auto r = describe(type, type == 2 ? "t" : "3", std::nullopt, false, v, false);
      ASSERT_FALSE(r.results[0].configs.empty());
      for (const auto& c : r.results[0].configs)
        EXPECT_EQ(c.documentation, std::nullopt) << c.name << " v" << v;
    }
  }
}

TEST_F(DescribeConfigsTest, EveryVersionEncodes) {
  for (int16_t v = 1; v <= 4; ++v) {
    const auto r = describe(2, "t", std::vector<std::string>{"cleanup.policy"}, true, v);
    ASSERT_EQ(r.results[0].configs.size(), 1u) << "v" << v;
    EXPECT_EQ(r.results[0].configs[0].value, "compact");
  }
}

}  // namespace
}  // namespace samsa::broker::testing
