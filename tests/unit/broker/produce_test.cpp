// Produce refusals that protect state: client writes to the coordinators' internal
// topics, and transactional writes outside the producer's ongoing transaction (with the
// errors each Produce version gets); transactions v2: Produce v12 adds its partition to
// the transaction, EndTxn v5 bumps the epoch.
#include "admin_test_util.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/storage/partition_log.h"

namespace samsa::broker::testing {
namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;

class ProduceTest : public AdminTest {
 protected:
  void SetUp() override { start(); }

  // One batch of one record to topic-0, as a producer (optionally transactional) sends it.
  int16_t produce(const std::string& topic, std::optional<std::string> transactional_id = {},
                  int64_t producer_id = -1, int16_t version = 9, int16_t epoch = 0,
                  int32_t sequence = 0) {
    const auto response = answer<ProduceResponse>(
        start_produce(topic, std::move(transactional_id), producer_id, version, epoch, sequence),
        version);
    return response.responses.at(0).partition_responses.at(0).error_code;
  }
  std::shared_ptr<net::detail::ResponseSlot> start_produce(
      const std::string& topic, std::optional<std::string> transactional_id, int64_t producer_id,
      int16_t version, int16_t epoch, int32_t sequence) {
    storage::BatchSpec spec;
    spec.producer_id = producer_id;
    spec.producer_epoch = producer_id >= 0 ? epoch : -1;
    spec.base_sequence = producer_id >= 0 ? sequence : -1;
    spec.transactional = transactional_id.has_value();
    const std::vector<storage::RecordSpec> records = {{"k", "v", 1000, {}}};
    batches_.push_back(std::make_unique<std::vector<uint8_t>>(storage::build_batch(spec, records)));
    std::vector<uint8_t>& batch = *batches_.back();
    ProduceRequest request;
    request.transactional_id = std::move(transactional_id);
    request.acks = 1;
    request.timeout_ms = 1000;
    auto& t = request.topic_data.emplace_back();
    t.name = topic;
    auto& p = t.partition_data.emplace_back();
    p.index = 0;
    p.records = protocol::Records::from_view(batch);
    return start_call(handle_produce, request, version);
  }

