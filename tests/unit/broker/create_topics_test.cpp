#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::CreateTopicsRequest;
using protocol::CreateTopicsResponse;
using Topic = CreateTopicsRequest::CreatableTopic;

Topic topic(std::string name, int32_t partitions, int16_t rf = -1) {
  Topic t;
  t.name = std::move(name);
  t.num_partitions = partitions;
  t.replication_factor = rf;
  return t;
}

class CreateTopicsTest : public AdminTest {
 protected:
  void SetUp() override { start({"log.retention.hours=24"}); }

  CreateTopicsResponse create(std::vector<Topic> topics, int16_t version = 7,
                              bool validate_only = false) {
    CreateTopicsRequest request;
    request.topics = std::move(topics);
    request.validate_only = validate_only;
    return call<CreateTopicsResponse>(handle_create_topics, request, version);
  }

  static const CreateTopicsResponse::CreatableTopicConfigs* config(
      const CreateTopicsResponse::CreatableTopicResult& r, const std::string& name) {
    if (!r.configs) return nullptr;
    for (const auto& c : *r.configs)
      if (c.name == name) return &c;
    return nullptr;
  }
};

TEST_F(CreateTopicsTest, CreatesAndDescribesTheTopic) {
  Topic t = topic("orders", 3, 1);
  t.configs.push_back({"cleanup.policy", "delete", {}});
  t.configs.push_back({"retention.ms", "1000", {}});
  const auto r = create({t});
  ASSERT_EQ(r.topics.size(), 1u);
  const auto& res = r.topics[0];
  EXPECT_EQ(res.error_code, 0);
  EXPECT_EQ(res.error_message, std::nullopt);
  EXPECT_EQ(res.num_partitions, 3);
  EXPECT_EQ(res.replication_factor, 1);
  const auto* meta = logs_->find_topic("orders");
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->partition_count, 3);
  EXPECT_EQ(res.topic_id.to_base64(), storage::topic_id_to_string(meta->topic_id));

  // Every topic config, with a value and a valid source.
  ASSERT_TRUE(res.configs.has_value());
  EXPECT_EQ(res.configs->size(), storage::LogConfig::topic_keys().size());
  for (const auto& c : *res.configs) {
    EXPECT_TRUE(c.value.has_value()) << c.name;
    EXPECT_GE(c.config_source, 1) << c.name;
    EXPECT_LE(c.config_source, 5) << c.name;
    EXPECT_FALSE(c.read_only);
    EXPECT_FALSE(c.is_sensitive);
  }
  EXPECT_EQ(config(res, "retention.ms")->value, "1000");
  EXPECT_EQ(config(res, "retention.ms")->config_source, 1);   // topic override
  EXPECT_EQ(config(res, "segment.bytes")->config_source, 5);  // default
  EXPECT_EQ(config(res, "segment.bytes")->value, "1073741824");
}

TEST_F(CreateTopicsTest, ServerPropertiesAreStaticBrokerConfig) {
  const auto r = create({topic("t", 1)});
  const auto* retention = config(r.topics[0], "retention.ms");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->value, "86400000");
  // As Kafka reports it: the value follows log.retention.hours, but its synonym list
  // starts at log.retention.ms, which is unset and has no default, so the source is
  // DEFAULT_CONFIG.
  EXPECT_EQ(retention->config_source, 5);
}

TEST_F(CreateTopicsTest, DefaultsForMinusOne) {
  const auto r = create({topic("d", -1, -1)});
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].num_partitions, 1);
  EXPECT_EQ(r.topics[0].replication_factor, 1);
}

TEST_F(CreateTopicsTest, ReplicationFactorAboveOneIsClampedByDefault) {
  const auto r = create({topic("rf3", 2, 3)});
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].replication_factor, 1);
  EXPECT_NE(logs_->find_topic("rf3"), nullptr);
}

