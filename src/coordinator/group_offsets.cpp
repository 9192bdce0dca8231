// Committed offsets, group administration (describe, list, delete) and persistence
// of both in __consumer_offsets.
#include <algorithm>
#include <cctype>

#include "group_internal.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/protocol/reader.h"
#include "samsa/storage/log_manager.h"
#include "samsa/storage/partition_log.h"

namespace samsa::coordinator {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Storage failures become retriable coordinator errors, as Kafka maps them.
ErrorCode commit_error_from_storage(ErrorCode err) {
  switch (err) {
    case ErrorCode::NONE:
      return ErrorCode::NONE;
    case ErrorCode::MESSAGE_TOO_LARGE:
    case ErrorCode::RECORD_LIST_TOO_LARGE:
      return ErrorCode::INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  }
}

// The topics of a "consumer" protocol subscription (version, topics, ...), or nullopt
// when it cannot be read.
std::optional<std::vector<std::string>> subscribed_topics(const Bytes& metadata) {
  try {
    Bytes copy = metadata;
    protocol::Reader r(copy);
    r.read_int16();
    const int32_t n = r.read_array_length(false, 2);
    std::vector<std::string> topics;
    for (int32_t i = 0; i < n; ++i) topics.push_back(r.read_string());
    return topics;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

// ---------------------------------------------------------------- load, store

void GroupCoordinator::load() {
  GroupLogVisitor visitor;
  visitor.on_group = [this](const std::string& group, std::optional<GroupValue> value) {
    apply_group_record(group, std::move(value));
  };
  visitor.on_consumer_group = [this](const std::string& group,
                                     std::optional<ConsumerGroupModel> model) {
    apply_consumer_group_record(group, std::move(model));
  };
  visitor.on_offset = [this](const std::string& group, const TopicPartition& tp,
                             std::optional<OffsetValue> value) {
    apply_offset_record(true, group, tp, std::move(value));
  };
  visitor.on_compacted_offset = [this](const std::string& group, const TopicPartition& tp,
                                       std::optional<OffsetValue> value) {
    apply_offset_record(false, group, tp, std::move(value));
  };
  visitor.on_txn_offset = [this](int64_t producer_id, const std::string& group,
                                 const TopicPartition& tp, std::optional<OffsetValue> value) {
    apply_txn_offset_record(producer_id, group, tp, std::move(value));
  };
  visitor.on_txn_marker = [this](int64_t producer_id, bool commit) {
    apply_txn_end(producer_id, commit);
  };
  records_in_log_ = static_cast<int64_t>(log_.replay(visitor, scheduler_.now_ms()));
  // Groups left with neither metadata nor offsets were deleted.
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (it->second->offsets.empty() && it->second->generation == 0 &&
        it->second->protocol_type.empty() && it->second->txn_offsets.empty() &&
        !it->second->consumer)
      it = groups_.erase(it);
    else
      ++it;
  }
  loaded_ = true;
  for (auto& [_, g] : groups_) {
    for (auto& [_, m] : g->members) schedule_session(*g, *m, m->session_timeout_ms);
    // Consumer-group members get a session from the load, as Kafka restores them; one
    // that was revoking partitions gets its rebalance timeout again.
    if (!g->consumer) continue;
    for (const auto& [id, m] : g->consumer->model.members()) {
      schedule_consumer_session(*g, id);
      if (m.state == MemberState::kUnrevokedPartitions)
        schedule_rebalance_timeout(*g, id, m.member_epoch, m.rebalance_timeout_ms);
    }
  }
  const int64_t live = static_cast<int64_t>(snapshot().size());
  if (records_in_log_ - live > config_.compact_after_dead_records) compact_log();
  schedule_expiry();
}

void GroupCoordinator::apply_group_record(const std::string& group_id,
                                          std::optional<GroupValue> value) {
  Group* g = find(group_id);
  if (g) {
    g->members.clear();
    g->static_members.clear();
    g->protocol.reset();
    g->leader.reset();
    g->state = GroupState::kEmpty;
  }
  if (!value) {
    // Tombstone: the group's metadata is gone; offsets have their own tombstones.
    if (g) {
      g->generation = 0;
      g->protocol_type.clear();
    }
    return;
  }
  if (!g) g = &create_group(group_id);
  g->protocol_type = value->protocol_type;
  g->generation = value->generation;
  g->state_timestamp = value->members.empty() && value->state_timestamp > 0 ? value->state_timestamp
                                                                            : scheduler_.now_ms();
  if (value->members.empty() || !value->protocol) return;
  // Members come back as Kafka restores them: the group is Stable in its stored
  // generation, with each member's subscription and assignment, so members that keep
  // heartbeating across a restart carry on without a rebalance (and their commits are
  // accepted). Their session timers start once the load completes.
  g->protocol = value->protocol;
  g->leader = value->leader;
  g->state = GroupState::kStable;
  for (StoredMember& stored : value->members) {
    auto m = std::make_unique<Member>();
    m->member_id = stored.member_id;
    m->group_instance_id = stored.group_instance_id;
    m->client_id = std::move(stored.client_id);
    m->client_host = std::move(stored.client_host);
    m->session_timeout_ms = stored.session_timeout_ms;
    m->rebalance_timeout_ms = stored.rebalance_timeout_ms;
    m->protocol_type = g->protocol_type;
    m->protocols.push_back({*g->protocol, std::move(stored.subscription)});
    m->assignment = std::move(stored.assignment);
    if (m->group_instance_id) g->static_members[*m->group_instance_id] = m->member_id;
    g->members[stored.member_id] = std::move(m);
  }
}

void GroupCoordinator::apply_offset_record(bool commit, const std::string& group_id,
                                           const TopicPartition& tp,
                                           std::optional<OffsetValue> value) {
  Group* g = find(group_id);
  if (!value) {
    if (g) g->offsets.erase(tp);
    return;
  }
  if (!g) g = &create_group(group_id);
  if (commit)
    g->set_committed(tp, std::move(*value));
  else
    g->offsets[tp] = std::move(*value);
}

void GroupCoordinator::apply_txn_offset_record(int64_t producer_id, const std::string& group_id,
                                               const TopicPartition& tp,
                                               std::optional<OffsetValue> value) {
  if (!value) return;  // transactions never write tombstones
  Group* g = find(group_id);
  if (!g) g = &create_group(group_id);
  g->txn_offsets[producer_id][tp] = {std::move(*value), false};
  txn_groups_[producer_id].insert(group_id);
}

void GroupCoordinator::apply_txn_end(int64_t producer_id, bool commit) {
  const auto it = txn_groups_.find(producer_id);
  if (it == txn_groups_.end()) return;
  for (const std::string& group_id : it->second) {
    Group* g = find(group_id);
    if (!g) continue;
    const auto pending = g->txn_offsets.find(producer_id);
    if (pending == g->txn_offsets.end()) continue;
    if (commit)
      for (auto& [tp, p] : pending->second)
        if (!p.superseded) g->offsets[tp] = std::move(p.value);
    g->txn_offsets.erase(pending);
  }
  txn_groups_.erase(it);
}

GroupValue GroupCoordinator::group_value(const Group& g) const {
  GroupValue v;
  v.protocol_type = g.protocol_type;
  v.generation = g.generation;
  v.protocol = g.protocol;
  v.leader = g.leader;
  v.state_timestamp = g.state_timestamp;
  for (const auto& [_, m] : g.members) {
    StoredMember s;
    s.member_id = m->member_id;
    s.group_instance_id = m->group_instance_id;
    s.client_id = m->client_id;
    s.client_host = m->client_host;
    s.rebalance_timeout_ms = m->rebalance_timeout_ms;
    s.session_timeout_ms = m->session_timeout_ms;
    if (g.protocol)
      if (const Bytes* md = m->metadata_for(*g.protocol)) s.subscription = *md;
    s.assignment = m->assignment;
    v.members.push_back(std::move(s));
  }
  return v;
}

void GroupCoordinator::store_group(Group& g, std::function<void(ErrorCode)> done) {
  const LogRecord record{encode_group_key(g.id), encode_group_value(group_value(g))};
  ++records_in_log_;
  log_.append(std::span(&record, 1), scheduler_.now_ms(), std::move(done));
}

std::vector<LogRecord> GroupCoordinator::snapshot() const {
  std::vector<LogRecord> records;
  for (const auto& [id, g] : groups_) {
    if (!g->protocol_type.empty() || g->generation > 0)
      records.push_back({encode_group_key(id), encode_group_value(group_value(*g))});
    if (g->consumer && g->consumer->stored)
      records.push_back(
          {encode_consumer_group_key(id), encode_consumer_group_value(g->consumer->model)});
    for (const auto& [tp, value] : g->offsets)
      records.push_back({encode_offset_key(id, tp, true), encode_offset_value(value)});
  }
  return records;
}

void GroupCoordinator::compact_log() {
  const std::vector<LogRecord> live = snapshot();
  log_.compact(live, scheduler_.now_ms());
  records_in_log_ = static_cast<int64_t>(live.size());
}

void GroupCoordinator::schedule_expiry() {
  if (shut_down_ || config_.offsets_retention_check_interval_ms <= 0) return;
  expiry_task_ = scheduler_.schedule_after(config_.offsets_retention_check_interval_ms, [this] {
    expiry_task_ = 0;
    expire_offsets();
    if (records_in_log_ - static_cast<int64_t>(snapshot().size()) >
        config_.compact_after_dead_records)
      compact_log();
    schedule_expiry();
  });
}

// ---------------------------------------------------------------- OffsetCommit

void GroupCoordinator::prepare_offsets(
    const Group& g, const std::vector<OffsetCommitEntry>& entries, int64_t now,
    std::vector<ErrorCode>& errors, std::vector<LogRecord>& records,
    std::vector<std::pair<TopicPartition, OffsetValue>>& values) const {
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    const auto* topic = logs_.find_topic(e.tp.topic);
    if (!topic || e.tp.partition < 0 || e.tp.partition >= topic->partition_count) {
      errors[i] = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
      continue;
    }
    if (e.metadata && e.metadata->size() > static_cast<size_t>(config_.offset_metadata_max_bytes)) {
      errors[i] = ErrorCode::OFFSET_METADATA_TOO_LARGE;
      continue;
    }
    OffsetValue v;
    v.offset = e.offset;
    v.leader_epoch = e.leader_epoch;
    v.metadata = e.metadata.value_or("");
    v.commit_timestamp = now;
    records.push_back({encode_offset_key(g.id, e.tp), encode_offset_value(v)});
    values.emplace_back(e.tp, std::move(v));
  }
}

ErrorCode GroupCoordinator::validate_commit(Group* g, const OffsetCommitParams& p) const {
  if (!g) {
    // Only an admin commit (generation -1) may create a group: a simple group.
    return p.generation_id_or_member_epoch < 0 ? ErrorCode::NONE : ErrorCode::ILLEGAL_GENERATION;
  }
  if (g->consumer) return validate_consumer_commit(*g, p);
  if (g->state == GroupState::kDead) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (is_static_member_fenced(*g, p.group_instance_id, p.member_id))
    return ErrorCode::FENCED_INSTANCE_ID;
  if (p.generation_id_or_member_epoch < 0 && g->state == GroupState::kEmpty)
    return ErrorCode::NONE;  // the admin client resetting offsets of an idle group
  if (g->state == GroupState::kCompletingRebalance) return ErrorCode::REBALANCE_IN_PROGRESS;
  if (!g->member(p.member_id)) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (p.generation_id_or_member_epoch != g->generation) return ErrorCode::ILLEGAL_GENERATION;
  return ErrorCode::NONE;
}

void GroupCoordinator::commit_offsets(OffsetCommitParams params, OffsetCommitCallback done) {
  const size_t n = params.entries.size();
  auto all = [&](ErrorCode e) { done(std::vector<ErrorCode>(n, e)); };
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return all(e);
  // The empty group id is accepted, as Kafka keeps accepting it for old clients' commits.
  Group* g = find(params.group_id);
  if (const ErrorCode err = validate_commit(g, params); err != ErrorCode::NONE) return all(err);
  if (!g) g = &create_group(params.group_id);
  if (Member* m = g->member(params.member_id)) schedule_session(*g, *m, m->session_timeout_ms);

  std::vector<ErrorCode> errors(n, ErrorCode::NONE);
  std::vector<LogRecord> records;
  std::vector<std::pair<TopicPartition, OffsetValue>> values;
  const int64_t now = scheduler_.now_ms();
  prepare_offsets(*g, params.entries, now, errors, records, values);
  if (records.empty()) return done(std::move(errors));

  for (const auto& [tp, _] : values) ++g->pending_commits[tp];
  records_in_log_ += static_cast<int64_t>(records.size());
  std::weak_ptr<bool> alive = alive_;
  log_.append(records, now,
              [this, alive, gid = g->id, values = std::move(values), errors = std::move(errors),
               done = std::move(done)](ErrorCode err) mutable {
                if (alive.expired())
                  return done(std::vector<ErrorCode>(errors.size(), ErrorCode::NOT_COORDINATOR));
                Group* grp = find(gid);
                const ErrorCode mapped = commit_error_from_storage(err);
                for (auto& [tp, v] : values) {
                  if (!grp) break;
                  if (auto it = grp->pending_commits.find(tp);
                      it != grp->pending_commits.end() && --it->second <= 0)
                    grp->pending_commits.erase(it);
                  if (mapped == ErrorCode::NONE) grp->set_committed(tp, std::move(v));
                }
                if (mapped != ErrorCode::NONE)
                  for (auto& e : errors)
                    if (e == ErrorCode::NONE) e = mapped;
                done(std::move(errors));
              });
}

// ---------------------------------------------------------------- TxnOffsetCommit

void GroupCoordinator::txn_commit_offsets(TxnOffsetCommitParams params, OffsetCommitCallback done) {
  const size_t n = params.entries.size();
  auto all = [&](ErrorCode e) { done(std::vector<ErrorCode>(n, e)); };
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return all(e);
  Group* g = find(params.group_id);
  // Clients before TxnOffsetCommit v3 send no membership: nothing to check then.
  if (g && (params.generation_id >= 0 || !params.member_id.empty())) {
    OffsetCommitParams as_commit;
    as_commit.group_id = params.group_id;
    as_commit.generation_id_or_member_epoch = params.generation_id;
    as_commit.member_id = params.member_id;
    as_commit.group_instance_id = params.group_instance_id;
    if (const ErrorCode err = validate_commit(g, as_commit); err != ErrorCode::NONE)
      return all(err);
  }
  if (!g) g = &create_group(params.group_id);

  std::vector<ErrorCode> errors(n, ErrorCode::NONE);
  std::vector<LogRecord> records;
  std::vector<std::pair<TopicPartition, OffsetValue>> values;
  const int64_t now = scheduler_.now_ms();
  prepare_offsets(*g, params.entries, now, errors, records, values);
  if (records.empty()) return done(std::move(errors));

  records_in_log_ += static_cast<int64_t>(records.size());
  const BatchProducer producer{params.producer_id, params.producer_epoch, true};
  std::weak_ptr<bool> alive = alive_;
  log_.append(
      records, now,
      [this, alive, gid = g->id, pid = params.producer_id, values = std::move(values),
       errors = std::move(errors), done = std::move(done)](ErrorCode err) mutable {
        if (alive.expired())
          return done(std::vector<ErrorCode>(errors.size(), ErrorCode::NOT_COORDINATOR));
        // A fenced producer's batch is refused by the log with its epoch error.
        const ErrorCode mapped = err == ErrorCode::INVALID_PRODUCER_EPOCH
                                     ? ErrorCode::INVALID_PRODUCER_EPOCH
                                     : commit_error_from_storage(err);
        if (mapped == ErrorCode::NONE) {
          Group* grp = find(gid);
          if (!grp) grp = &create_group(gid);
          for (auto& [tp, v] : values) grp->txn_offsets[pid][tp] = {std::move(v), false};
          txn_groups_[pid].insert(gid);
        }
        for (auto& e : errors)
          if (e == ErrorCode::NONE) e = mapped;
        done(std::move(errors));
      },
      producer);
}

void GroupCoordinator::complete_transaction(int64_t producer_id, int16_t producer_epoch,
                                            bool commit, std::function<void(ErrorCode)> done) {
  storage::PartitionLog* plog = log_.partition_for_write();
  if (!plog) return done(ErrorCode::COORDINATOR_NOT_AVAILABLE);
  const auto type = commit ? storage::MarkerType::kCommit : storage::MarkerType::kAbort;
  const storage::AppendResult result =
      plog->append_marker(producer_id, producer_epoch, type, 0, scheduler_.now_ms());
  if (result.error != ErrorCode::NONE) return done(result.error);
  std::weak_ptr<bool> alive = alive_;
  plog->when_flushed(result.last_offset,
                     [this, alive, producer_id, commit, done = std::move(done)](ErrorCode err) {
                       if (alive.expired()) return done(ErrorCode::NOT_COORDINATOR);
                       // Durable or not, the marker is in the log: a restart replays it, so the
                       // offsets follow it now too.
                       apply_txn_end(producer_id, commit);
                       done(err);
                     });
}

// ---------------------------------------------------------------- OffsetFetch

OffsetFetchResult GroupCoordinator::fetch_offsets(const OffsetFetchParams& params) const {
  OffsetFetchResult result;
  if ((result.error = unavailable()) != ErrorCode::NONE) return result;
  const Group* g = find(params.group_id);
  if (g && g->consumer) {
    result.error = validate_consumer_fetch(*g, params);
    if (result.error != ErrorCode::NONE) return result;
  }
  auto lookup = [&](const TopicPartition& tp) {
    FetchedOffset f;
    f.tp = tp;
    if (!g) return f;
    if (params.require_stable && (g->pending_commits.count(tp) || g->has_pending_txn_offset(tp))) {
      f.error = ErrorCode::UNSTABLE_OFFSET_COMMIT;
      return f;
    }
    if (auto it = g->offsets.find(tp); it != g->offsets.end()) {
      f.offset = it->second.offset;
      f.leader_epoch = it->second.leader_epoch;
      f.metadata = it->second.metadata;
    }
    return f;
  };
  if (params.partitions) {
    for (const auto& tp : *params.partitions) result.offsets.push_back(lookup(tp));
  } else if (g) {
    for (const auto& [tp, _] : g->offsets) result.offsets.push_back(lookup(tp));
  }
  return result;
}

// ---------------------------------------------------------------- OffsetDelete

void GroupCoordinator::delete_offsets(const std::string& group_id,
                                      const std::vector<TopicPartition>& partitions,
                                      std::function<void(OffsetDeleteResult)> done) {
  OffsetDeleteResult result;
  if ((result.error = unavailable()) != ErrorCode::NONE) return done(std::move(result));
  if (group_id.empty()) {
    result.error = ErrorCode::INVALID_GROUP_ID;
    return done(std::move(result));
  }
  Group* g = find(group_id);
  if (!g || g->state == GroupState::kDead) {
    result.error = ErrorCode::GROUP_ID_NOT_FOUND;
    return done(std::move(result));
  }
  const bool idle = g->consumer ? g->consumer->model.empty()
                                : g->state == GroupState::kEmpty || g->protocol_type.empty();
  if (!idle && !g->consumer && g->protocol_type != "consumer") {
    result.error = ErrorCode::NON_EMPTY_GROUP;
    return done(std::move(result));
  }
  // Topics the active members subscribe to keep their offsets.
  auto subscribed = [&](const std::string& topic) {
    if (idle) return false;
    if (g->consumer) return consumer_group_subscribes(*g, topic);
    for (const auto& [_, m] : g->members) {
      const Bytes* md = g->protocol ? m->metadata_for(*g->protocol) : nullptr;
      if (!md) return true;
      auto topics = subscribed_topics(*md);
      if (!topics || std::find(topics->begin(), topics->end(), topic) != topics->end()) return true;
    }
    return false;
  };
  std::vector<LogRecord> tombstones;
  for (const auto& tp : partitions) {
    if (subscribed(tp.topic)) {
      result.partitions.push_back(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC);
      continue;
    }
    result.partitions.push_back(ErrorCode::NONE);
    if (g->offsets.erase(tp)) tombstones.push_back({encode_offset_key(group_id, tp), std::nullopt});
  }
  records_in_log_ += static_cast<int64_t>(tombstones.size());
  log_.append(tombstones, scheduler_.now_ms(),
              [result = std::move(result), done = std::move(done)](ErrorCode err) mutable {
                if (err != ErrorCode::NONE) result.error = commit_error_from_storage(err);
                done(std::move(result));
              });
}

// ---------------------------------------------------------------- administration

GroupDescription GroupCoordinator::describe_group(const std::string& group_id) const {
  GroupDescription d;
  d.group_id = group_id;
  if ((d.error = unavailable()) != ErrorCode::NONE) return d;
  const Group* g = find(group_id);
  if (!g || g->consumer) {
    // Kafka 3.9 describes a consumer group through ConsumerGroupDescribe only: for
    // DescribeGroups v0-5 it is Dead, without an error.
    d.state = to_string(GroupState::kDead);
    return d;
  }
  d.state = to_string(g->state);
  d.protocol_type = g->protocol_type;
  const bool stable = g->state == GroupState::kStable && g->protocol;
  if (stable) d.protocol = *g->protocol;
  for (const auto& [_, m] : g->members) {
    DescribedMember dm;
    dm.member_id = m->member_id;
    dm.group_instance_id = m->group_instance_id;
    dm.client_id = m->client_id;
    dm.client_host = m->client_host;
    // Metadata only in Stable; the current assignment in every state, as Kafka shows it
    // (a rebalance keeps it until the new one is synced).
    if (stable)
      if (const Bytes* md = m->metadata_for(*g->protocol)) dm.metadata = *md;
    dm.assignment = m->assignment;
    d.members.push_back(std::move(dm));
  }
  return d;
}

std::vector<GroupListing> GroupCoordinator::list_groups(
    const std::vector<std::string>& states, const std::vector<std::string>& types) const {
  std::vector<GroupListing> out;
  if (shut_down_ || !loaded_) return out;
  for (const auto& [id, g] : groups_) {
    GroupListing l;
    l.group_id = id;
    l.protocol_type = g->protocol_type;
    l.state = to_string(g->state);
    l.type = "classic";
    if (g->consumer) {
      l.protocol_type = "consumer";
      l.state = to_string(g->consumer->model.state());
      l.type = "consumer";
    }
    auto match = [](const std::vector<std::string>& filter, const std::string& value) {
      return filter.empty() || std::any_of(filter.begin(), filter.end(),
                                           [&](const auto& f) { return iequals(f, value); });
    };
    if (match(states, l.state) && match(types, l.type)) out.push_back(std::move(l));
  }
  return out;
}

void GroupCoordinator::delete_groups(const std::vector<std::string>& group_ids,
                                     std::function<void(std::vector<ErrorCode>)> done) {
  std::vector<ErrorCode> errors;
  std::vector<LogRecord> tombstones;
  for (const auto& id : group_ids) {
    if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) {
      errors.push_back(e);
      continue;
    }
    Group* g = find(id);  // "" included: Kafka lets old clients commit to it
    if (!g || g->state == GroupState::kDead) {
      errors.push_back(ErrorCode::GROUP_ID_NOT_FOUND);
      continue;
    }
    if (g->state != GroupState::kEmpty || (g->consumer && !g->consumer->model.empty())) {
      errors.push_back(ErrorCode::NON_EMPTY_GROUP);
      continue;
    }
    for (const auto& [tp, _] : g->offsets)
      tombstones.push_back({encode_offset_key(id, tp), std::nullopt});
    tombstones.push_back({encode_group_key(id), std::nullopt});
    if (auto tombstone = consumer_group_tombstone(*g)) tombstones.push_back(std::move(*tombstone));
    remove_group(id);
    errors.push_back(ErrorCode::NONE);
  }
  records_in_log_ += static_cast<int64_t>(tombstones.size());
  log_.append(tombstones, scheduler_.now_ms(),
              [errors = std::move(errors), done = std::move(done)](ErrorCode err) mutable {
                if (err != ErrorCode::NONE)
                  for (auto& e : errors)
                    if (e == ErrorCode::NONE) e = ErrorCode::COORDINATOR_NOT_AVAILABLE;
                done(std::move(errors));
              });
}

