#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::AlterConfigsRequest;
using protocol::AlterConfigsResponse;
using protocol::IncrementalAlterConfigsRequest;
using protocol::IncrementalAlterConfigsResponse;

constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;
constexpr int8_t kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3;

struct Outcome {
  int16_t error = -1;
  std::optional<std::string> message;
};

class AlterConfigsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("t", 1, {{"retention.ms", "1000"}, {"segment.bytes", "100000"}});
  }

  // AlterConfigs (legacy) of one resource.
  Outcome replace(int8_t type, const std::string& name,
                  std::vector<std::pair<std::string, std::optional<std::string>>> configs,
                  bool validate_only = false, int16_t version = 2) {
    AlterConfigsRequest request;
    AlterConfigsRequest::AlterConfigsResource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    for (auto& [k, v] : configs) resource.configs.push_back({k, v, {}});
    request.resources.push_back(std::move(resource));
    request.validate_only = validate_only;
    const auto r = call<AlterConfigsResponse>(handle_alter_configs, request, version);
    EXPECT_EQ(r.responses.size(), 1u);
    if (r.responses.empty()) return {};
    EXPECT_EQ(r.responses[0].resource_type, type);
    EXPECT_EQ(r.responses[0].resource_name, name);
    return {r.responses[0].error_code, r.responses[0].error_message};
  }

  struct Op {
    std::string name;
    int8_t op;
    std::optional<std::string> value;
  };
  // IncrementalAlterConfigs of one resource.
  Outcome alter(int8_t type, const std::string& name, std::vector<Op> ops,
                bool validate_only = false, int16_t version = 1) {
    IncrementalAlterConfigsRequest request;
    IncrementalAlterConfigsRequest::AlterConfigsResource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    for (auto& o : ops) resource.configs.push_back({o.name, o.op, o.value, {}});
    request.resources.push_back(std::move(resource));
    request.validate_only = validate_only;
    const auto r =
        call<IncrementalAlterConfigsResponse>(handle_incremental_alter_configs, request, version);
    EXPECT_EQ(r.responses.size(), 1u);
    if (r.responses.empty()) return {};
    return {r.responses[0].error_code, r.responses[0].error_message};
  }

  storage::ConfigMap overrides() { return logs_->find_topic("t")->config_overrides; }
};

TEST_F(AlterConfigsTest, LegacyFormReplacesEveryOverride) {
  const Outcome r = replace(kTopic, "t", {{"retention.ms", "5000"}, {"cleanup.policy", "compact"}});
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(r.message, std::nullopt);
  EXPECT_EQ(overrides(), (storage::ConfigMap{{"cleanup.policy", "compact"},
                                             {"retention.ms", "5000"}}));  // segment.bytes gone
  EXPECT_EQ(logs_->topic_config("t")->retention_ms, 5000);
  EXPECT_EQ(logs_->partition("t", 0)->config().cleanup_policy, "compact");
  EXPECT_EQ(logs_->topic_config("t")->segment_bytes, 1073741824);  // back to the default
}

TEST_F(AlterConfigsTest, ValidateOnlyChangesNothing) {
  EXPECT_EQ(replace(kTopic, "t", {{"retention.ms", "5000"}}, true, 0).error, 0);
  EXPECT_EQ(alter(kTopic, "t", {{"retention.ms", kDelete, std::nullopt}}, true, 0).error, 0);
  EXPECT_EQ(overrides().at("retention.ms"), "1000");
}

