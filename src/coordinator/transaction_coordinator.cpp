#include "samsa/coordinator/transaction_coordinator.h"

#include <algorithm>
#include <limits>

#include "samsa/config/config.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/producer_id_manager.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"
#include "samsa/util/log.h"

namespace samsa::coordinator {

namespace {

// Kafka rotates to a new producer id when the epoch can no longer be bumped twice
// (once to fence, once for the returning producer).
bool epoch_exhausted(int16_t epoch) {
  return epoch >= std::numeric_limits<int16_t>::max() - 1;
}

bool ending(TxnState s) {
  return s == TxnState::kPrepareCommit || s == TxnState::kPrepareAbort;
}

// EndTxn while the transaction is already ending, in either protocol: the same outcome
// is a retry that must wait for the end, the other one is refused.
ErrorCode end_while_ending(TxnState s, bool commit) {
  return commit == (s == TxnState::kPrepareCommit) ? ErrorCode::CONCURRENT_TRANSACTIONS
                                                   : ErrorCode::INVALID_TXN_STATE;
}

bool is_complete_or_empty(TxnState s) {
  return s == TxnState::kEmpty || s == TxnState::kCompleteCommit || s == TxnState::kCompleteAbort;
}

}  // namespace

struct TransactionCoordinator::Txn {
  std::string id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  // The producer id before the last rotation: a retry of the request that rotated
  // (InitProducerId under KIP-360, EndTxn v5) still names it.
  int64_t previous_producer_id = -1;
  // The epoch before the last bump, for retries of an InitProducerId whose answer was
  // lost (KIP-360). Kept in memory only, as in Kafka.
  int16_t last_producer_epoch = -1;
  // While a v2 end with an exhausted epoch is prepared: the producer id it rotates to.
  int64_t next_producer_id = -1;
  int16_t client_transaction_version = 0;
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  std::set<TopicPartition> partitions;
  int64_t start_ms = -1;
  int64_t last_update_ms = -1;
  bool pending = false;                   // a state change is being written
  std::set<TopicPartition> markers_left;  // markers of a prepared end still to write
  bool markers_in_flight = false;
  std::vector<std::function<void()>> end_waiters;  // see when_ended()
};

TransactionConfig TransactionConfig::from_broker(const config::BrokerConfig& c) {
  TransactionConfig t;
  t.max_timeout_ms = c.transaction_max_timeout_ms;
  t.id_expiration_ms = c.transactional_id_expiration_ms;
  t.abort_timed_out_interval_ms = c.transaction_abort_timed_out_transaction_cleanup_interval_ms;
  t.remove_expired_interval_ms = c.transaction_remove_expired_transaction_cleanup_interval_ms;
  t.segment_bytes = c.transaction_state_log_segment_bytes;
  t.transaction_version = c.transaction_version;
  return t;
}

TransactionCoordinator::TransactionCoordinator(TransactionConfig config, Scheduler& scheduler,
                                               storage::LogManager& logs,
                                               ProducerIdManager& producer_ids,
                                               GroupCoordinator& groups, MarkerObserver on_marker)
    : config_(config),
      scheduler_(scheduler),
      logs_(logs),
      producer_ids_(producer_ids),
      groups_(groups),
      on_marker_(std::move(on_marker)),
      log_(logs, config.segment_bytes) {}

TransactionCoordinator::~TransactionCoordinator() {
  shutdown();
}

ErrorCode TransactionCoordinator::unavailable() const {
  if (shut_down_) return ErrorCode::NOT_COORDINATOR;
  if (!loaded_) return ErrorCode::COORDINATOR_LOAD_IN_PROGRESS;
  return ErrorCode::NONE;
}

TransactionCoordinator::Txn* TransactionCoordinator::find(const std::string& id) const {
  const auto it = txns_.find(id);
  return it == txns_.end() ? nullptr : it->second.get();
}

std::optional<TxnState> TransactionCoordinator::state(const std::string& id) const {
  if (const Txn* t = find(id)) return t->state;
  return std::nullopt;
}

TxnValue TransactionCoordinator::value_of(const Txn& txn) const {
  TxnValue v;
  v.producer_id = txn.producer_id;
  v.producer_epoch = txn.producer_epoch;
  v.timeout_ms = txn.timeout_ms;
  v.state = txn.state;
  v.partitions.assign(txn.partitions.begin(), txn.partitions.end());
  v.last_update_ms = txn.last_update_ms;
  v.start_ms = txn.start_ms;
  v.previous_producer_id = txn.previous_producer_id;
  v.next_producer_id = txn.next_producer_id;
  v.client_transaction_version = txn.client_transaction_version;
  return v;
}

// ---------------------------------------------------------------- load, timers

void TransactionCoordinator::load() {
  std::map<std::string, TxnValue> latest;
  records_in_log_ =
      static_cast<int64_t>(log_.replay([&](const std::string& id, std::optional<TxnValue> value) {
        if (value)
          latest[id] = std::move(*value);
        else
          latest.erase(id);
      }));
  if (log_.skipped_records() > 0)
    spdlog::warn("{}: skipped {} records in an unknown format", TransactionLog::kTopic,
                 log_.skipped_records());
  int64_t max_producer_id = -1;
  std::vector<std::string> prepared;
  for (auto& [id, v] : latest) {
    auto t = std::make_unique<Txn>();
    t->id = id;
    t->producer_id = v.producer_id;
    t->producer_epoch = v.producer_epoch;
    t->timeout_ms = v.timeout_ms;
    t->state = v.state;
    t->partitions.insert(v.partitions.begin(), v.partitions.end());
    t->start_ms = v.start_ms;
    t->last_update_ms = v.last_update_ms;
    t->previous_producer_id = v.previous_producer_id;
    t->next_producer_id = v.next_producer_id;
    t->client_transaction_version = v.client_transaction_version;
    max_producer_id = std::max({max_producer_id, v.producer_id, v.next_producer_id});
    if (v.state == TxnState::kPrepareCommit || v.state == TxnState::kPrepareAbort)
      prepared.push_back(id);
    txns_.emplace(id, std::move(t));
  }
  // Ids handed out before the id file existed, or lost with it, are never reused.
  if (max_producer_id >= 0 && !producer_ids_.ensure_above(max_producer_id))
    spdlog::error("cannot reserve producer ids above {}", max_producer_id);
  loaded_ = true;
  if (!txns_.empty())
    spdlog::info("loaded {} transactional ids from {} ({} prepared, completing now)", txns_.size(),
                 TransactionLog::kTopic, prepared.size());
  for (const auto& id : prepared) send_markers(id);
  schedule_abort_timer();
  schedule_expire_timer();
}

void TransactionCoordinator::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (abort_task_ != 0) scheduler_.cancel(abort_task_);
  if (expire_task_ != 0) scheduler_.cancel(expire_task_);
  abort_task_ = expire_task_ = 0;
}

