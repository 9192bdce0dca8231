#include "txn_verification.h"

#include <memory>
#include <utility>

#include "samsa/config/config.h"
#include "samsa/coordinator/transaction_coordinator.h"

namespace samsa::broker {

namespace {

bool retriable_coordinator_error(ErrorCode e) {
  switch (e) {
    case ErrorCode::CONCURRENT_TRANSACTIONS:
    case ErrorCode::NETWORK_EXCEPTION:
    case ErrorCode::COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode::COORDINATOR_NOT_AVAILABLE:
    case ErrorCode::NOT_COORDINATOR:
      return true;
    default:
      return false;
  }
}

struct AddAttempt {
  BrokerServices& services;
  std::string transactional_id;
  int64_t producer_id;
  int16_t producer_epoch;
  std::vector<coordinator::TopicPartition> partitions;
  std::function<void(ErrorCode)> done;
  int64_t started_ms;
};

void try_add(std::shared_ptr<AddAttempt> attempt) {
  auto* txns = attempt->services.transactions;
  if (!txns) return attempt->done(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  txns->add_partitions(
      attempt->transactional_id, attempt->producer_id, attempt->producer_epoch, attempt->partitions,
      [attempt](ErrorCode error) {
        const auto& config = attempt->services.config;
        Scheduler& scheduler = attempt->services.scheduler;
        if (error == ErrorCode::CONCURRENT_TRANSACTIONS &&
            scheduler.now_ms() - attempt->started_ms <
                config.add_partitions_to_txn_retry_backoff_max_ms) {
          // Retried as soon as the previous transaction has ended, at the latest after
          // the backoff (Kafka polls every backoff; waiting for the end is what it
          // approximates, without the up to 20 ms it costs every transaction).
          struct Retry {
            bool started = false;
            Scheduler::TaskId timer = 0;
          };
          auto state = std::make_shared<Retry>();
          auto retry = [attempt, state] {
            if (std::exchange(state->started, true)) return;
            if (state->timer != 0) attempt->services.scheduler.cancel(state->timer);
            try_add(attempt);
          };
          state->timer = scheduler.schedule_after(config.add_partitions_to_txn_retry_backoff_ms,
                                                  [state, retry] {
                                                    state->timer = 0;  // running: nothing to cancel
                                                    retry();
                                                  });
          if (auto* txns = attempt->services.transactions)
            txns->when_ended(attempt->transactional_id, retry);
          return;
        }
        attempt->done(error);
      },
      2);
}

}  // namespace

void add_to_transaction(BrokerServices& services, const std::string& transactional_id,
                        int64_t producer_id, int16_t producer_epoch,
                        std::vector<coordinator::TopicPartition> partitions,
                        std::function<void(ErrorCode)> done) {
  try_add(std::make_shared<AddAttempt>(AddAttempt{services, transactional_id, producer_id,
                                                  producer_epoch, std::move(partitions),
                                                  std::move(done), services.scheduler.now_ms()}));
}

ErrorCode produce_error_from_coordinator(ErrorCode error, int16_t version) {
  if (error == ErrorCode::PRODUCER_FENCED) return ErrorCode::INVALID_PRODUCER_EPOCH;
  if (error == ErrorCode::TRANSACTION_ABORTABLE && version < 11)
    return ErrorCode::INVALID_TXN_STATE;
  if (retriable_coordinator_error(error)) return ErrorCode::NOT_ENOUGH_REPLICAS;
  return error;
}

ErrorCode txn_offset_commit_error_from_coordinator(ErrorCode error, int16_t version) {
  if (error == ErrorCode::PRODUCER_FENCED) return ErrorCode::INVALID_PRODUCER_EPOCH;
  if (error == ErrorCode::TRANSACTION_ABORTABLE && version < 4) return ErrorCode::INVALID_TXN_STATE;
  if (retriable_coordinator_error(error)) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  return error;
}

}  // namespace samsa::broker