TEST_F(AlterConfigsTest, LegacyErrorsAsKafkaAnswersThem) {
  Outcome r = replace(kTopic, "t", {{"retention.ms", std::nullopt}, {"segment.ms", std::nullopt}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(r.message, "Null value not supported for : retention.ms, segment.ms");
  r = replace(kTopic, "t", {{"retention.ms", "1"}, {"retention.ms", "2"}});
  EXPECT_EQ(r.message, "Error due to duplicate config keys");
  r = replace(kTopic, "t", {{"no.such.key", "1"}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_CONFIG));
  r = replace(kTopic, "t", {{"retention.ms", "soon"}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_CONFIG));
  r = replace(kTopic, "nope", {{"retention.ms", "1"}});
  EXPECT_EQ(r.error, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  r = replace(kTopic, "", {});
  EXPECT_EQ(r.message, "Default topic resources are not allowed.");
  EXPECT_EQ(replace(kTopic, "bad/name", {}).error, err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(replace(9, "t", {}).message, "Unknown resource type 9");
  EXPECT_EQ(overrides().at("retention.ms"), "1000");  // nothing changed
}

TEST_F(AlterConfigsTest, BrokerSettingsAreStatic) {
  EXPECT_EQ(replace(kBroker, "3", {}).error, 0);  // node.id=3 in the fixture
  EXPECT_EQ(replace(kBroker, "", {}).error, 0);
  Outcome r = replace(kBroker, "3", {{"log.retention.ms", "1"}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_REQUEST));
  EXPECT_NE(r.message->find("Cannot update these configs dynamically: log.retention.ms"),
            std::string::npos);
  EXPECT_EQ(replace(kBroker, "7", {}).message, "Unexpected broker id, expected 3, but received 7");
  EXPECT_EQ(alter(kBroker, "x", {}).message, "Node id must be an integer, but it is: x");
}

TEST_F(AlterConfigsTest, EachResourceAtMostOnce) {
  AlterConfigsRequest request;
  request.resources.push_back({kTopic, "t", {{"retention.ms", "7", {}}}, {}});
  request.resources.push_back({kBroker, "3", {}, {}});
  request.resources.push_back({kTopic, "t", {}, {}});
  const auto r = call<AlterConfigsResponse>(handle_alter_configs, request, 1);
  ASSERT_EQ(r.responses.size(), 3u);
  EXPECT_EQ(r.responses[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(r.responses[0].error_message, "Each resource must appear at most once.");
  EXPECT_EQ(r.responses[1].error_code, 0);
  EXPECT_EQ(r.responses[2].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(overrides().at("retention.ms"), "1000");
}

TEST_F(AlterConfigsTest, IncrementalSetAndDeleteTouchOnlyTheirKeys) {
  const Outcome r = alter(kTopic, "t",
                          {{"retention.ms", kSet, "9000"},
                           {"segment.bytes", kDelete, std::nullopt},
                           {"max.message.bytes", kSet, "2048"}});
  EXPECT_EQ(r.error, 0);
  EXPECT_EQ(overrides(),
            (storage::ConfigMap{{"max.message.bytes", "2048"}, {"retention.ms", "9000"}}));
  EXPECT_EQ(logs_->partition("t", 0)->config().max_message_bytes, 2048);
  // Deleting a key that has no override is fine.
  EXPECT_EQ(alter(kTopic, "t", {{"segment.ms", kDelete, std::nullopt}}).error, 0);
}

TEST_F(AlterConfigsTest, IncrementalAppendAndSubtractOnLists) {
  // cleanup.policy starts from its default, "delete".
  EXPECT_EQ(alter(kTopic, "t", {{"cleanup.policy", kAppend, "compact"}}).error, 0);
  EXPECT_EQ(overrides().at("cleanup.policy"), "delete,compact");
  EXPECT_EQ(alter(kTopic, "t", {{"cleanup.policy", kAppend, "compact,delete"}}).error, 0);
  EXPECT_EQ(overrides().at("cleanup.policy"), "delete,compact");
  EXPECT_EQ(alter(kTopic, "t", {{"cleanup.policy", kSubtract, "delete"}}).error, 0);
  EXPECT_EQ(overrides().at("cleanup.policy"), "compact");

  Outcome r = alter(kTopic, "t", {{"retention.ms", kAppend, "1"}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_CONFIG));
  EXPECT_EQ(r.message, "Config value append is not allowed for config key: retention.ms");
  r = alter(kTopic, "t", {{"retention.ms", kSubtract, "1"}});
  EXPECT_EQ(r.message, "Config value subtract is not allowed for config key: retention.ms");
  r = alter(kTopic, "t", {{"retention.ms", 7, "1"}});
  EXPECT_EQ(r.error, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(r.message, "Unknown operations type 7");
  r = alter(kTopic, "t", {{"retention.ms", kSet, std::nullopt}});
  EXPECT_EQ(r.message, "Null value not supported for : retention.ms");
}

TEST_F(AlterConfigsTest, OverridesSurviveARestart) {
  ASSERT_EQ(alter(kTopic, "t", {{"retention.ms", kSet, "4242"}}).error, 0);
  logs_->shutdown();
  logs_.reset();
  storage::LogManagerOptions options;
  options.log_dirs = dir_.string();
  options.post_to_loop = [](std::function<void()>) {};
  logs_ = storage::LogManager::open(std::move(options));
  EXPECT_EQ(logs_->find_topic("t")->config_overrides.at("retention.ms"), "4242");
  EXPECT_EQ(logs_->topic_config("t")->retention_ms, 4242);
}

}  // namespace
}  // namespace samsa::broker::testing
