#include "admin_test_util.h"

namespace samsa::broker::testing {
namespace {

using protocol::DescribeProducersRequest;
using protocol::DescribeProducersResponse;

class DescribeProducersTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    create_topic("t", 2);
    produce(0, 900, 2, 0, 3, 1000);  // sequences 0..2
    produce(0, 900, 2, 3, 2, 1500);  // sequences 3..4
    produce(0, 700, 0, 0, 1, 1200);  // another producer
    produce(1, 900, 2, 0, 1, 2000);
    append("t", 1, {5});  // not idempotent: no producer state
  }

  void produce(int32_t partition, int64_t producer_id, int16_t epoch, int32_t base_sequence,
               int records, int64_t timestamp) {
    storage::BatchSpec spec;
    spec.producer_id = producer_id;
    spec.producer_epoch = epoch;
    spec.base_sequence = base_sequence;
    std::vector<storage::RecordSpec> specs(static_cast<size_t>(records),
                                           storage::RecordSpec{"k", "v", timestamp, {}});
    std::vector<uint8_t> batch = storage::build_batch(spec, specs);
    storage::AppendOptions options;
    options.now_ms = scheduler_.now_ms();
    const auto r = logs_->partition("t", partition)->append(batch, options);
    ASSERT_EQ(r.error, ErrorCode::NONE) << r.error_message;
  }

  DescribeProducersResponse describe(std::vector<DescribeProducersRequest::TopicRequest> topics) {
    DescribeProducersRequest request;
    request.topics = std::move(topics);
    return call<DescribeProducersResponse>(handle_describe_producers, request, 0);
  }
};

TEST_F(DescribeProducersTest, EveryProducerWithItsLastBatch) {
  const auto r = describe({{"t", {0, 1}, {}}});
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  const auto& p0 = r.topics[0].partitions[0];
  EXPECT_EQ(p0.error_code, 0);
  ASSERT_EQ(p0.active_producers.size(), 2u);
  EXPECT_EQ(p0.active_producers[0].producer_id, 700);  // by producer id
  EXPECT_EQ(p0.active_producers[0].producer_epoch, 0);
  EXPECT_EQ(p0.active_producers[0].last_sequence, 0);
  EXPECT_EQ(p0.active_producers[0].last_timestamp, 1200);
  EXPECT_EQ(p0.active_producers[1].producer_id, 900);
  EXPECT_EQ(p0.active_producers[1].producer_epoch, 2);
  EXPECT_EQ(p0.active_producers[1].last_sequence, 4);
  EXPECT_EQ(p0.active_producers[1].last_timestamp, 1500);
  EXPECT_EQ(p0.active_producers[1].coordinator_epoch, -1);
  EXPECT_EQ(p0.active_producers[1].current_txn_start_offset, -1);
  const auto& p1 = r.topics[0].partitions[1];
  ASSERT_EQ(p1.active_producers.size(), 1u);
  EXPECT_EQ(p1.active_producers[0].last_sequence, 0);
}

TEST_F(DescribeProducersTest, OngoingTransactionAndCoordinatorEpoch) {
  storage::PartitionLog& log = *logs_->partition("t", 1);
  storage::BatchSpec spec;
  spec.producer_id = 950;
  spec.producer_epoch = 1;
  spec.base_sequence = 0;
  spec.transactional = true;
  const std::vector<storage::RecordSpec> records{{"k", "v", 3000, {}}};
  std::vector<uint8_t> batch = storage::build_batch(spec, records);
  storage::AppendOptions options;
  options.now_ms = scheduler_.now_ms();
  const auto begun = log.append(batch, options);
  ASSERT_EQ(begun.error, ErrorCode::NONE);
  auto producer = [&]() {
    const auto r = describe({{"t", {1}, {}}});
    for (const auto& s : r.topics.at(0).partitions.at(0).active_producers)
      if (s.producer_id == 950) return s;
    ADD_FAILURE() << "producer 950 not listed";
    return DescribeProducersResponse::ProducerState{};
  };
  EXPECT_EQ(producer().current_txn_start_offset, begun.base_offset);
  EXPECT_EQ(producer().coordinator_epoch, -1);
  ASSERT_EQ(log.append_marker(950, 1, storage::MarkerType::kCommit, 17, scheduler_.now_ms()).error,
            ErrorCode::NONE);
  EXPECT_EQ(producer().current_txn_start_offset, -1);
  EXPECT_EQ(producer().coordinator_epoch, 17);
  EXPECT_EQ(producer().producer_epoch, 1);
}

TEST_F(DescribeProducersTest, UnknownPartitionsAndEmptyOnes) {
  create_topic("quiet", 1);
  const auto r = describe({{"t", {5}, {}}, {"nope", {0}, {}}, {"quiet", {0}, {}}});
  ASSERT_EQ(r.topics.size(), 3u);
  EXPECT_EQ(r.topics[0].partitions.at(0).error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(r.topics[1].partitions.at(0).error_code, err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(r.topics[2].partitions.at(0).error_code, 0);
  EXPECT_TRUE(r.topics[2].partitions[0].active_producers.empty());
}

}  // namespace
}  // namespace samsa::broker::testing
