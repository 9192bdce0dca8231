#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

class MetadataTest : public AdminTest {
 protected:
  void SetUp() override { start(); }

  MetadataResponse metadata(std::optional<std::vector<std::string>> names, int16_t version,
                            bool allow_auto_create = true) {
    MetadataRequest request;
    if (names) {
      request.topics.emplace();
      for (auto& n : *names) request.topics->push_back({{}, n, {}});
    } else {
      request.topics.reset();
    }
    request.allow_auto_topic_creation = allow_auto_create;
    return call<MetadataResponse>(handle_metadata, request, version);
  }
};

TEST_F(MetadataTest, DescribesThisNodeAsBrokerAndController) {
  const auto r = metadata(std::nullopt, 12);
  ASSERT_EQ(r.brokers.size(), 1u);
  EXPECT_EQ(r.brokers[0].node_id, 3);
  EXPECT_EQ(r.brokers[0].host, "broker.example");
  EXPECT_EQ(r.brokers[0].port, 19092);  // the bound port, not the configured 0
  EXPECT_EQ(r.brokers[0].rack, std::nullopt);
  EXPECT_EQ(r.cluster_id, "test-cluster-id");
  EXPECT_EQ(r.controller_id, 3);
  EXPECT_TRUE(r.topics.empty());
  EXPECT_EQ(r.cluster_authorized_operations, INT32_MIN);
}

TEST_F(MetadataTest, NullListMeansAllTopicsWithPartitionDetails) {
  create_topic("b", 2);
  create_topic("a", 1);
  const auto r = metadata(std::nullopt, 12);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "a");
  EXPECT_EQ(r.topics[1].name, "b");
  const auto& b = r.topics[1];
  EXPECT_EQ(b.error_code, 0);
  EXPECT_FALSE(b.is_internal);
  EXPECT_EQ(b.topic_id.to_base64(), storage::topic_id_to_string(logs_->find_topic("b")->topic_id));
  EXPECT_EQ(b.topic_authorized_operations, INT32_MIN);
  ASSERT_EQ(b.partitions.size(), 2u);
  for (int32_t p = 0; p < 2; ++p) {
    EXPECT_EQ(b.partitions[p].partition_index, p);
    EXPECT_EQ(b.partitions[p].leader_id, 3);
    EXPECT_EQ(b.partitions[p].leader_epoch, 0);
    EXPECT_EQ(b.partitions[p].replica_nodes, std::vector<int32_t>{3});
    EXPECT_EQ(b.partitions[p].isr_nodes, std::vector<int32_t>{3});
    EXPECT_TRUE(b.partitions[p].offline_replicas.empty());
  }
}

TEST_F(MetadataTest, V0EmptyListMeansAllButV1EmptyListMeansNone) {
  create_topic("t", 1);
  EXPECT_EQ(metadata(std::vector<std::string>{}, 0).topics.size(), 1u);
  EXPECT_EQ(metadata(std::vector<std::string>{}, 1).topics.size(), 0u);
}

TEST_F(MetadataTest, AutoCreatesAMissingTopicAndAnswersItDirectly) {
  const auto r = metadata(std::vector<std::string>{"fresh"}, 9);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].partitions.size(), 1u);  // num.partitions
  ASSERT_NE(logs_->find_topic("fresh"), nullptr);
}

TEST_F(MetadataTest, NoAutoCreationWhenTheRequestForbidsIt) {
  const auto r = metadata(std::vector<std::string>{"missing"}, 9, false);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(logs_->find_topic("missing"), nullptr);
  // Before v4 the flag does not exist: creation is always allowed.
  EXPECT_EQ(metadata(std::vector<std::string>{"missing"}, 3, false).topics[0].error_code, 0);
}

TEST_F(MetadataTest, InvalidNamesAreRejectedNotCreated) {
  const auto r = metadata(std::vector<std::string>{"bad name!", ".."}, 9);
  ASSERT_EQ(r.topics.size(), 2u);
  for (const auto& t : r.topics) EXPECT_EQ(t.error_code, err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_TRUE(logs_->topics().empty());
}

TEST_F(MetadataTest, InternalTopicsAreNotAutoCreated) {
  const auto r = metadata(std::vector<std::string>{"__consumer_offsets"}, 9);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_TRUE(r.topics[0].is_internal);
}

TEST_F(MetadataTest, TopicsByIdAtV12) {
  create_topic("by-id", 3);
  MetadataRequest request;
  request.topics.emplace();
  const auto id = logs_->find_topic("by-id")->topic_id;
  protocol::Uuid uuid = *protocol::Uuid::from_base64(storage::topic_id_to_string(id));
  request.topics->push_back({uuid, std::nullopt, {}});
  protocol::Uuid unknown{1234, 5678};
  request.topics->push_back({unknown, std::nullopt, {}});
  const auto r = call<MetadataResponse>(handle_metadata, request, 12);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "by-id");
  EXPECT_EQ(r.topics[0].partitions.size(), 3u);
  EXPECT_EQ(r.topics[1].error_code, err(ErrorCode::UNKNOWN_TOPIC_ID));
  EXPECT_EQ(r.topics[1].name, std::nullopt);
  EXPECT_EQ(r.topics[1].topic_id, unknown);

  // Before v12 Kafka rejects ids and null names.
  MetadataRequest old;
  old.topics.emplace();
  old.topics->push_back({{}, std::nullopt, {}});
  const auto r11 = call<MetadataResponse>(handle_metadata, old, 11);
  ASSERT_EQ(r11.topics.size(), 1u);
  EXPECT_EQ(r11.topics[0].error_code, err(ErrorCode::INVALID_REQUEST));
}

TEST_F(MetadataTest, AuthorizedOperationsOnlyWhenAsked) {
  create_topic("t", 1);
  MetadataRequest request;
  request.topics.reset();
  request.include_cluster_authorized_operations = true;
  request.include_topic_authorized_operations = true;
  const auto r = call<MetadataResponse>(handle_metadata, request, 10);
  EXPECT_EQ(r.cluster_authorized_operations, 8096);
  EXPECT_EQ(r.topics[0].topic_authorized_operations, 3576);
}

TEST_F(MetadataTest, EveryVersionEncodes) {
  create_topic("t", 2);
  for (int16_t v = 0; v <= 12; ++v) {
    const auto r = metadata(std::vector<std::string>{"t"}, v);
    ASSERT_EQ(r.topics.size(), 1u) << "v" << v;
    EXPECT_EQ(r.topics[0].partitions.size(), 2u) << "v" << v;
  }
}

}  // namespace
}  // namespace samsa::broker::testing

namespace samsa::broker::testing {
namespace {

class MetadataNoAutoCreate : public AdminTest {
 protected:
  void SetUp() override { start({"auto.create.topics.enable=false"}); }
};

TEST_F(MetadataNoAutoCreate, BrokerSettingDisablesAutoCreation) {
  MetadataRequest request;
  request.topics.emplace();
  request.topics->push_back({{}, "nope", {}});
  const auto r = call<protocol::MetadataResponse>(handle_metadata, request, 2);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(logs_->find_topic("nope"), nullptr);
}

}  // namespace
}  // namespace samsa::broker::testing