void TransactionCoordinator::schedule_abort_timer() {
  if (shut_down_) return;
  abort_task_ = scheduler_.schedule_after(config_.abort_timed_out_interval_ms, [this] {
    abort_task_ = 0;
    abort_timed_out_transactions();
    maybe_compact();
    schedule_abort_timer();
  });
}

void TransactionCoordinator::schedule_expire_timer() {
  if (shut_down_) return;
  expire_task_ = scheduler_.schedule_after(config_.remove_expired_interval_ms, [this] {
    expire_task_ = 0;
    expire_transactional_ids();
    schedule_expire_timer();
  });
}

void TransactionCoordinator::maybe_compact() {
  if (records_in_log_ - static_cast<int64_t>(txns_.size()) <= config_.compact_after_dead_records)
    return;
  std::vector<LogRecord> live;
  live.reserve(txns_.size());
  for (const auto& [id, t] : txns_)
    live.push_back({encode_txn_key(id), encode_txn_value(value_of(*t))});
  log_.compact(live, scheduler_.now_ms());
  records_in_log_ = static_cast<int64_t>(live.size());
}

size_t TransactionCoordinator::abort_timed_out_transactions() {
  if (unavailable() != ErrorCode::NONE) return 0;
  const int64_t now = scheduler_.now_ms();
  std::vector<Txn*> expired;
  for (auto& [_, t] : txns_) {
    if (t->state == TxnState::kOngoing && !t->pending && t->start_ms + t->timeout_ms < now)
      expired.push_back(t.get());
  }
  for (Txn* t : expired) {
    spdlog::info(
        "aborting transaction of '{}' (producer id {}, epoch {}): it passed its timeout of {} ms",
        t->id, t->producer_id, t->producer_epoch, t->timeout_ms);
    fence_and_abort(*t, [id = t->id](ErrorCode err) {
      if (err != ErrorCode::NONE)
        spdlog::warn("abort of the timed-out transaction of '{}' failed: {}", id, error_name(err));
    });
  }
  return expired.size();
}

