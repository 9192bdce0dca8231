// The transaction coordinator (KIP-98, and transactions v2 of KIP-890), as Apache Kafka's
// TransactionCoordinator (4.x) behaves on a cluster of one broker that coordinates every
// transactional id.
//
// Per transactional id it keeps the producer id and epoch, the timeout, the state
// (Empty -> Ongoing -> PrepareCommit/PrepareAbort -> CompleteCommit/CompleteAbort) and
// the partitions of the ongoing transaction. Every state change is written to
// `__transaction_state` (transaction_log.h) and applied only once durable. Ending a
// transaction writes its Prepare state (the client is answered then), then a commit or
// abort marker into every partition of the transaction (through the partition logs, and
// through the group coordinator for `__consumer_offsets`, whose pending offsets the
// marker settles), then the Complete state. A restart replays the log and finishes
// every prepared transaction; ongoing ones abort when their timeout passes, which also
// bumps the producer epoch so the old producer is fenced.
//
// Transactions v2 (the client's EndTxn v5+, Produce v12+, TxnOffsetCommit v5+): the
// partitions join the transaction implicitly with the first produce or offset commit
// (add_partitions from the broker), and every end bumps the epoch (the markers carry the
// new one, which fences whatever the old epoch still sends); EndTxn answers the new
// producer id and epoch. When the epoch is exhausted the end rotates to a new producer
// id. Both protocols are served side by side, chosen by each request's version.
//
// Every method runs on the event loop; answers that must wait are callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "samsa/coordinator/group_types.h"
#include "samsa/coordinator/transaction_log.h"
#include "samsa/util/scheduler.h"

namespace samsa::config {
struct BrokerConfig;
}
namespace samsa::storage {
class LogManager;
}

namespace samsa::coordinator {

class GroupCoordinator;
class ProducerIdManager;

struct TransactionConfig {
  int32_t max_timeout_ms = 900000;       // transaction.max.timeout.ms
  int64_t id_expiration_ms = 604800000;  // transactional.id.expiration.ms
  int32_t abort_timed_out_interval_ms =
      10000;  // transaction.abort.timed.out.transaction.cleanup.interval.ms
  int32_t remove_expired_interval_ms =
      3600000;  // transaction.remove.expired.transaction.cleanup.interval.ms
  int32_t segment_bytes = TransactionLog::kSegmentBytes;  // transaction.state.log.segment.bytes
  // A failed marker write is retried after this long (Kafka retries marker sends too).
  int32_t marker_retry_ms = 1000;
  // The log is rewritten as a snapshot once it holds this many records more than ids.
  int64_t compact_after_dead_records = 100000;
  // The finalized transaction.version (samsa.transaction.version): recorded with the
  // transactions the coordinator ends on its own (timeouts).
  int16_t transaction_version = 2;