TEST_F(CreateTopicsTest, AlreadyExistsAndDuplicates) {
  create_topic("x", 1);
  const auto r = create({topic("x", 1), topic("y", 1), topic("y", 2)});
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::TOPIC_ALREADY_EXISTS));
  EXPECT_EQ(r.topics[0].error_message, "Topic 'x' already exists.");
  EXPECT_EQ(r.topics[0].num_partitions, -1);
  EXPECT_EQ(r.topics[1].name, "y");
  EXPECT_EQ(r.topics[1].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(logs_->find_topic("y"), nullptr);
}

TEST_F(CreateTopicsTest, InvalidRequestsAreExplained) {
  Topic bad_config = topic("c", 1);
  bad_config.configs.push_back({"retention.ms", "soon", {}});
  Topic unknown_config = topic("u", 1);
  unknown_config.configs.push_back({"no.such.key", "1", {}});
  const auto r = create(
      {topic("bad name", 1), topic("zero", 0), topic("rf0", 1, 0), bad_config, unknown_config});
  ASSERT_EQ(r.topics.size(), 5u);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(r.topics[1].error_code, err(ErrorCode::INVALID_PARTITIONS));
  EXPECT_EQ(r.topics[2].error_code, err(ErrorCode::INVALID_REPLICATION_FACTOR));
  EXPECT_EQ(r.topics[3].error_code, err(ErrorCode::INVALID_CONFIG));
  EXPECT_EQ(r.topics[4].error_code, err(ErrorCode::INVALID_CONFIG));
  for (const auto& t : r.topics) {
    EXPECT_TRUE(t.error_message && !t.error_message->empty()) << t.name;
    EXPECT_EQ(logs_->find_topic(t.name), nullptr);
  }
}

TEST_F(CreateTopicsTest, ManualAssignmentsMayOnlyNameThisNode) {
  Topic good = topic("good", -1, -1);
  good.assignments = {{0, {3}, {}}, {1, {3}, {}}};
  Topic other = topic("other", -1, -1);
  other.assignments = {{0, {4}, {}}};
  Topic gap = topic("gap", -1, -1);
  gap.assignments = {{0, {3}, {}}, {2, {3}, {}}};
  Topic with_count = topic("count", 2, -1);
  with_count.assignments = {{0, {3}, {}}};
  const auto r = create({good, other, gap, with_count});
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].num_partitions, 2);
  EXPECT_EQ(r.topics[1].error_code, err(ErrorCode::INVALID_REPLICA_ASSIGNMENT));
  EXPECT_EQ(r.topics[2].error_code, err(ErrorCode::INVALID_REPLICA_ASSIGNMENT));
  EXPECT_EQ(r.topics[3].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(logs_->find_topic("good")->partition_count, 2);
}

TEST_F(CreateTopicsTest, ValidateOnlyCreatesNothing) {
  Topic t = topic("v", 4);
  t.configs.push_back({"retention.ms", "5000", {}});
  const auto r = create({t}, 7, true);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].num_partitions, 4);
  EXPECT_EQ(config(r.topics[0], "retention.ms")->value, "5000");
  EXPECT_EQ(logs_->find_topic("v"), nullptr);
}

TEST_F(CreateTopicsTest, OldVersionsEncode) {
  for (int16_t v = 2; v <= 7; ++v) {
    const auto r = create({topic("v" + std::to_string(v), 1)}, v);
    EXPECT_EQ(r.topics[0].error_code, 0) << "v" << v;
  }
}

class CreateTopicsRejectRf : public CreateTopicsTest {
 protected:
  void SetUp() override { start({"samsa.replication.factor.policy=reject"}); }
};

TEST_F(CreateTopicsRejectRf, ReplicationFactorAboveOneIsRejected) {
  const auto r = create({topic("rf3", 1, 3)});
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::INVALID_REPLICATION_FACTOR));
  ASSERT_TRUE(r.topics[0].error_message.has_value());
  EXPECT_NE(r.topics[0].error_message->find("only 1 broker"), std::string::npos);
  EXPECT_EQ(logs_->find_topic("rf3"), nullptr);
}

}  // namespace
}  // namespace samsa::broker::testing
