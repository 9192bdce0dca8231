#include "admin_test_util.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker::testing {
namespace {

using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;

class InitProducerIdTest : public AdminTest {
 protected:
  void SetUp() override { start(); }

  InitProducerIdResponse init(std::optional<std::string> txn_id = std::nullopt,
                              int32_t timeout_ms = 60000, int64_t pid = -1, int16_t epoch = -1,
                              int16_t version = 5) {
    InitProducerIdRequest request;
    request.transactional_id = std::move(txn_id);
    request.transaction_timeout_ms = timeout_ms;
    request.producer_id = pid;
    request.producer_epoch = epoch;
    return call<InitProducerIdResponse>(handle_init_producer_id, request, version);
  }
};

TEST_F(InitProducerIdTest, IdempotentProducersGetFreshIds) {
  const auto first = init();
  EXPECT_EQ(first.error_code, 0);
  EXPECT_GE(first.producer_id, 0);
  EXPECT_EQ(first.producer_epoch, 0);
  // Sending the old id back (KIP-360) still gives a new id, as Kafka does without a
  // transactional id.
  const auto second = init(std::nullopt, 0, first.producer_id, 0);
  EXPECT_EQ(second.error_code, 0);
  EXPECT_GT(second.producer_id, first.producer_id);
  EXPECT_EQ(second.producer_epoch, 0);
  for (int16_t v = 0; v <= 5; ++v) EXPECT_EQ(init(std::nullopt, 0, -1, -1, v).error_code, 0);
}

TEST_F(InitProducerIdTest, IdsSurviveARestartWithoutReuse) {
  const int64_t before = init().producer_id;
  producer_ids_ = std::make_unique<coordinator::ProducerIdManager>(dir_);
  services_.reset(
      new BrokerServices{config_, "c", scheduler_, *logs_, watch_, *producer_ids_, nullptr, {}});
  EXPECT_GT(init().producer_id, before);
}

TEST_F(InitProducerIdTest, HalfAnIdIsInvalid) {
  EXPECT_EQ(init(std::nullopt, 0, 5, -1).error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(init(std::nullopt, 0, -1, 2).error_code, err(ErrorCode::INVALID_REQUEST));
}

// Transactional ids go to the transaction coordinator, which refuses bad requests at
// once (its successful answers wait for __transaction_state: see the coordinator tests).
TEST_F(InitProducerIdTest, TransactionalIdsAreValidated) {
  EXPECT_EQ(init("txn-1", 60000).error_code, err(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  coordinator::GroupCoordinator groups(coordinator::GroupConfig{}, scheduler_, *logs_);
  groups.load();
  coordinator::TransactionCoordinator txns(coordinator::TransactionConfig::from_broker(config_),
                                           scheduler_, *logs_, *producer_ids_, groups);
  txns.load();
  services_->transactions = &txns;
  EXPECT_EQ(init("", 60000).error_code, err(ErrorCode::INVALID_REQUEST));
  EXPECT_EQ(init("txn-1", 900001).error_code, err(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
  EXPECT_EQ(init("txn-1", 0).error_code, err(ErrorCode::INVALID_TRANSACTION_TIMEOUT));
  const auto bad = init("txn-1", -5);
  EXPECT_EQ(bad.producer_id, -1);
  EXPECT_EQ(bad.producer_epoch, -1);
  services_->transactions = nullptr;
  txns.shutdown();
  groups.shutdown();
}

}  // namespace
}  // namespace samsa::broker::testing