size_t GroupCoordinator::expire_offsets() {
  if (shut_down_ || !loaded_) return 0;
  const int64_t now = scheduler_.now_ms();
  std::vector<LogRecord> tombstones;
  std::vector<std::string> dead;
  size_t expired = 0;
  for (auto& [id, g] : groups_) {
    if (g->state != GroupState::kEmpty) continue;
    // A consumer group with members keeps its offsets (Kafka only expires those of
    // topics nobody subscribes to; samsa waits for the group to be empty).
    if (g->consumer && !g->consumer->model.empty()) continue;
    for (auto it = g->offsets.begin(); it != g->offsets.end();) {
      // A group that used group management counts from when it became empty; a
      // simple group and a consumer group from each commit (Kafka's KIP-211 rule and
      // ConsumerGroup.offsetExpirationCondition).
      const int64_t base =
          g->protocol_type.empty() ? it->second.commit_timestamp : g->state_timestamp;
      if (!g->pending_commits.count(it->first) && now - base >= config_.offsets_retention_ms) {
        tombstones.push_back({encode_offset_key(id, it->first), std::nullopt});
        it = g->offsets.erase(it);
        ++expired;
      } else {
        ++it;
      }
    }
    // Offsets pending in a transaction count too (Kafka's GroupMetadata.hasOffsets): the
    // group must be there when the commit marker comes.
    if (g->offsets.empty() && g->pending_commits.empty() && g->txn_offsets.empty() &&
        g->members.empty() && g->pending_members.empty()) {
      tombstones.push_back({encode_group_key(id), std::nullopt});
      if (auto tombstone = consumer_group_tombstone(*g))
        tombstones.push_back(std::move(*tombstone));
      dead.push_back(id);
    }
  }
  for (const auto& id : dead) remove_group(id);
  records_in_log_ += static_cast<int64_t>(tombstones.size());
  log_.append(tombstones, now, [](ErrorCode) {});
  return expired;
}

}  // namespace samsa::coordinator
