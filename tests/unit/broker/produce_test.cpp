// Produce refusals that protect state: client writes to the coordinators' internal
// topics, and transactional writes outside the producer's ongoing transaction.
#include "admin_test_util.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker::testing {
namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;

class ProduceTest : public AdminTest {
 protected:
  void SetUp() override { start(); }

  // One batch of one record to topic-0, as a producer (optionally transactional) sends it.
  int16_t produce(const std::string& topic, std::optional<std::string> transactional_id = {},
                  int64_t producer_id = -1) {
    storage::BatchSpec spec;
    spec.producer_id = producer_id;
    spec.producer_epoch = producer_id >= 0 ? 0 : -1;
    spec.base_sequence = producer_id >= 0 ? 0 : -1;
    spec.transactional = transactional_id.has_value();
    const std::vector<storage::RecordSpec> records = {{"k", "v", 1000, {}}};
    batch_ = storage::build_batch(spec, records);
    ProduceRequest request;
    request.transactional_id = std::move(transactional_id);
    request.acks = 1;
    request.timeout_ms = 1000;
    auto& t = request.topic_data.emplace_back();
    t.name = topic;
    auto& p = t.partition_data.emplace_back();
    p.index = 0;
    p.records = protocol::Records::from_view(batch_);
    const auto response = call<ProduceResponse>(handle_produce, request, 9);
    return response.responses.at(0).partition_responses.at(0).error_code;
  }

  std::vector<uint8_t> batch_;
};

TEST_F(ProduceTest, InternalTopicsRefuseClientWrites) {
  create_topic("__consumer_offsets", 1);
  create_topic("__transaction_state", 1);
  EXPECT_EQ(produce("__consumer_offsets"), err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(produce("__transaction_state"), err(ErrorCode::INVALID_TOPIC_EXCEPTION));
  EXPECT_EQ(logs_->partition("__consumer_offsets", 0)->log_end_offset(), 0);
  create_topic("plain", 1);
  EXPECT_EQ(produce("plain"), 0);
}

TEST_F(ProduceTest, TransactionalWritesNeedTheirTransaction) {
  create_topic("t", 1);
  EXPECT_EQ(produce("t", "tx", 7), err(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  coordinator::GroupCoordinator groups(coordinator::GroupConfig{}, scheduler_, *logs_);
  groups.load();
  coordinator::TransactionCoordinator txns(coordinator::TransactionConfig::from_broker(config_),
                                           scheduler_, *logs_, *producer_ids_, groups);
  txns.load();
  services_->transactions = &txns;
  // An id the coordinator never initialised.
  EXPECT_EQ(produce("t", "tx", 7), err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
  EXPECT_EQ(logs_->partition("t", 0)->log_end_offset(), 0);
  services_->transactions = nullptr;
  txns.shutdown();
  groups.shutdown();
}

}  // namespace
}  // namespace samsa::broker::testing
