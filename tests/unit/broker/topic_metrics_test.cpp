// The per-topic counters the Produce and Fetch handlers feed (BrokerServices::metrics):
// bytes and records in for what was appended, bytes out for what a Fetch answer carries,
// and the partitions refused; unknown topics get no counters.
#include "admin_test_util.h"
#include "samsa/metrics/broker_metrics.h"

namespace samsa::broker::testing {
namespace {

using protocol::FetchRequest;
using protocol::FetchResponse;
using protocol::ProduceRequest;
using protocol::ProduceResponse;

class TopicMetricsTest : public AdminTest {
 protected:
  void SetUp() override {
    start();
    services_->metrics = &metrics_;
    create_topic("t", 2);
  }

  // One batch of `records` records per listed partition; returns each partition's error.
  std::vector<int16_t> produce(const std::string& topic, const std::vector<int32_t>& partitions,
                               int records, size_t& bytes) {
    ProduceRequest request;
    request.acks = 1;
    request.timeout_ms = 1000;
    auto& t = request.topic_data.emplace_back();
    t.name = topic;
    for (const int32_t index : partitions) {
      const std::vector<storage::RecordSpec> specs(static_cast<size_t>(records),
                                                   storage::RecordSpec{"k", "value", 1000, {}});
      batches_.push_back(std::make_unique<std::vector<uint8_t>>(
          storage::build_batch(storage::BatchSpec{}, specs)));
      bytes += batches_.back()->size();
      auto& p = t.partition_data.emplace_back();
      p.index = index;
      p.records = protocol::Records::from_view(*batches_.back());
    }
    const auto response = call<ProduceResponse>(handle_produce, std::move(request), 9);
    std::vector<int16_t> errors;
    for (const auto& p : response.responses.at(0).partition_responses)
      errors.push_back(p.error_code);
    return errors;
  }

  // A fetch of `topic` from offset 0 of the listed partitions; returns the record bytes.
  size_t fetch(const std::string& topic, const std::vector<int32_t>& partitions) {
    FetchRequest request;
    request.max_wait_ms = 0;
    auto& t = request.topics.emplace_back();
    t.topic = topic;
    for (const int32_t index : partitions)
      t.partitions.push_back({index, -1, 0, -1, -1, 1 << 20, {}, {}});
    auto slot = start_call(handle_fetch, std::move(request), 11);
    EXPECT_TRUE(answered(slot));
    size_t bytes = 0;
    for (const auto& s : slot->message.splices) bytes += s.slice.length;
    return bytes;
  }

  metrics::BrokerMetrics metrics_{std::span<const metrics::ApiName>{}, 0};
  std::vector<std::unique_ptr<std::vector<uint8_t>>> batches_;
};

TEST_F(TopicMetricsTest, ProduceCountsWhatWasAppended) {
  size_t bytes = 0;
  EXPECT_EQ(produce("t", {0, 1}, 3, bytes), (std::vector<int16_t>{0, 0}));
  const metrics::TopicMetrics* t = metrics_.find_topic("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->records_in.value(), 6u);
  EXPECT_EQ(t->bytes_in.value(), bytes);
  EXPECT_EQ(t->produce_errors.value(), 0u);

  // A partition the topic does not have is refused before the log: not a log refusal.
  size_t more = 0;
  EXPECT_EQ(produce("t", {5}, 1, more)[0], to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
  EXPECT_EQ(t->records_in.value(), 6u);
  // A topic that does not exist gets no counters.
  produce("nope", {0}, 1, more);
  EXPECT_EQ(metrics_.find_topic("nope"), nullptr);
}

TEST_F(TopicMetricsTest, FetchCountsTheBytesItAnswers) {
  size_t bytes = 0;
  produce("t", {0}, 4, bytes);
  produce("t", {1}, 2, bytes);
  EXPECT_EQ(fetch("t", {0, 1}), bytes);
  const metrics::TopicMetrics* t = metrics_.find_topic("t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->bytes_out.value(), bytes);
  EXPECT_EQ(t->fetch_errors.value(), 0u);
  fetch("t", {0, 7});  // partition 7: UNKNOWN_TOPIC_OR_PARTITION
  EXPECT_EQ(t->fetch_errors.value(), 1u);
  fetch("nope", {0});
  EXPECT_EQ(metrics_.find_topic("nope"), nullptr);
}

}  // namespace
}  // namespace samsa::broker::testing
