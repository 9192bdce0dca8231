#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DescribeTopicPartitionsRequest;
using protocol::DescribeTopicPartitionsResponse;

class DescribeTopicPartitionsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("a", 3);
    create_topic("b", 2);
    create_topic("c", 1);
  }

  DescribeTopicPartitionsResponse describe(
      std::vector<std::string> names, int32_t limit = 2000,
      std::optional<std::pair<std::string, int32_t>> cursor = std::nullopt) {
    DescribeTopicPartitionsRequest request;
    for (auto& n : names) request.topics.push_back({n, {}});
    request.response_partition_limit = limit;
    if (cursor)
      request.cursor = DescribeTopicPartitionsRequest::Cursor{cursor->first, cursor->second, {}};
    return call<DescribeTopicPartitionsResponse>(handle_describe_topic_partitions, request, 0);
  }
};

TEST_F(DescribeTopicPartitionsTest, NamedTopicsSortedWithEmptyElrArrays) {
  const auto r = describe({"b", "nope", "a"});
  ASSERT_EQ(r.topics.size(), 3u);
  EXPECT_EQ(r.topics[0].name, "a");
  EXPECT_EQ(r.topics[1].name, "b");
  EXPECT_EQ(r.topics[2].name, "nope");
  EXPECT_EQ(r.topics[2].error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_FALSE(r.next_cursor.has_value());
  const auto& a = r.topics[0];
  EXPECT_EQ(a.error_code, 0);
  EXPECT_FALSE(a.topic_id.is_zero());
  EXPECT_EQ(a.topic_authorized_operations, 3576);
  ASSERT_EQ(a.partitions.size(), 3u);
  for (const auto& p : a.partitions) {
    EXPECT_EQ(p.leader_id, 3);
    EXPECT_EQ(p.leader_epoch, 0);
    EXPECT_EQ(p.replica_nodes, std::vector<int32_t>{3});
    EXPECT_EQ(p.isr_nodes, std::vector<int32_t>{3});
    ASSERT_TRUE(p.eligible_leader_replicas.has_value());
    EXPECT_TRUE(p.eligible_leader_replicas->empty());
    ASSERT_TRUE(p.last_known_elr.has_value());
    EXPECT_TRUE(p.last_known_elr->empty());
    EXPECT_TRUE(p.offline_replicas.empty());
  }
}

TEST_F(DescribeTopicPartitionsTest, PagesAllTopicsWithACursor) {
  // 6 partitions in all, 4 per page: a0-a2 b0 | b1 c0.
  auto r = describe({}, 4);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions.size(), 3u);
  ASSERT_EQ(r.topics[1].partitions.size(), 1u);
  ASSERT_TRUE(r.next_cursor.has_value());
  EXPECT_EQ(r.next_cursor->topic_name, "b");
  EXPECT_EQ(r.next_cursor->partition_index, 1);

  r = describe({}, 4, std::pair<std::string, int32_t>{"b", 1});
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].name, "b");
  ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  EXPECT_EQ(r.topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(r.topics[1].name, "c");
  EXPECT_FALSE(r.next_cursor.has_value());
}

TEST_F(DescribeTopicPartitionsTest, CursorAtATopicBoundary) {
  const auto r = describe({}, 3);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_TRUE(r.next_cursor.has_value());
  EXPECT_EQ(r.next_cursor->topic_name, "b");
  EXPECT_EQ(r.next_cursor->partition_index, 0);
}

TEST_F(DescribeTopicPartitionsTest, CursorTopicMustBeRequested) {
  const auto r = describe({"a"}, 10, std::pair<std::string, int32_t>{"b", 0});
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, err(ErrorCode::INVALID_REQUEST));
}

}  // namespace
}  // namespace samsa::broker::testing
