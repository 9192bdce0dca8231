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
                                   bool synonyms = false, int16_t version = 4) {
    DescribeConfigsRequest request;
    request.resources.push_back({type, std::move(name), std::move(keys), {}});
    request.include_synonyms = synonyms;
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
  const auto r = describe(2, "t",
                          std::vector<std::string>{"delete.retention.ms", "segment.ms",
                                                   "segment.bytes"},
                          true);
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

TEST_F(DescribeConfigsTest, EveryVersionEncodes) {
  for (int16_t v = 1; v <= 4; ++v) {
    const auto r = describe(2, "t", std::vector<std::string>{"cleanup.policy"}, true, v);
    ASSERT_EQ(r.results[0].configs.size(), 1u) << "v" << v;
    EXPECT_EQ(r.results[0].configs[0].value, "compact");
  }
}

}  // namespace
}  // namespace samsa::broker::testing
