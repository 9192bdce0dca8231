#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;

protocol::Uuid uuid_of(const storage::TopicMetadata* meta) {
  return *protocol::Uuid::from_base64(storage::topic_id_to_string(meta->topic_id));
}

class DeleteTopicsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("a", 2);
    create_topic("b", 1);
  }
};

TEST_F(DeleteTopicsTest, ByNameBeforeV6) {
  DeleteTopicsRequest request;
  request.topic_names = {"a", "nope"};
  const auto r = call<DeleteTopicsResponse>(handle_delete_topics, request, 5);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].name, "a");
  EXPECT_EQ(r.responses[0].error_code, 0);
  EXPECT_EQ(r.responses[0].error_message, std::nullopt);
  EXPECT_EQ(r.responses[1].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(logs_->find_topic("a"), nullptr);
  EXPECT_NE(logs_->find_topic("b"), nullptr);
}

TEST_F(DeleteTopicsTest, ByIdOrNameAtV6) {
  const protocol::Uuid b_id = uuid_of(logs_->find_topic("b"));
  DeleteTopicsRequest request;
  request.topics.push_back({std::nullopt, b_id, {}});
  request.topics.push_back({"a", {}, {}});
  request.topics.push_back({std::nullopt, protocol::Uuid{7, 7}, {}});
  request.topics.push_back({"a", b_id, {}});
  const auto r = call<DeleteTopicsResponse>(handle_delete_topics, request, 6);
  ASSERT_EQ(r.responses.size(), 4u);
  EXPECT_EQ(r.responses[0].error_code, 0);
  EXPECT_EQ(r.responses[0].name, "b");  // the name is reported for an id too
  EXPECT_EQ(r.responses[0].topic_id, b_id);
  EXPECT_EQ(r.responses[1].error_code, 0);
  EXPECT_FALSE(r.responses[1].topic_id.is_zero());
  EXPECT_EQ(r.responses[2].error_code, err(ErrorCode::UNKNOWN_TOPIC_ID));
  EXPECT_EQ(r.responses[3].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_TRUE(logs_->topics().empty());
}

TEST_F(DeleteTopicsTest, DuplicateNames) {
  DeleteTopicsRequest request;
  request.topic_names = {"a", "a"};
  const auto r = call<DeleteTopicsResponse>(handle_delete_topics, request, 4);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].error_code, 0);
  EXPECT_EQ(r.responses[1].error_code, err(ErrorCode::INVALID_REQUEST));
}

TEST_F(DeleteTopicsTest, InternalTopicsStay) {
  create_topic("__consumer_offsets", 1);
  DeleteTopicsRequest request;
  request.topic_names = {"__consumer_offsets"};
  const auto r = call<DeleteTopicsResponse>(handle_delete_topics, request, 5);
  EXPECT_EQ(r.responses[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_NE(logs_->find_topic("__consumer_offsets"), nullptr);
}

class DeletionDisabled : public AdminTest {
 protected:
  void SetUp() override {
    start({"delete.topic.enable=false"});
    create_topic("a", 1);
  }
};

TEST_F(DeletionDisabled, AnswersTopicDeletionDisabled) {
  DeleteTopicsRequest request;
  request.topic_names = {"a"};
  auto r = call<DeleteTopicsResponse>(handle_delete_topics, request, 3);
  EXPECT_EQ(r.responses[0].error_code, err(ErrorCode::TOPIC_DELETION_DISABLED));
  r = call<DeleteTopicsResponse>(handle_delete_topics, request, 2);
  EXPECT_EQ(r.responses[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_NE(logs_->find_topic("a"), nullptr);
}

}  // namespace
}  // namespace samsa::broker::testing
