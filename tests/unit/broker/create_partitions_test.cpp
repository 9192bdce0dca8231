#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;
using Topic = CreatePartitionsRequest::CreatePartitionsTopic;

class CreatePartitionsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("t", 2);
  }

  CreatePartitionsResponse grow(std::vector<Topic> topics, bool validate_only = false,
                                int16_t version = 3) {
    CreatePartitionsRequest request;
    request.topics = std::move(topics);
    request.validate_only = validate_only;
    return call<CreatePartitionsResponse>(handle_create_partitions, request, version);
  }
};

TEST_F(CreatePartitionsTest, Grows) {
  const auto r = grow({{"t", 5, std::nullopt, {}}});
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_EQ(r.results[0].error_code, 0);
  EXPECT_EQ(r.results[0].error_message, std::nullopt);
  EXPECT_EQ(logs_->find_topic("t")->partition_count, 5);
  EXPECT_NE(logs_->partition("t", 4), nullptr);
}

TEST_F(CreatePartitionsTest, ValidateOnlyDoesNotGrow) {
  EXPECT_EQ(grow({{"t", 5, std::nullopt, {}}}, true).results[0].error_code, 0);
  EXPECT_EQ(logs_->find_topic("t")->partition_count, 2);
}

TEST_F(CreatePartitionsTest, NotAnIncrease) {
  auto r = grow({{"t", 2, std::nullopt, {}}});
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::INVALID_PARTITIONS));
  EXPECT_EQ(r.results[0].error_message, "Topic already has 2 partition(s).");
  r = grow({{"t", 1, std::nullopt, {}}});
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::INVALID_PARTITIONS));
}

TEST_F(CreatePartitionsTest, AssignmentsMustNameThisNodeOncePerNewPartition) {
  using A = CreatePartitionsRequest::CreatePartitionsAssignment;
  auto r = grow({{"t", 4, std::vector<A>{{{3}, {}}, {{3}, {}}}, {}}});
  EXPECT_EQ(r.results[0].error_code, 0);
  r = grow({{"t", 5, std::vector<A>{{{9}, {}}}, {}}});
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::INVALID_REPLICA_ASSIGNMENT));
  r = grow({{"t", 7, std::vector<A>{{{3}, {}}}, {}}});
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::INVALID_REPLICA_ASSIGNMENT));
  EXPECT_EQ(logs_->find_topic("t")->partition_count, 4);
}

TEST_F(CreatePartitionsTest, UnknownTopicAndDuplicates) {
  const auto r =
      grow({{"nope", 3, std::nullopt, {}}, {"t", 3, std::nullopt, {}}, {"t", 4, std::nullopt, {}}},
           false, 0);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(r.results[1].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(logs_->find_topic("t")->partition_count, 2);
}

}  // namespace
}  // namespace samsa::broker::testing
