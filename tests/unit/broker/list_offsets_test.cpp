#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;
using Partition = ListOffsetsResponse::ListOffsetsPartitionResponse;

class ListOffsetsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("t", 2);
    append("t", 0, {100, 300, 200});  // offsets 0..2
    append("t", 0, {400, 50});        // offsets 3..4
  }

  Partition one(int64_t timestamp, int16_t version = 9, int32_t partition = 0,
                const std::string& topic = "t", int32_t leader_epoch = -1) {
    ListOffsetsRequest request;
    request.replica_id = -1;
    request.topics.push_back({topic, {{partition, leader_epoch, timestamp, {}}}, {}});
    const auto r = call<ListOffsetsResponse>(handle_list_offsets, request, version);
    EXPECT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].partitions.size(), 1u);
    return r.topics[0].partitions[0];
  }
};

TEST_F(ListOffsetsTest, LatestAndEarliest) {
  auto latest = one(-1);
  EXPECT_EQ(latest.error_code, 0);
  EXPECT_EQ(latest.offset, 5);
  EXPECT_EQ(latest.timestamp, -1);
  EXPECT_EQ(latest.leader_epoch, 0);
  auto earliest = one(-2);
  EXPECT_EQ(earliest.offset, 0);
  EXPECT_EQ(earliest.leader_epoch, 0);
  EXPECT_EQ(one(-4).offset, 0);        // earliest local: nothing is tiered
  EXPECT_EQ(one(-1, 9, 1).offset, 0);  // empty partition
}

TEST_F(ListOffsetsTest, ReadCommittedStopsAtTheHighWatermark) {
  ListOffsetsRequest request;
  request.isolation_level = 1;
  request.topics.push_back({"t", {{0, -1, -1, {}}}, {}});
  const auto r = call<ListOffsetsResponse>(handle_list_offsets, request, 5);
  EXPECT_EQ(r.topics[0].partitions[0].offset, 5);
}

// With a transaction open, read_committed (v2+) stops at its first offset.
TEST_F(ListOffsetsTest, ReadCommittedLatestIsTheLastStableOffset) {
  storage::BatchSpec spec;
  spec.producer_id = 5;
  spec.producer_epoch = 0;
  spec.base_sequence = 0;
  spec.transactional = true;
  const std::vector<storage::RecordSpec> records{{"k", "v", 600, {}}};
  std::vector<uint8_t> batch = storage::build_batch(spec, records);
  storage::AppendOptions options;
  options.now_ms = scheduler_.now_ms();
  storage::PartitionLog& log = *logs_->partition("t", 0);
  ASSERT_EQ(log.append(batch, options).error, ErrorCode::NONE);  // offset 5
  append("t", 0, {700});                                         // offset 6
  auto latest = [&](int8_t isolation, int16_t version) {
    ListOffsetsRequest request;
    request.isolation_level = isolation;
    request.topics.push_back({"t", {{0, -1, -1, {}}}, {}});
    return call<ListOffsetsResponse>(handle_list_offsets, request, version)
        .topics[0]
        .partitions[0]
        .offset;
  };
  EXPECT_EQ(latest(1, 5), 5);
  EXPECT_EQ(latest(0, 5), 7);
  EXPECT_EQ(latest(1, 1), 7);  // v1 has no isolation level
  ASSERT_EQ(log.append_marker(5, 0, storage::MarkerType::kCommit, 0, scheduler_.now_ms()).error,
            ErrorCode::NONE);
  EXPECT_EQ(latest(1, 5), 8);
}

TEST_F(ListOffsetsTest, ByTimestampFindsTheFirstRecordAtOrAfter) {
  auto r = one(150);
  EXPECT_EQ(r.offset, 1);
  EXPECT_EQ(r.timestamp, 300);
  EXPECT_EQ(r.leader_epoch, 0);
  EXPECT_EQ(one(350).offset, 3);
  auto none = one(1000);
  EXPECT_EQ(none.error_code, 0);
  EXPECT_EQ(none.offset, -1);
  EXPECT_EQ(none.timestamp, -1);
  EXPECT_EQ(none.leader_epoch, -1);
}

TEST_F(ListOffsetsTest, MaxTimestamp) {
  auto r = one(-3, 7);
  EXPECT_EQ(r.offset, 3);
  EXPECT_EQ(r.timestamp, 400);
  EXPECT_EQ(one(-3, 6).error_code, err(ErrorCode::UNSUPPORTED_VERSION));
}

TEST_F(ListOffsetsTest, LatestTieredIsNoOffset) {
  auto r = one(-5, 9);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.offset, -1);
  EXPECT_EQ(one(-5, 8).error_code, err(ErrorCode::UNSUPPORTED_VERSION));
}

TEST_F(ListOffsetsTest, LeaderEpochOnlyFromV4) {
  EXPECT_EQ(one(-1, 3).leader_epoch, -1);
  EXPECT_EQ(one(-1, 4).leader_epoch, 0);
}

TEST_F(ListOffsetsTest, Errors) {
  EXPECT_EQ(one(-1, 9, 0, "nope").error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(one(-1, 9, 2).error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(one(-1, 9, 0, "t", 5).error_code, err(ErrorCode::UNKNOWN_LEADER_EPOCH));
  EXPECT_EQ(one(-1, 9, 0, "t", 0).error_code, 0);

  ListOffsetsRequest request;
  request.topics.push_back({"t", {{0, -1, -1, {}}, {0, -1, -2, {}}, {1, -1, -1, {}}}, {}});
  const auto r = call<ListOffsetsResponse>(handle_list_offsets, request, 9);
  ASSERT_EQ(r.topics[0].partitions.size(), 3u);
  EXPECT_EQ(r.topics[0].partitions[0].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(r.topics[0].partitions[1].error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(r.topics[0].partitions[2].error_code, 0);
}

}  // namespace
}  // namespace samsa::broker::testing
