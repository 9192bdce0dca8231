#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;
using Result = DeleteRecordsResponse::DeleteRecordsPartitionResult;

class DeleteRecordsTest : public AdminTest {
 protected:
  void SetUp() override {
    // Small segments, so that deleting records also deletes whole segments.
    start({"log.segment.bytes=200"});
    create_topic("t", 2);
    for (int i = 0; i < 10; ++i) append("t", 0, {100 + i});  // offsets 0..9
  }

  Result one(const std::string& topic, int32_t partition, int64_t offset, int16_t version = 2) {
    DeleteRecordsRequest request;
    request.topics.push_back({topic, {{partition, offset, {}}}, {}});
    request.timeout_ms = 30000;
    const auto r = call<DeleteRecordsResponse>(handle_delete_records, request, version);
    EXPECT_EQ(r.topics.size(), 1u);
    if (r.topics.empty() || r.topics[0].partitions.size() != 1) return {};
    EXPECT_EQ(r.topics[0].name, topic);
    return r.topics[0].partitions[0];
  }
};

TEST_F(DeleteRecordsTest, MovesTheLogStartAndDeletesWholeSegmentsBelowIt) {
  storage::PartitionLog& log = *logs_->partition("t", 0);
  const size_t segments = log.segment_count();
  ASSERT_GT(segments, 3u);
  const Result r = one("t", 0, 6, 0);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.partition_index, 0);
  EXPECT_EQ(r.low_watermark, 6);
  EXPECT_EQ(log.log_start_offset(), 6);
  EXPECT_LT(log.segment_count(), segments);
  EXPECT_EQ(log.read(5, 1 << 20, true).error, ErrorCode::OFFSET_OUT_OF_RANGE);
  const auto from_start = log.read(6, 1 << 20, true);
  EXPECT_EQ(from_start.error, ErrorCode::NONE);
  EXPECT_EQ(from_start.log_start_offset, 6);

  // An offset at or below the start changes nothing and still answers the start.
  const Result again = one("t", 0, 2);
  EXPECT_EQ(again.error_code, 0);
  EXPECT_EQ(again.low_watermark, 6);
}

TEST_F(DeleteRecordsTest, MinusOneMeansTheHighWatermark) {
  const Result r = one("t", 0, -1);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.low_watermark, 10);
  EXPECT_EQ(logs_->partition("t", 0)->log_start_offset(), 10);
  EXPECT_EQ(one("t", 1, -1).low_watermark, 0);  // empty partition
}

TEST_F(DeleteRecordsTest, ErrorsAsKafkaAnswersThem) {
  EXPECT_EQ(one("t", 0, 11).error_code, err(ErrorCode::OFFSET_OUT_OF_RANGE));
  EXPECT_EQ(one("t", 0, -2).error_code, err(ErrorCode::OFFSET_OUT_OF_RANGE));
  const Result unknown = one("nope", 0, 1);
  EXPECT_EQ(unknown.error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(unknown.low_watermark, -1);
  EXPECT_EQ(one("t", 2, 1).error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));

  create_topic("compacted", 1, {{"cleanup.policy", "compact"}});
  append("compacted", 0, {1, 2});
  EXPECT_EQ(one("compacted", 0, 1).error_code, err(ErrorCode::POLICY_VIOLATION));
  create_topic("both", 1, {{"cleanup.policy", "compact,delete"}});
  append("both", 0, {1, 2});
  EXPECT_EQ(one("both", 0, 1).error_code, 0);

  create_topic("__consumer_offsets", 1);
  append("__consumer_offsets", 0, {1});
  EXPECT_EQ(one("__consumer_offsets", 0, 1).error_code, err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(logs_->partition("t", 0)->log_start_offset(), 0);
}

}  // namespace
}  // namespace samsa::broker::testing