  static TransactionConfig from_broker(const config::BrokerConfig& config);
};

struct InitProducerIdResult {
  ErrorCode error = ErrorCode::NONE;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct EndTxnResult {
  ErrorCode error = ErrorCode::NONE;
  // Transactions v2: the producer id and epoch for the next transaction (-1 otherwise).
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct TransactionDescription {
  ErrorCode error = ErrorCode::NONE;
  std::string transactional_id;
  std::string state;
  int32_t timeout_ms = 0;
  int64_t start_ms = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::vector<TopicPartition> partitions;
};

struct TransactionListing {
  std::string transactional_id;
  int64_t producer_id = -1;
  std::string state;
};

class TransactionCoordinator {
 public:
  static constexpr const char* kOffsetsTopic = "__consumer_offsets";
  // Called after a marker was appended to a partition (the broker wakes waiting fetches).
  using MarkerObserver = std::function<void(const std::string& topic, int32_t partition)>;

  TransactionCoordinator(TransactionConfig config, Scheduler& scheduler, storage::LogManager& logs,
                         ProducerIdManager& producer_ids, GroupCoordinator& groups,
                         MarkerObserver on_marker = {});
  ~TransactionCoordinator();
  TransactionCoordinator(const TransactionCoordinator&) = delete;
  TransactionCoordinator& operator=(const TransactionCoordinator&) = delete;

  // Replays __transaction_state, resumes the markers of prepared transactions and
  // starts the timers. Call once, before any request.
  void load();
  // Stops the timers; later requests get NOT_COORDINATOR. Idempotent.
  void shutdown();

  // InitProducerId with a transactional id (KIP-98, KIP-360 retries).
  void init_producer_id(const std::string& transactional_id, int32_t timeout_ms,
                        int64_t expected_producer_id, int16_t expected_epoch,
                        std::function<void(InitProducerIdResult)> done);
  // AddPartitionsToTxn (and AddOffsetsToTxn with the offsets partition), or the
  // implicit add of transactions v2 (`client_transaction_version` 2).
  void add_partitions(const std::string& transactional_id, int64_t producer_id,
                      int16_t producer_epoch, std::vector<TopicPartition> partitions,
                      std::function<void(ErrorCode)> done, int16_t client_transaction_version = 0);
  // Whether the partition is in the ongoing transaction of this producer (the
  // verify-only form of AddPartitionsToTxn, and the check of transactional produce and
  // offset commits), with Kafka's coordinator answers: INVALID_PRODUCER_ID_MAPPING,
  // PRODUCER_FENCED (another epoch), CONCURRENT_TRANSACTIONS (the transaction is ending),
  // TRANSACTION_ABORTABLE (not in the transaction). Callers translate them for their
  // request's version.
  ErrorCode verify(const std::string& transactional_id, int64_t producer_id, int16_t producer_epoch,
                   const TopicPartition& partition) const;
  // Runs `fn` (on the loop, soon) once the transaction of this id is no longer ending:
  // its markers written and its Complete state durable (at once when it is not ending).
  // A produce that must add its partition waits for this instead of polling.
  void when_ended(const std::string& transactional_id, std::function<void()> fn);
  // EndTxn: answered once the Prepare state is durable; the markers follow.
  // `client_transaction_version` 2 (EndTxn v5+) ends with an epoch bump (KIP-890).
  void end_transaction(const std::string& transactional_id, int64_t producer_id,
                       int16_t producer_epoch, bool commit, int16_t client_transaction_version,
                       std::function<void(EndTxnResult)> done);

  TransactionDescription describe(const std::string& transactional_id) const;
  // ListTransactions: states by Kafka's names (unknown ones are returned in
  // `unknown_states` and match nothing), producer ids, and `min_duration_ms` (>= 0: only
  // transactions running longer than that, as Kafka's DurationFilter).
  std::vector<TransactionListing> list(const std::vector<std::string>& states,
                                       const std::vector<int64_t>& producer_ids,
                                       int64_t min_duration_ms,
                                       std::vector<std::string>& unknown_states) const;
  ErrorCode unavailable() const;

  // Timer work, public for tests. Returns how many transactions were started to abort
  // / how many ids were removed.
  size_t abort_timed_out_transactions();
  size_t expire_transactional_ids();

  size_t size() const { return txns_.size(); }
  std::optional<TxnState> state(const std::string& transactional_id) const;

 private:
  struct Txn;
  using Done = std::function<void(ErrorCode)>;

  Txn* find(const std::string& transactional_id) const;
  TxnValue value_of(const Txn& txn) const;
  // Writes `next` for `txn`; applies it in memory once durable, then calls `done`.
  void write_transition(Txn& txn, TxnValue next, Done done);
  void end_transaction_v1(Txn& txn, int16_t producer_epoch, bool commit,
                          std::function<void(EndTxnResult)> done);
  void end_transaction_v2(Txn& txn, int64_t producer_id, int16_t producer_epoch, bool commit,
                          std::function<void(EndTxnResult)> done);
  // Ongoing -> PrepareCommit/PrepareAbort (durable) -> markers -> Complete. With
  // `bump_epoch` (v2) the Prepare state carries the next epoch (or the next producer
  // id when the epoch is exhausted); `done` gets what the producer goes on with.
  void prepare_end(Txn& txn, bool commit, bool bump_epoch, std::function<void(EndTxnResult)> done);
  void send_markers(const std::string& transactional_id);
  void write_marker(const TopicPartition& tp, int64_t producer_id, int16_t producer_epoch,
                    bool commit, Done done);
  void complete(const std::string& transactional_id);
  // Kafka's epoch fence: the epoch goes up by one and the ongoing transaction aborts
  // under it, so the old producer can write nothing more.
  void fence_and_abort(Txn& txn, Done done);
  void schedule_abort_timer();
  void schedule_expire_timer();
  void maybe_compact();
  void notify_ended(Txn& txn);

  TransactionConfig config_;
  Scheduler& scheduler_;
  storage::LogManager& logs_;
  ProducerIdManager& producer_ids_;
  GroupCoordinator& groups_;
  MarkerObserver on_marker_;
  TransactionLog log_;
  std::map<std::string, std::unique_ptr<Txn>, std::less<>> txns_;
  Scheduler::TaskId abort_task_ = 0;
  Scheduler::TaskId expire_task_ = 0;
  int64_t records_in_log_ = 0;
  bool loaded_ = false;
  bool shut_down_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards late callbacks
};

}  // namespace samsa::coordinator
