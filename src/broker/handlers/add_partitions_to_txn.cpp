// AddPartitionsToTxn (key 24), v0-5. v0-3 come from producers: one transaction, its
// partitions added (durably) before the answer. v4+ batch several transactions and
// may be verify-only (is the partition already in the transaction?), as brokers send
// them to the coordinator in Kafka; samsa answers them the same way.
//
// As in Kafka, unknown partitions fail the whole request before the coordinator is
// asked: they get UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
#include <memory>

#include "../txn_verification.h"
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {

namespace {

using Request = protocol::AddPartitionsToTxnRequest;
using Response = protocol::AddPartitionsToTxnResponse;
using TopicResult = Response::AddPartitionsToTxnTopicResult;

// Per-partition answers with one error, or UNKNOWN_TOPIC_OR_PARTITION for the unknown
// ones and OPERATION_NOT_ATTEMPTED for the rest when `unknown_fail` is set.
std::vector<TopicResult> results(const std::vector<Request::AddPartitionsToTxnTopic>& topics,
                                 const storage::LogManager& logs, ErrorCode error,
                                 bool unknown_fail) {
  std::vector<TopicResult> out;
  for (const auto& t : topics) {
    auto& topic = out.emplace_back();
    topic.name = t.name;
    const auto* meta = logs.find_topic(t.name);
    for (const int32_t p : t.partitions) {
      auto& r = topic.results_by_partition.emplace_back();
      r.partition_index = p;
      ErrorCode e = error;
      if (unknown_fail)
        e = (!meta || p < 0 || p >= meta->partition_count) ? ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                                                           : ErrorCode::OPERATION_NOT_ATTEMPTED;
      r.partition_error_code = to_wire(e);
    }
  }
  return out;
}

bool has_unknown(const std::vector<Request::AddPartitionsToTxnTopic>& topics,
                 const storage::LogManager& logs) {
  for (const auto& t : topics) {
    const auto* meta = logs.find_topic(t.name);
    for (const int32_t p : t.partitions)
      if (!meta || p < 0 || p >= meta->partition_count) return true;
  }
  return false;
}

std::vector<coordinator::TopicPartition> partitions_of(
    const std::vector<Request::AddPartitionsToTxnTopic>& topics) {
  std::vector<coordinator::TopicPartition> out;
  for (const auto& t : topics)
    for (const int32_t p : t.partitions) out.push_back({t.name, p});
  return out;
}

// Collects the per-transaction answers of a v4+ request and responds after the last.
struct BatchedAnswer {
  ContextPtr ctx;
  Response response;
  size_t outstanding = 0;
  void done() {
    if (--outstanding == 0) ctx->respond(response);
  }
};

}  // namespace

void handle_add_partitions_to_txn(ContextPtr ctx, Request request) {
  auto& services = ctx->services;
  auto* txns = services.transactions;
  const storage::LogManager& logs = services.logs;

  if (ctx->version() <= 3) {
    auto topics = std::make_shared<std::vector<Request::AddPartitionsToTxnTopic>>(
        std::move(request.v3_and_below_topics));
    if (!txns || has_unknown(*topics, logs)) {
      Response response;
      response.results_by_topic_v3_and_below =
          results(*topics, logs, ErrorCode::COORDINATOR_NOT_AVAILABLE, txns != nullptr);
      return ctx->respond(response);
    }
    txns->add_partitions(request.v3_and_below_transactional_id, request.v3_and_below_producer_id,
                         request.v3_and_below_producer_epoch, partitions_of(*topics),
                         [ctx, topics, &logs](ErrorCode error) {
                           Response response;
                           response.results_by_topic_v3_and_below =
                               results(*topics, logs,
                                       fenced_error_for_version(error, ctx->version(), 2), false);
                           ctx->respond(response);
                         });
    return;
  }

  auto batch = std::make_shared<BatchedAnswer>();
  batch->ctx = ctx;
  if (!txns) {
    batch->response.error_code = to_wire(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    return ctx->respond(batch->response);
  }
  batch->response.results_by_transaction.resize(request.transactions.size());
  batch->outstanding = request.transactions.size() + 1;  // +1: released below
  for (size_t i = 0; i < request.transactions.size(); ++i) {
    auto& txn = request.transactions[i];
    auto& slot = batch->response.results_by_transaction[i];
    slot.transactional_id = txn.transactional_id;
    if (txn.verify_only) {
      for (const auto& t : txn.topics) {
        auto& topic = slot.topic_results.emplace_back();
        topic.name = t.name;
        for (const int32_t p : t.partitions) {
          auto& r = topic.results_by_partition.emplace_back();
          r.partition_index = p;
          r.partition_error_code = to_wire(
              txns->verify(txn.transactional_id, txn.producer_id, txn.producer_epoch, {t.name, p}));
        }
      }
      batch->done();
      continue;
    }
    if (has_unknown(txn.topics, logs)) {
      slot.topic_results = results(txn.topics, logs, ErrorCode::NONE, true);
      batch->done();
      continue;
    }
    auto topics =
        std::make_shared<std::vector<Request::AddPartitionsToTxnTopic>>(std::move(txn.topics));
    txns->add_partitions(slot.transactional_id, txn.producer_id, txn.producer_epoch,
                         partitions_of(*topics), [batch, i, topics, &logs](ErrorCode error) {
                           batch->response.results_by_transaction[i].topic_results =
                               results(*topics, logs, error, false);
                           batch->done();
                         });
  }
  batch->done();
}

}  // namespace samsa::broker