size_t TransactionCoordinator::expire_transactional_ids() {
  if (unavailable() != ErrorCode::NONE) return 0;
  const int64_t now = scheduler_.now_ms();
  size_t removed = 0;
  for (auto& [id, t] : txns_) {
    if (t->pending || !is_complete_or_empty(t->state) ||
        now - t->last_update_ms < config_.id_expiration_ms)
      continue;
    ++removed;
    t->pending = true;
    t->state = TxnState::kDead;
    ++records_in_log_;
    std::weak_ptr<bool> alive = alive_;
    log_.append(id, std::nullopt, now, [this, alive, id = id](ErrorCode err) {
      if (alive.expired()) return;
      if (err == ErrorCode::NONE) {
        txns_.erase(id);
        return;
      }
      // Kept: a later pass tries again.
      if (Txn* t = find(id)) {
        t->pending = false;
        t->state = TxnState::kEmpty;
      }
    });
  }
  if (removed > 0) spdlog::info("expired {} idle transactional ids", removed);
  return removed;
}

// ---------------------------------------------------------------- transitions

void TransactionCoordinator::write_transition(Txn& txn, TxnValue next, Done done) {
  txn.pending = true;
  ++records_in_log_;
  std::weak_ptr<bool> alive = alive_;
  log_.append(
      txn.id, next, scheduler_.now_ms(),
      [this, alive, id = txn.id, next, done = std::move(done)](ErrorCode err) {
        if (alive.expired()) return done(ErrorCode::NOT_COORDINATOR);
        Txn* t = find(id);
        if (!t) return done(ErrorCode::NOT_COORDINATOR);
        t->pending = false;
        if (err != ErrorCode::NONE) {
          spdlog::warn("cannot write the state of transactional id '{}': {}", id, error_name(err));
          return done(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        t->producer_id = next.producer_id;
        t->producer_epoch = next.producer_epoch;
        t->timeout_ms = next.timeout_ms;
        t->state = next.state;
        t->partitions = std::set<TopicPartition>(next.partitions.begin(), next.partitions.end());
        t->start_ms = next.start_ms;
        t->last_update_ms = next.last_update_ms;
        t->previous_producer_id = next.previous_producer_id;
        t->next_producer_id = next.next_producer_id;
        t->client_transaction_version = next.client_transaction_version;
        notify_ended(*t);
        done(ErrorCode::NONE);
      });
}

void TransactionCoordinator::when_ended(const std::string& id, std::function<void()> fn) {
  Txn* t = find(id);
  if (!t || shut_down_ || (!t->pending && !ending(t->state))) return scheduler_.post(std::move(fn));
  t->end_waiters.push_back(std::move(fn));
}

void TransactionCoordinator::notify_ended(Txn& txn) {
  if (txn.end_waiters.empty() || txn.pending || ending(txn.state)) return;
  for (auto& fn : txn.end_waiters) scheduler_.post(std::move(fn));
  txn.end_waiters.clear();
}

void TransactionCoordinator::prepare_end(Txn& txn, bool commit, bool bump_epoch,
                                         std::function<void(EndTxnResult)> done) {
  TxnValue next = value_of(txn);
  next.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
  next.last_update_ms = scheduler_.now_ms();
  EndTxnResult answer{ErrorCode::NONE, -1, -1};
  if (bump_epoch) {
    next.client_transaction_version = 2;
    // The markers carry the bumped epoch. An exhausted epoch (the bump reaches the
    // maximum) rotates to a new producer id, taken at Complete; the producer goes on
    // with that id at epoch 0.
    if (epoch_exhausted(txn.producer_epoch)) {
      const std::optional<int64_t> pid = producer_ids_.next_id();
      if (!pid) return done(EndTxnResult{ErrorCode::COORDINATOR_NOT_AVAILABLE});
      next.next_producer_id = *pid;
      answer = {ErrorCode::NONE, *pid, 0};
    } else {
      answer = {ErrorCode::NONE, txn.producer_id, static_cast<int16_t>(txn.producer_epoch + 1)};
    }
    if (txn.producer_epoch < std::numeric_limits<int16_t>::max())
      next.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
    // An abort of nothing (v2 allows it) starts and ends now.
    if (next.partitions.empty()) next.start_ms = next.last_update_ms;
  }
  write_transition(txn, std::move(next),
                   [this, id = txn.id, answer, done = std::move(done)](ErrorCode err) {
                     if (err != ErrorCode::NONE) return done(EndTxnResult{err});
                     done(answer);
                     send_markers(id);
                   });
}

void TransactionCoordinator::fence_and_abort(Txn& txn, Done done) {
  TxnValue next = value_of(txn);
  if (next.producer_epoch < std::numeric_limits<int16_t>::max()) ++next.producer_epoch;
  next.state = TxnState::kPrepareAbort;
  next.last_update_ms = scheduler_.now_ms();
  txn.last_producer_epoch = -1;
  write_transition(txn, std::move(next),
                   [this, id = txn.id, done = std::move(done)](ErrorCode err) {
                     done(err);
                     if (err == ErrorCode::NONE) send_markers(id);
                   });
}

void TransactionCoordinator::send_markers(const std::string& id) {
  Txn* t = find(id);
  if (!t || t->markers_in_flight || shut_down_) return;
  if (t->state != TxnState::kPrepareCommit && t->state != TxnState::kPrepareAbort) return;
  if (t->markers_left.empty()) t->markers_left = t->partitions;
  if (t->markers_left.empty()) return complete(id);
  const bool commit = t->state == TxnState::kPrepareCommit;
  t->markers_in_flight = true;
  struct Round {
    size_t outstanding;
    bool failed = false;
  };
  auto round = std::make_shared<Round>(Round{t->markers_left.size()});
  std::weak_ptr<bool> alive = alive_;
  const std::vector<TopicPartition> targets(t->markers_left.begin(), t->markers_left.end());
  for (const TopicPartition& tp : targets) {
    write_marker(tp, t->producer_id, t->producer_epoch, commit,
                 [this, alive, id, tp, round](ErrorCode err) {
                   if (alive.expired()) return;
                   Txn* txn = find(id);
                   if (!txn) return;
                   if (err == ErrorCode::NONE)
                     txn->markers_left.erase(tp);
                   else
                     round->failed = true;
                   if (--round->outstanding > 0) return;
                   txn->markers_in_flight = false;
                   if (!round->failed) return complete(id);
                   spdlog::warn("transaction of '{}': {} markers failed, retrying in {} ms", id,
                                txn->markers_left.size(), config_.marker_retry_ms);
                   scheduler_.schedule_after(config_.marker_retry_ms, [this, alive, id] {
                     if (!alive.expired()) send_markers(id);
                   });
                 });
  }
}

void TransactionCoordinator::write_marker(const TopicPartition& tp, int64_t producer_id,
                                          int16_t producer_epoch, bool commit, Done done) {
  if (tp.topic == kOffsetsTopic)
    return groups_.complete_transaction(producer_id, producer_epoch, commit, std::move(done));
  storage::PartitionLog* plog = logs_.partition(tp.topic, tp.partition);
  // A partition deleted since it joined the transaction needs no marker (Kafka drops
  // markers for partitions it no longer has).
  if (!plog) return done(ErrorCode::NONE);
  const auto type = commit ? storage::MarkerType::kCommit : storage::MarkerType::kAbort;
  const storage::AppendResult r =
      plog->append_marker(producer_id, producer_epoch, type, 0, scheduler_.now_ms());
  if (r.error != ErrorCode::NONE) {
    // Only storage failures are worth retrying; anything else would fail forever.
    if (r.error == ErrorCode::KAFKA_STORAGE_ERROR) return done(r.error);
    spdlog::error("marker for producer {} on {}-{} refused: {} {}", producer_id, tp.topic,
                  tp.partition, error_name(r.error), r.error_message);
    return done(ErrorCode::NONE);
  }
  if (on_marker_) on_marker_(tp.topic, tp.partition);
  plog->when_flushed(r.last_offset, std::move(done));
}

void TransactionCoordinator::complete(const std::string& id) {
  Txn* t = find(id);
  if (!t || t->pending) return;
  TxnValue next = value_of(*t);
  next.state =
      t->state == TxnState::kPrepareCommit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
  next.partitions.clear();
  next.last_update_ms = scheduler_.now_ms();
  if (next.next_producer_id >= 0) {
    next.previous_producer_id = next.producer_id;
    next.producer_id = next.next_producer_id;
    next.producer_epoch = 0;
    next.next_producer_id = -1;
  }
  std::weak_ptr<bool> alive = alive_;
  write_transition(*t, std::move(next), [this, alive, id](ErrorCode err) {
    if (err == ErrorCode::NONE || alive.expired()) return;
    scheduler_.schedule_after(config_.marker_retry_ms, [this, alive, id] {
      if (!alive.expired()) complete(id);
    });
  });
}

// ---------------------------------------------------------------- requests

void TransactionCoordinator::init_producer_id(const std::string& id, int32_t timeout_ms,
                                              int64_t expected_producer_id, int16_t expected_epoch,
                                              std::function<void(InitProducerIdResult)> done) {
  auto fail = [&](ErrorCode e) { done(InitProducerIdResult{e, -1, -1}); };
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return fail(e);
  if (id.empty()) return fail(ErrorCode::INVALID_REQUEST);
  if (timeout_ms <= 0 || timeout_ms > config_.max_timeout_ms)
    return fail(ErrorCode::INVALID_TRANSACTION_TIMEOUT);
  Txn* t = find(id);
  if (!t) {
    const std::optional<int64_t> pid = producer_ids_.next_id();
    if (!pid) return fail(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    auto created = std::make_unique<Txn>();
    created->id = id;
    created->producer_id = *pid;
    created->timeout_ms = timeout_ms;
    created->last_update_ms = scheduler_.now_ms();
    t = created.get();
    txns_.emplace(id, std::move(created));
  }
  if (t->pending) return fail(ErrorCode::CONCURRENT_TRANSACTIONS);
  const bool expected = expected_producer_id >= 0;
  if (expected) {
    const bool valid =
        t->producer_epoch == -1 || expected_producer_id == t->producer_id ||
        (expected_producer_id == t->previous_producer_id && epoch_exhausted(expected_epoch));
    if (!valid) return fail(ErrorCode::PRODUCER_FENCED);
  }
  switch (t->state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      return fail(ErrorCode::CONCURRENT_TRANSACTIONS);
    case TxnState::kOngoing:
      // The open transaction aborts under a bumped epoch first; the client retries on
      // CONCURRENT_TRANSACTIONS and then gets the epoch after that.
      return fence_and_abort(*t, [done = std::move(done)](ErrorCode err) {
        done(InitProducerIdResult{err == ErrorCode::NONE ? ErrorCode::CONCURRENT_TRANSACTIONS : err,
                                  -1, -1});
      });
    case TxnState::kDead:
    case TxnState::kPrepareEpochFence:
      return fail(ErrorCode::CONCURRENT_TRANSACTIONS);
    default:
      break;
  }
  TxnValue next = value_of(*t);
  int64_t last_pid = t->previous_producer_id;
  int16_t last_epoch = t->last_producer_epoch;
  if (epoch_exhausted(t->producer_epoch) && (!expected || expected_epoch == t->producer_epoch)) {
    const std::optional<int64_t> pid = producer_ids_.next_id();
    if (!pid) return fail(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    last_pid = t->producer_id;
    // As in Kafka, the old epoch is remembered only for the producer's own (KIP-360)
    // request, whose answer it may retry.
    last_epoch = expected ? t->producer_epoch : -1;
    next.producer_id = *pid;
    next.producer_epoch = 0;
  } else if (!expected) {
    // A new instance fences the previous one, which must not get this epoch by
    // retrying its own: Kafka forgets the previous epoch here.
    last_epoch = -1;
    next.producer_epoch = static_cast<int16_t>(t->producer_epoch + 1);
  } else if (t->producer_epoch == -1 || expected_epoch == -1 ||
             expected_epoch == t->producer_epoch) {
    // No epoch yet (the id is new to this coordinator, e.g. it expired): the
    // recovering producer gets the fresh id.
    last_epoch = t->producer_epoch;
    next.producer_epoch = static_cast<int16_t>(t->producer_epoch + 1);
  } else if (expected_epoch == t->last_producer_epoch) {
    // A retry of a bump whose answer was lost: answer the same epoch again.
  } else {
    return fail(ErrorCode::PRODUCER_FENCED);
  }
  next.timeout_ms = timeout_ms;
  next.state = TxnState::kEmpty;
  next.partitions.clear();
  next.start_ms = -1;
  next.last_update_ms = scheduler_.now_ms();
  next.previous_producer_id = last_pid;
  write_transition(*t, next, [this, id, next, last_epoch, done = std::move(done)](ErrorCode err) {
    if (err != ErrorCode::NONE) return done(InitProducerIdResult{err, -1, -1});
    if (Txn* txn = find(id)) txn->last_producer_epoch = last_epoch;
    spdlog::info("initialized transactional id '{}' with producer id {} and epoch {}", id,
                 next.producer_id, next.producer_epoch);
    done(InitProducerIdResult{ErrorCode::NONE, next.producer_id, next.producer_epoch});
  });
}

void TransactionCoordinator::add_partitions(const std::string& id, int64_t producer_id,
                                            int16_t producer_epoch,
                                            std::vector<TopicPartition> partitions, Done done,
                                            int16_t client_transaction_version) {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return done(e);
  if (id.empty()) return done(ErrorCode::INVALID_REQUEST);
  Txn* t = find(id);
  if (!t || t->producer_id != producer_id) return done(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (t->producer_epoch != producer_epoch) return done(ErrorCode::PRODUCER_FENCED);
  if (t->pending || t->state == TxnState::kPrepareCommit || t->state == TxnState::kPrepareAbort)
    return done(ErrorCode::CONCURRENT_TRANSACTIONS);
  if (t->state == TxnState::kOngoing &&
      std::all_of(partitions.begin(), partitions.end(),
                  [&](const TopicPartition& tp) { return t->partitions.count(tp) > 0; }))
    return done(ErrorCode::NONE);
  TxnValue next = value_of(*t);
  const int64_t now = scheduler_.now_ms();
  if (t->state != TxnState::kOngoing) {
    next.partitions.clear();
    next.start_ms = now;
  }
  next.state = TxnState::kOngoing;
  std::set<TopicPartition> all(next.partitions.begin(), next.partitions.end());
  all.insert(partitions.begin(), partitions.end());
  next.partitions.assign(all.begin(), all.end());
  next.last_update_ms = now;
  next.client_transaction_version = client_transaction_version;
  write_transition(*t, std::move(next), std::move(done));
}

ErrorCode TransactionCoordinator::verify(const std::string& id, int64_t producer_id,
                                         int16_t producer_epoch, const TopicPartition& tp) const {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return e;
  const Txn* t = find(id);
  if (!t || t->producer_id != producer_id) return ErrorCode::INVALID_PRODUCER_ID_MAPPING;
  if (producer_epoch != t->producer_epoch) return ErrorCode::PRODUCER_FENCED;
  if (t->state == TxnState::kPrepareCommit || t->state == TxnState::kPrepareAbort)
    return ErrorCode::CONCURRENT_TRANSACTIONS;
  // The partitions are those of the ongoing transaction (a Complete state has none).
  if (t->state != TxnState::kOngoing || !t->partitions.count(tp))
    return ErrorCode::TRANSACTION_ABORTABLE;
  return ErrorCode::NONE;
}

void TransactionCoordinator::end_transaction(const std::string& id, int64_t producer_id,
                                             int16_t producer_epoch, bool commit,
                                             int16_t client_transaction_version,
                                             std::function<void(EndTxnResult)> done) {
  auto fail = [&](ErrorCode e) { done(EndTxnResult{e}); };
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return fail(e);
  if (id.empty()) return fail(ErrorCode::INVALID_REQUEST);
  Txn* t = find(id);
  if (!t) return fail(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (client_transaction_version >= 2)
    return end_transaction_v2(*t, producer_id, producer_epoch, commit, std::move(done));
  if (t->producer_id != producer_id) return fail(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  end_transaction_v1(*t, producer_epoch, commit, std::move(done));
}

void TransactionCoordinator::end_transaction_v1(Txn& t, int16_t producer_epoch, bool commit,
                                                std::function<void(EndTxnResult)> done) {
  auto answer = [&](ErrorCode e) { done(EndTxnResult{e}); };
  if (producer_epoch != t.producer_epoch) return answer(ErrorCode::PRODUCER_FENCED);
  if (t.pending) return answer(ErrorCode::CONCURRENT_TRANSACTIONS);
  switch (t.state) {
    case TxnState::kOngoing:
      return prepare_end(t, commit, false, [done = std::move(done)](EndTxnResult r) {
        done(EndTxnResult{r.error});  // v1 answers carry no producer id
      });
    case TxnState::kCompleteCommit:
      return answer(commit ? ErrorCode::NONE : ErrorCode::INVALID_TXN_STATE);
    case TxnState::kCompleteAbort:
      return answer(commit ? ErrorCode::INVALID_TXN_STATE : ErrorCode::NONE);
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      return answer(end_while_ending(t.state, commit));
    default:
      return answer(ErrorCode::INVALID_TXN_STATE);
  }
}

// Kafka's table for transactions v2, where the same epoch in a Complete state is the
// next transaction and a retry of the end that bumped it comes with the epoch below:
//                  abort: retry / current     commit: retry / current
//   Empty          fenced / new abort         fenced / INVALID_TXN_STATE
//   CompleteAbort  NONE   / new abort         INVALID_TXN_STATE (both)
//   CompleteCommit INVALID_TXN_STATE / new    NONE   / INVALID_TXN_STATE
// ("new abort": an abort without partitions, which still bumps the epoch.)
void TransactionCoordinator::end_transaction_v2(Txn& t, int64_t producer_id, int16_t producer_epoch,
                                                bool commit,
                                                std::function<void(EndTxnResult)> done) {
  auto answer = [&](ErrorCode e) { done(EndTxnResult{e}); };
  // A retry of the end that rotated the producer id: it names the old id and the last
  // epoch the producer had.
  const bool retry_on_overflow =
      t.previous_producer_id == producer_id && t.producer_id != producer_id &&
      producer_epoch == std::numeric_limits<int16_t>::max() - 1 && t.producer_epoch == 0;
  if (t.producer_id != producer_id && !retry_on_overflow)
    return answer(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
  if (t.pending) return answer(ErrorCode::CONCURRENT_TRANSACTIONS);
  const bool retry_on_bump = t.producer_id == producer_id && t.producer_epoch == producer_epoch + 1;
  const bool retry = retry_on_bump || retry_on_overflow;
  bool valid_epoch = false;
  switch (t.state) {
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      valid_epoch = retry_on_bump;
      break;
    case TxnState::kCompleteCommit:
    case TxnState::kCompleteAbort:
      valid_epoch = retry || producer_epoch == t.producer_epoch;
      break;
    default:
      valid_epoch = producer_epoch == t.producer_epoch;
      break;
  }
  if (!valid_epoch) return answer(ErrorCode::PRODUCER_FENCED);
  auto retried = [&] { done(EndTxnResult{ErrorCode::NONE, t.producer_id, t.producer_epoch}); };
  switch (t.state) {
    case TxnState::kOngoing:
      return prepare_end(t, commit, true, std::move(done));
    case TxnState::kCompleteCommit:
      if (commit) return retry ? retried() : answer(ErrorCode::INVALID_TXN_STATE);
      if (retry) return answer(ErrorCode::INVALID_TXN_STATE);
      return prepare_end(t, false, true, std::move(done));
    case TxnState::kCompleteAbort:
      if (commit) return answer(ErrorCode::INVALID_TXN_STATE);
      if (retry) return retried();
      return prepare_end(t, false, true, std::move(done));
    case TxnState::kEmpty:
      if (commit) return answer(ErrorCode::INVALID_TXN_STATE);
      return prepare_end(t, false, true, std::move(done));
    case TxnState::kPrepareCommit:
    case TxnState::kPrepareAbort:
      return answer(end_while_ending(t.state, commit));
    default:
      return answer(ErrorCode::INVALID_TXN_STATE);
  }
}

TransactionDescription TransactionCoordinator::describe(const std::string& id) const {
  TransactionDescription d;
  d.transactional_id = id;
  if ((d.error = unavailable()) != ErrorCode::NONE) return d;
  if (id.empty()) {
    d.error = ErrorCode::INVALID_REQUEST;
    return d;
  }
  const Txn* t = find(id);
  if (!t || t->state == TxnState::kDead) {
    d.error = ErrorCode::TRANSACTIONAL_ID_NOT_FOUND;
    return d;
  }
  d.state = to_string(t->state);
  d.timeout_ms = t->timeout_ms;
  d.start_ms = t->start_ms;
  d.producer_id = t->producer_id;
  d.producer_epoch = t->producer_epoch;
  d.partitions.assign(t->partitions.begin(), t->partitions.end());
  return d;
}

std::vector<TransactionListing> TransactionCoordinator::list(
    const std::vector<std::string>& states, const std::vector<int64_t>& producer_ids,
    int64_t min_duration_ms, std::vector<std::string>& unknown_states) const {
  std::set<TxnState> wanted;
  for (const auto& name : states) {
    if (auto s = txn_state_from_string(name))
      wanted.insert(*s);
    else
      unknown_states.push_back(name);
  }
  const std::set<int64_t> pids(producer_ids.begin(), producer_ids.end());
  const int64_t now = scheduler_.now_ms();
  std::vector<TransactionListing> out;
  // Only unknown state filters given: nothing can match.
  if (!states.empty() && wanted.empty()) return out;
  for (const auto& [id, t] : txns_) {
    if (t->state == TxnState::kDead) continue;
    if (!wanted.empty() && !wanted.count(t->state)) continue;
    if (!pids.empty() && !pids.count(t->producer_id)) continue;
    if (min_duration_ms >= 0 && now - t->start_ms <= min_duration_ms) continue;
    out.push_back({id, t->producer_id, to_string(t->state)});
  }
  return out;
}

}  // namespace samsa::coordinator
