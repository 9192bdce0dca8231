#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;
using Topic = DescribeLogDirsRequest::DescribableLogDirTopic;

class DescribeLogDirsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("a", 2);
    create_topic("b", 1);
    append("a", 1, {1, 2, 3});
  }

  DescribeLogDirsResponse::DescribeLogDirsResult describe(std::optional<std::vector<Topic>> topics,
                                                          int16_t version = 4) {
    DescribeLogDirsRequest request;
    request.topics = std::move(topics);
    const auto r = call<DescribeLogDirsResponse>(handle_describe_log_dirs, request, version);
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.results.size(), 1u);
    return r.results.empty() ? DescribeLogDirsResponse::DescribeLogDirsResult{} : r.results[0];
  }
};

TEST_F(DescribeLogDirsTest, AllPartitionsWithTheirSizes) {
  const auto dir = describe(std::nullopt);
  EXPECT_EQ(dir.error_code, 0);
  EXPECT_EQ(dir.log_dir, std::filesystem::absolute(dir_).lexically_normal().string());
  EXPECT_GT(dir.total_bytes, 0);
  EXPECT_GE(dir.usable_bytes, 0);
  EXPECT_LE(dir.usable_bytes, dir.total_bytes);
  ASSERT_EQ(dir.topics.size(), 2u);
  EXPECT_EQ(dir.topics[0].name, "a");
  ASSERT_EQ(dir.topics[0].partitions.size(), 2u);
  EXPECT_EQ(dir.topics[0].partitions[0].partition_size, 0);
  EXPECT_EQ(dir.topics[0].partitions[1].partition_index, 1);
  EXPECT_EQ(dir.topics[0].partitions[1].partition_size,
            static_cast<int64_t>(logs_->partition("a", 1)->size_bytes()));
  EXPECT_GT(dir.topics[0].partitions[1].partition_size, 0);
  EXPECT_EQ(dir.topics[0].partitions[1].offset_lag, 0);
  EXPECT_FALSE(dir.topics[0].partitions[1].is_future_key);
  EXPECT_EQ(dir.topics[1].name, "b");
}

TEST_F(DescribeLogDirsTest, OnlyRequestedPartitionsThatExist) {
  const auto dir = describe(std::vector<Topic>{{"a", {1, 7, 1}, {}}, {"nope", {0}, {}}}, 0);
  ASSERT_EQ(dir.topics.size(), 1u);
  ASSERT_EQ(dir.topics[0].partitions.size(), 1u);
  EXPECT_EQ(dir.topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(describe(std::vector<Topic>{}).topics.size(), 0u);
}

}  // namespace
}  // namespace samsa::broker::testing