  // The coordinators, as the broker runs them.
  void start_coordinators() {
    groups_ = std::make_unique<coordinator::GroupCoordinator>(coordinator::GroupConfig{},
                                                              scheduler_, *logs_);
    groups_->load();
    txns_ = std::make_unique<coordinator::TransactionCoordinator>(
        coordinator::TransactionConfig::from_broker(config_), scheduler_, *logs_, *producer_ids_,
        *groups_);
    txns_->load();
    services_->groups = groups_.get();
    services_->transactions = txns_.get();
  }
  void TearDown() override {
    if (services_) services_->transactions = nullptr;
    if (txns_) txns_->shutdown();
    if (groups_) groups_->shutdown();
    run_posted();
    txns_.reset();
    groups_.reset();
    AdminTest::TearDown();
  }
  coordinator::InitProducerIdResult init(const std::string& id) {
    std::optional<coordinator::InitProducerIdResult> result;
    txns_->init_producer_id(id, 60000, -1, -1,
                            [&](coordinator::InitProducerIdResult r) { result = r; });
    for (int i = 0; i < 5000 && !result; ++i)
      if (run_posted() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(result.has_value());
    return result.value_or(coordinator::InitProducerIdResult{ErrorCode::UNKNOWN_SERVER_ERROR});
  }
  protocol::EndTxnResponse end_txn(const std::string& id, int64_t pid, int16_t epoch, bool commit,
                                   int16_t version) {
    protocol::EndTxnRequest request;
    request.transactional_id = id;
    request.producer_id = pid;
    request.producer_epoch = epoch;
    request.committed = commit;
    return call<protocol::EndTxnResponse>(handle_end_txn, request, version);
  }
  bool await_state(const std::string& id, coordinator::TxnState state) {
    for (int i = 0; i < 5000; ++i) {
      if (txns_->state(id) == state) return true;
      if (run_posted() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  // The batches requests point into (Produce appends them in place).
  std::vector<std::unique_ptr<std::vector<uint8_t>>> batches_;
  std::unique_ptr<coordinator::GroupCoordinator> groups_;
  std::unique_ptr<coordinator::TransactionCoordinator> txns_;
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
  // No coordinator (yet): a retriable error producers of every version retry.
  EXPECT_EQ(produce("t", "tx", 7), err(ErrorCode::NOT_ENOUGH_REPLICAS));
  start_coordinators();
  // An id the coordinator never initialised.
  EXPECT_EQ(produce("t", "tx", 7), err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
  const auto p = init("tx");
  ASSERT_EQ(p.error, ErrorCode::NONE);
  // The partition is not in the transaction: up to v10 INVALID_TXN_STATE, v11 the
  // abortable error of KIP-890 part 1.
  EXPECT_EQ(produce("t", "tx", p.producer_id, 9, p.producer_epoch),
            err(ErrorCode::INVALID_TXN_STATE));
  EXPECT_EQ(produce("t", "tx", p.producer_id, 11, p.producer_epoch),
            err(ErrorCode::TRANSACTION_ABORTABLE));
  // Another epoch is fenced.
  EXPECT_EQ(produce("t", "tx", p.producer_id, 11, static_cast<int16_t>(p.producer_epoch + 1)),
            err(ErrorCode::INVALID_PRODUCER_EPOCH));
  EXPECT_EQ(logs_->partition("t", 0)->log_end_offset(), 0);
}

// Transactions v2: the first transactional Produce v12 to a partition puts it into the
// transaction; EndTxn v5 bumps the epoch, the markers carry the new one, and the next
// transaction goes on with it (sequences from 0).
TEST_F(ProduceTest, ProduceV12AddsThePartitionAndEndTxnV5BumpsTheEpoch) {
  create_topic("t", 1);
  start_coordinators();
  const auto p = init("tx");
  ASSERT_EQ(p.error, ErrorCode::NONE);
  EXPECT_EQ(produce("t", "tx", p.producer_id, 12, p.producer_epoch, 0), 0);
  EXPECT_EQ(txns_->describe("tx").state, "Ongoing");
  EXPECT_EQ(txns_->describe("tx").partitions, (std::vector<coordinator::TopicPartition>{{"t", 0}}));
  EXPECT_EQ(produce("t", "tx", p.producer_id, 12, p.producer_epoch, 1), 0);

  const auto ended = end_txn("tx", p.producer_id, p.producer_epoch, true, 5);
  EXPECT_EQ(ended.error_code, 0);
  EXPECT_EQ(ended.producer_id, p.producer_id);
  EXPECT_EQ(ended.producer_epoch, p.producer_epoch + 1);
  ASSERT_TRUE(await_state("tx", coordinator::TxnState::kCompleteCommit));
  storage::PartitionLog* log = logs_->partition("t", 0);
  EXPECT_EQ(log->log_end_offset(), 3);  // two records and the commit marker
  EXPECT_EQ(log->last_stable_offset(), 3);
  // A retry of the end (the old epoch) gets the same answer.
  const auto retried = end_txn("tx", p.producer_id, p.producer_epoch, true, 5);
  EXPECT_EQ(retried.error_code, 0);
  EXPECT_EQ(retried.producer_epoch, p.producer_epoch + 1);
  // The old epoch can write nothing more; the new one starts the next transaction.
  EXPECT_EQ(produce("t", "tx", p.producer_id, 12, p.producer_epoch, 2),
            err(ErrorCode::INVALID_PRODUCER_EPOCH));
  EXPECT_EQ(produce("t", "tx", p.producer_id, 12, ended.producer_epoch, 0), 0);
  EXPECT_EQ(txns_->describe("tx").state, "Ongoing");
  const auto aborted = end_txn("tx", p.producer_id, ended.producer_epoch, false, 5);
  EXPECT_EQ(aborted.error_code, 0);
  EXPECT_EQ(aborted.producer_epoch, p.producer_epoch + 2);
  ASSERT_TRUE(await_state("tx", coordinator::TxnState::kCompleteAbort));
  EXPECT_EQ(log->log_end_offset(), 5);
  EXPECT_EQ(log->last_stable_offset(), 5);
  // The classic EndTxn (v4) of a v2 transaction's epoch still works as v1 does.
  EXPECT_EQ(end_txn("tx", p.producer_id, aborted.producer_epoch, false, 4).error_code, 0);
}

// The producer's next transaction starts while the previous one's markers are still
// being written: the produce waits (retries of the add) instead of failing.
TEST_F(ProduceTest, ProduceV12WaitsForThePreviousEnd) {
  create_topic("t", 1);
  start_coordinators();
  const auto p = init("tx");
  ASSERT_EQ(p.error, ErrorCode::NONE);
  ASSERT_EQ(produce("t", "tx", p.producer_id, 12, p.producer_epoch, 0), 0);
  const auto ended = end_txn("tx", p.producer_id, p.producer_epoch, true, 5);
  ASSERT_EQ(ended.error_code, 0);
  // Answered at PrepareCommit; nothing has run the markers' completions yet.
  EXPECT_EQ(txns_->describe("tx").state, "PrepareCommit");
  EXPECT_EQ(produce("t", "tx", p.producer_id, 12, ended.producer_epoch, 0), 0);
  EXPECT_EQ(txns_->describe("tx").state, "Ongoing");
  storage::PartitionLog* log = logs_->partition("t", 0);
  EXPECT_EQ(log->log_end_offset(), 3);  // record, marker, the next transaction's record
  EXPECT_EQ(log->last_stable_offset(), 2);
}

// A producer pipelines its requests: the first one of a transaction waits for its add,
// the ones behind it must not overtake it (their sequences would be out of order).
TEST_F(ProduceTest, PipelinedProduceV12KeepsItsOrder) {
  create_topic("t", 1);
  start_coordinators();
  const auto p = init("tx");
  ASSERT_EQ(p.error, ErrorCode::NONE);
  auto first = start_produce("t", "tx", p.producer_id, 12, p.producer_epoch, 0);
  auto second = start_produce("t", "tx", p.producer_id, 12, p.producer_epoch, 1);
  EXPECT_FALSE(answered(first));  // the add is being written
  EXPECT_FALSE(answered(second));
  // The add completes (the first request appends and answers) ...
  for (int i = 0; i < 5000 && !answered(first); ++i)
    if (run_posted() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // ... and a third request arrives while the second may still wait.
  auto third = start_produce("t", "tx", p.producer_id, 12, p.producer_epoch, 2);
  for (auto* slot : {&first, &second, &third}) {
    const auto r = answer<ProduceResponse>(*slot, 12);
    const auto& part = r.responses.at(0).partition_responses.at(0);
    EXPECT_EQ(part.error_code, 0) << part.error_message.value_or("");
  }
  EXPECT_EQ(logs_->partition("t", 0)->log_end_offset(), 3);
  EXPECT_EQ(services_->transactional_produce_order.busy_keys(), 0u);
}

// The offsets of a v2 transaction: TxnOffsetCommit v5 adds __consumer_offsets itself;
// v4 still needs AddOffsetsToTxn first.
TEST_F(ProduceTest, TxnOffsetCommitV5AddsTheOffsetsPartition) {
  create_topic("t", 1);
  start_coordinators();
  const auto p = init("tx");
  ASSERT_EQ(p.error, ErrorCode::NONE);
  protocol::TxnOffsetCommitRequest request;
  request.transactional_id = "tx";
  request.group_id = "g";
  request.producer_id = p.producer_id;
  request.producer_epoch = p.producer_epoch;
  auto& topic = request.topics.emplace_back();
  topic.name = "t";
  auto& part = topic.partitions.emplace_back();
  part.partition_index = 0;
  part.committed_offset = 42;
  const auto v4 = call<protocol::TxnOffsetCommitResponse>(handle_txn_offset_commit, request, 4);
  EXPECT_EQ(v4.topics.at(0).partitions.at(0).error_code, err(ErrorCode::TRANSACTION_ABORTABLE));
  const auto v3 = call<protocol::TxnOffsetCommitResponse>(handle_txn_offset_commit, request, 3);
  EXPECT_EQ(v3.topics.at(0).partitions.at(0).error_code, err(ErrorCode::INVALID_TXN_STATE));
  const auto v5 = call<protocol::TxnOffsetCommitResponse>(handle_txn_offset_commit, request, 5);
  EXPECT_EQ(v5.topics.at(0).partitions.at(0).error_code, 0);
  EXPECT_EQ(txns_->describe("tx").partitions,
            (std::vector<coordinator::TopicPartition>{{"__consumer_offsets", 0}}));
  const auto ended = end_txn("tx", p.producer_id, p.producer_epoch, true, 5);
  ASSERT_EQ(ended.error_code, 0);
  ASSERT_TRUE(await_state("tx", coordinator::TxnState::kCompleteCommit));
  coordinator::OffsetFetchParams fetch;
  fetch.group_id = "g";
  fetch.partitions = std::vector<coordinator::TopicPartition>{{"t", 0}};
  const auto fetched = groups_->fetch_offsets(fetch);
  ASSERT_EQ(fetched.offsets.size(), 1u);
  EXPECT_EQ(fetched.offsets[0].offset, 42);
}

}  // namespace
}  // namespace samsa::broker::testing
