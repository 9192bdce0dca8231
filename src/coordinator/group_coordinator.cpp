// The classic rebalance protocol. The structure follows Kafka 3.9's GroupCoordinator:
// join_unknown_member / join_known_member mirror doNewMemberJoinGroup /
// doCurrentMemberJoinGroup, and the join completes either when every known member
// has rejoined or when the rebalance timeout fires.
#include "samsa/coordinator/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "group_internal.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/assignor.h"
#include "samsa/storage/log_manager.h"

namespace samsa::coordinator {

namespace {

bool same_protocols(const std::vector<GroupProtocol>& a, const std::vector<GroupProtocol>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) return false;
  return true;
}

JoinGroupResult join_error(ErrorCode error, std::string member_id = {}) {
  JoinGroupResult r;
  r.error = error;
  r.member_id = std::move(member_id);
  return r;
}

SyncGroupResult sync_error(ErrorCode error) {
  SyncGroupResult r;
  r.error = error;
  return r;
}

}  // namespace

const char* to_string(GroupState state) {
  switch (state) {
    case GroupState::kEmpty:
      return "Empty";
    case GroupState::kPreparingRebalance:
      return "PreparingRebalance";
    case GroupState::kCompletingRebalance:
      return "CompletingRebalance";
    case GroupState::kStable:
      return "Stable";
    case GroupState::kDead:
      return "Dead";
  }
  return "Unknown";
}

GroupConfig GroupConfig::from_broker(const config::BrokerConfig& c) {
  GroupConfig g;
  g.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
  g.min_session_timeout_ms = c.group_min_session_timeout_ms;
  g.max_session_timeout_ms = c.group_max_session_timeout_ms;
  g.max_size = c.group_max_size;
  g.offsets_retention_ms = static_cast<int64_t>(c.offsets_retention_minutes) * 60000;
  g.offsets_retention_check_interval_ms = c.offsets_retention_check_interval_ms;
  g.offset_metadata_max_bytes = c.offset_metadata_max_bytes;
  // Kafka's class names are accepted for the assignors; unknown ones are left out.
  g.consumer_assignors.clear();
  for (const auto& name : c.group_consumer_assignors)
    if (auto canonical = canonical_assignor_name(name); !canonical.empty())
      g.consumer_assignors.push_back(canonical);
  if (g.consumer_assignors.empty()) g.consumer_assignors = {"uniform", "range"};
  g.consumer_session_timeout_ms = c.group_consumer_session_timeout_ms;
  g.consumer_heartbeat_interval_ms = c.group_consumer_heartbeat_interval_ms;
  g.consumer_max_size = c.group_consumer_max_size;
  return g;
}

GroupCoordinator::GroupCoordinator(GroupConfig config, Scheduler& scheduler,
                                   storage::LogManager& logs)
    : config_(std::move(config)), scheduler_(scheduler), logs_(logs), log_(logs) {}

GroupCoordinator::~GroupCoordinator() {
  shutdown();
}

// ---------------------------------------------------------------- groups

GroupCoordinator::Group* GroupCoordinator::find(const std::string& group_id) const {
  auto it = groups_.find(group_id);
  return it == groups_.end() ? nullptr : it->second.get();
}

GroupCoordinator::Group& GroupCoordinator::create_group(const std::string& group_id) {
  auto g = std::make_unique<Group>();
  g->id = group_id;
  g->state_timestamp = scheduler_.now_ms();
  Group& ref = *g;
  groups_[group_id] = std::move(g);
  return ref;
}

void GroupCoordinator::remove_group(const std::string& group_id) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  Group& g = *it->second;
  if (g.consumer) cancel_consumer_timers(*g.consumer);
  if (g.join_task) scheduler_.cancel(g.join_task);
  for (auto& [_, task] : g.pending_members) scheduler_.cancel(task);
  for (auto& [_, m] : g.members)
    if (m->session_task) scheduler_.cancel(m->session_task);
  groups_.erase(it);
}

void GroupCoordinator::transition(Group& g, GroupState state) {
  g.state = state;
  g.state_timestamp = scheduler_.now_ms();
}

std::string GroupCoordinator::new_member_id(const std::string& client_id) const {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t hi = rng(), lo = rng();
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return client_id + "-" + uuid;
}

bool GroupCoordinator::is_static_member_fenced(const Group& g,
                                               const std::optional<std::string>& instance_id,
                                               const std::string& member_id) const {
  if (!instance_id) return false;
  auto it = g.static_members.find(*instance_id);
  return it != g.static_members.end() && it->second != member_id;
}

// ---------------------------------------------------------------- JoinGroup

void GroupCoordinator::join_group(JoinGroupParams params, JoinCallback done) {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE)
    return done(join_error(e, params.member_id));
  if (params.group_id.empty())
    return done(join_error(ErrorCode::INVALID_GROUP_ID, params.member_id));
  if (params.session_timeout_ms < config_.min_session_timeout_ms ||
      params.session_timeout_ms > config_.max_session_timeout_ms)
    return done(join_error(ErrorCode::INVALID_SESSION_TIMEOUT, params.member_id));
  if (params.rebalance_timeout_ms < 0) params.rebalance_timeout_ms = params.session_timeout_ms;

  Group* g = find(params.group_id);
  if (g && g->consumer) {
    // A consumer (KIP-848) group takes classic members only while it is empty; then it
    // becomes a classic group (Kafka without the online migration of mixed groups).
    if (!g->consumer->model.empty())
      return done(join_error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL, params.member_id));
    if (auto tombstone = consumer_group_tombstone(*g)) {
      ++records_in_log_;
      log_.append(std::span(&*tombstone, 1), scheduler_.now_ms(), [](ErrorCode) {});
    }
    g->consumer.reset();
  }
  if (!g) {
    // A group is created only by a member that does not claim an id in it.
    if (!params.member_id.empty())
      return done(join_error(ErrorCode::UNKNOWN_MEMBER_ID, params.member_id));
    g = &create_group(params.group_id);
  }
  if (!accepts_joining_member(*g, params.member_id))
    return done(join_error(ErrorCode::GROUP_MAX_SIZE_REACHED, params.member_id));

  if (params.member_id.empty())
    join_unknown_member(*g, params, done);
  else
    join_known_member(*g, params, done);

  // A join may be the last one the rebalance waits for.
  if (Group* again = find(params.group_id);
      again && again->state == GroupState::kPreparingRebalance)
    maybe_complete_join(*again);
}

bool GroupCoordinator::accepts_joining_member(const Group& g, const std::string& member_id) const {
  const size_t max = static_cast<size_t>(config_.max_size);
  const Member* m = g.member(member_id);
  switch (g.state) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return true;
    case GroupState::kPreparingRebalance:
      return (m && m->awaiting_join) || static_cast<size_t>(g.awaiting_join) < max;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      return m || g.members.size() < max;
  }
  return true;
}

bool GroupCoordinator::supports_protocols(const Group& g, const std::string& type,
                                          const std::vector<GroupProtocol>& protocols) const {
  if (g.members.empty()) return !type.empty() && !protocols.empty();
  if (type != g.protocol_type) return false;
  for (const auto& p : protocols) {
    const bool all = std::all_of(g.members.begin(), g.members.end(), [&](const auto& entry) {
      return entry.second->metadata_for(p.name) != nullptr;
    });
    if (all) return true;
  }
  return false;
}

void GroupCoordinator::join_unknown_member(Group& g, JoinGroupParams& params, JoinCallback& done) {
  if (g.state == GroupState::kDead) return done(join_error(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  if (!supports_protocols(g, params.protocol_type, params.protocols))
    return done(join_error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));

  const std::string member_id = new_member_id(params.client_id);
  if (params.group_instance_id) {
    auto it = g.static_members.find(*params.group_instance_id);
    if (it != g.static_members.end() && g.member(it->second)) {
      // KIP-345: a static member restarted; it takes over its old identity.
      const std::string old_id = it->second;
      return replace_static_member(g, old_id, member_id, params, std::move(done));
    }
    return add_member_and_rebalance(g, member_id, params, std::move(done));
  }
  if (params.require_known_member_id) {
    // KIP-394: hand out the id first, so that a client that times out and retries
    // does not leave a ghost member behind.
    add_pending_member(g, member_id, params.session_timeout_ms);
    return done(join_error(ErrorCode::MEMBER_ID_REQUIRED, member_id));
  }
  add_member_and_rebalance(g, member_id, params, std::move(done));
}

void GroupCoordinator::join_known_member(Group& g, JoinGroupParams& params, JoinCallback& done) {
  const std::string& member_id = params.member_id;
  if (g.state == GroupState::kDead)
    return done(join_error(ErrorCode::COORDINATOR_NOT_AVAILABLE, member_id));
  if (!supports_protocols(g, params.protocol_type, params.protocols))
    return done(join_error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL, member_id));
  if (g.pending_members.count(member_id)) {
    return add_member_and_rebalance(g, member_id, params, std::move(done));
  }
  if (is_static_member_fenced(g, params.group_instance_id, member_id))
    return done(join_error(ErrorCode::FENCED_INSTANCE_ID, member_id));
  Member* m = g.member(member_id);
  if (!m) return done(join_error(ErrorCode::UNKNOWN_MEMBER_ID, member_id));

  switch (g.state) {
    case GroupState::kPreparingRebalance:
      return update_member_and_rebalance(g, *m, params, std::move(done));
    case GroupState::kCompletingRebalance:
      // A retried join of this generation: answer it again unless the member changed.
      if (same_protocols(m->protocols, params.protocols)) {
        schedule_session(g, *m, m->session_timeout_ms);
        return done(current_join_result(g, *m, g.leader == member_id));
      }
      return update_member_and_rebalance(g, *m, params, std::move(done));
    case GroupState::kStable:
      // The leader rejoining, or a member with a new subscription, starts a rebalance;
      // a follower with unchanged metadata just learns the current generation.
      if (g.leader == member_id || !same_protocols(m->protocols, params.protocols))
        return update_member_and_rebalance(g, *m, params, std::move(done));
      schedule_session(g, *m, m->session_timeout_ms);
      return done(current_join_result(g, *m, false));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(join_error(ErrorCode::UNKNOWN_MEMBER_ID, member_id));
  }
}

JoinGroupResult GroupCoordinator::current_join_result(const Group& g, const Member& m,
                                                      bool as_leader) const {
  JoinGroupResult r;
  r.generation_id = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol;
  r.leader = g.leader.value_or("");
  r.member_id = m.member_id;
  if (as_leader && g.protocol) {
    std::vector<const Member*> ordered;
    for (const auto& [_, mm] : g.members) ordered.push_back(mm.get());
    std::sort(ordered.begin(), ordered.end(),
              [](const Member* a, const Member* b) { return a->join_sequence < b->join_sequence; });
    for (const Member* mm : ordered) {
      JoinedMember jm;
      jm.member_id = mm->member_id;
      jm.group_instance_id = mm->group_instance_id;
      if (const Bytes* md = mm->metadata_for(*g.protocol)) jm.metadata = *md;
      r.members.push_back(std::move(jm));
    }
  }
  return r;
}

void GroupCoordinator::add_member_and_rebalance(Group& g, const std::string& member_id,
                                                JoinGroupParams& params, JoinCallback done) {
  remove_pending_member(g, member_id);
  auto m = std::make_unique<Member>();
  m->member_id = member_id;
  m->group_instance_id = params.group_instance_id;
  m->client_id = params.client_id;
  m->client_host = params.client_host;
  m->session_timeout_ms = params.session_timeout_ms;
  m->rebalance_timeout_ms = params.rebalance_timeout_ms;
  m->protocol_type = params.protocol_type;
  m->protocols = std::move(params.protocols);
  m->supports_skip_assignment = params.supports_skip_assignment;
  m->is_new = true;
  m->join_sequence = ++join_sequence_;
  m->awaiting_join = std::move(done);
  if (g.members.empty()) g.protocol_type = m->protocol_type;
  if (!g.leader) g.leader = member_id;
  if (m->group_instance_id) g.static_members[*m->group_instance_id] = member_id;
  if (g.state == GroupState::kPreparingRebalance && g.generation == 0) g.new_member_added = true;
  ++g.awaiting_join;
  Member& ref = *m;
  g.members[member_id] = std::move(m);
  schedule_session(g, ref, config_.new_member_join_timeout_ms);
  maybe_prepare_rebalance(g);
}

void GroupCoordinator::update_member_and_rebalance(Group& g, Member& m, JoinGroupParams& params,
                                                   JoinCallback done) {
  m.client_id = params.client_id;
  m.client_host = params.client_host;
  m.session_timeout_ms = params.session_timeout_ms;
  m.rebalance_timeout_ms = params.rebalance_timeout_ms;
  m.protocols = std::move(params.protocols);
  m.supports_skip_assignment = params.supports_skip_assignment;
  if (m.awaiting_join) {
    // A second join while the first still waits (a retry on a new connection): the
    // old request gets an answer too, so that no connection waits forever.
    auto old = std::move(m.awaiting_join);
    old(join_error(ErrorCode::REBALANCE_IN_PROGRESS, m.member_id));
  } else {
    ++g.awaiting_join;
  }
  m.awaiting_join = std::move(done);
  maybe_prepare_rebalance(g);
}

void GroupCoordinator::replace_static_member(Group& g, const std::string& old_id,
                                             const std::string& new_id, JoinGroupParams& params,
                                             JoinCallback done) {
  auto node = g.members.extract(old_id);
  std::unique_ptr<Member> m = std::move(node.mapped());
  if (m->session_task) scheduler_.cancel(m->session_task);
  m->session_task = 0;
  // The old incarnation is fenced: answer whatever it still waits for.
  if (m->awaiting_join) {
    auto cb = std::move(m->awaiting_join);
    m->awaiting_join = nullptr;
    --g.awaiting_join;
    cb(join_error(ErrorCode::FENCED_INSTANCE_ID, old_id));
  }
  if (m->awaiting_sync) {
    auto cb = std::move(m->awaiting_sync);
    m->awaiting_sync = nullptr;
    cb(sync_error(ErrorCode::FENCED_INSTANCE_ID));
  }
  m->member_id = new_id;
  g.static_members[*params.group_instance_id] = new_id;
  if (g.leader == old_id) g.leader = new_id;
  const std::vector<GroupProtocol> old_protocols = m->protocols;
  Member& ref = *m;
  g.members[new_id] = std::move(m);

  if (g.state == GroupState::kStable) {
    // Without a change of protocol the group keeps its assignment: no rebalance, the
    // new member id is persisted and the member resumes with the old assignment.
    ref.client_id = params.client_id;
    ref.client_host = params.client_host;
    ref.session_timeout_ms = params.session_timeout_ms;
    ref.rebalance_timeout_ms = params.rebalance_timeout_ms;
    ref.protocols = params.protocols;
    if (g.protocol && select_protocol(g) == *g.protocol) {
      schedule_session(g, ref, ref.session_timeout_ms);
      const bool leader = g.leader == new_id;
      JoinGroupResult result = current_join_result(g, ref, leader);
      result.skip_assignment = leader;
      std::weak_ptr<bool> alive = alive_;
      store_group(
          g, [alive, result = std::move(result), done = std::move(done)](ErrorCode err) mutable {
            if (alive.expired()) return;
            if (err != ErrorCode::NONE) result = join_error(ErrorCode::UNKNOWN_SERVER_ERROR);
            done(std::move(result));
          });
      return;
    }
    ref.protocols = old_protocols;
  }
  update_member_and_rebalance(g, ref, params, std::move(done));
}

std::string GroupCoordinator::select_protocol(const Group& g) const {
  if (g.members.empty()) return {};
  // Candidates: protocols every member supports, in the first member's order.
  std::vector<const Member*> ordered;
  for (const auto& [_, m] : g.members) ordered.push_back(m.get());
  std::sort(ordered.begin(), ordered.end(),
            [](const Member* a, const Member* b) { return a->join_sequence < b->join_sequence; });
  std::vector<std::string> candidates;
  for (const auto& p : ordered.front()->protocols) {
    const bool all = std::all_of(ordered.begin(), ordered.end(),
                                 [&](const Member* m) { return m->metadata_for(p.name); });
    if (all) candidates.push_back(p.name);
  }
  if (candidates.empty()) return {};
  // Each member votes for its most preferred candidate; the most votes win.
  std::map<std::string, int> votes;
  for (const Member* m : ordered)
    for (const auto& p : m->protocols)
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
  std::string best = candidates.front();
  for (const auto& c : candidates)
    if (votes[c] > votes[best]) best = c;
  return best;
}

// ---------------------------------------------------------------- rebalance

void GroupCoordinator::maybe_prepare_rebalance(Group& g) {
  if (g.state == GroupState::kStable || g.state == GroupState::kCompletingRebalance ||
      g.state == GroupState::kEmpty)
    prepare_rebalance(g);
}

void GroupCoordinator::prepare_rebalance(Group& g) {
  if (g.state == GroupState::kCompletingRebalance) {
    // The assignment being computed is stale: the members waiting in SyncGroup rejoin.
    for (auto& [_, m] : g.members) m->assignment.clear();
    propagate_assignment(g, ErrorCode::REBALANCE_IN_PROGRESS);
  }
  if (g.join_task) scheduler_.cancel(g.join_task);
  const std::string id = g.id;
  if (g.state == GroupState::kEmpty) {
    // A new group waits group.initial.rebalance.delay.ms for more members, extended
    // by each new member, up to the rebalance timeout (Kafka's InitialDelayedJoin).
    const int64_t delay = config_.initial_rebalance_delay_ms;
    g.initial_join_phase = true;
    g.new_member_added = false;
    g.initial_join_remaining_ms = std::max<int64_t>(g.max_rebalance_timeout() - delay, 0);
    g.join_task = scheduler_.schedule_after(delay, [this, id] { on_initial_join_timer(id); });
  } else {
    g.initial_join_phase = false;
    g.join_task = scheduler_.schedule_after(g.max_rebalance_timeout(), [this, id] {
      if (Group* grp = find(id)) {
        grp->join_task = 0;
        complete_join(*grp);
      }
    });
  }
  transition(g, GroupState::kPreparingRebalance);
  // Kafka tries a DelayedJoin at once: a group whose members all left completes now.
  maybe_complete_join(g);
}

void GroupCoordinator::on_initial_join_timer(const std::string& group_id) {
  Group* g = find(group_id);
  if (!g) return;
  g->join_task = 0;
  if (g->new_member_added && g->initial_join_remaining_ms > 0) {
    g->new_member_added = false;
    const int64_t delay =
        std::min<int64_t>(config_.initial_rebalance_delay_ms, g->initial_join_remaining_ms);
    g->initial_join_remaining_ms =
        std::max<int64_t>(g->initial_join_remaining_ms - config_.initial_rebalance_delay_ms, 0);
    g->join_task =
        scheduler_.schedule_after(delay, [this, group_id] { on_initial_join_timer(group_id); });
    return;
  }
  g->initial_join_phase = false;
  complete_join(*g);
}

void GroupCoordinator::maybe_complete_join(Group& g) {
  if (g.state != GroupState::kPreparingRebalance || g.initial_join_phase) return;
  if (g.all_members_joined()) complete_join(g);
}

void GroupCoordinator::complete_join(Group& g) {
  if (g.join_task) scheduler_.cancel(g.join_task);
  g.join_task = 0;
  g.initial_join_phase = false;
  if (g.state != GroupState::kPreparingRebalance) return;

  // Dynamic members that did not rejoin in time are out; static members stay (they
  // may come back with their instance id).
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members)
    if (!m->awaiting_join && !m->group_instance_id) gone.push_back(id);
  for (const auto& id : gone) remove_member(g, id, ErrorCode::NONE);

  // The leader must be a member that rejoined.
  const Member* leader = g.leader ? g.member(*g.leader) : nullptr;
  if (!leader || !leader->awaiting_join) {
    const Member* pick = nullptr;
    for (const auto& [_, m] : g.members)
      if (m->awaiting_join && (!pick || m->join_sequence < pick->join_sequence)) pick = m.get();
    if (pick)
      g.leader = pick->member_id;
    else if (!leader)
      g.leader.reset();
  }

  ++g.generation;
  if (g.members.empty()) {
    g.protocol.reset();
    g.leader.reset();
    transition(g, GroupState::kEmpty);
    store_group(g, [](ErrorCode) {});
    return;
  }
  g.protocol = select_protocol(g);
  transition(g, GroupState::kCompletingRebalance);
  std::vector<Member*> joined;
  for (auto& [_, m] : g.members)
    if (m->awaiting_join) joined.push_back(m.get());
  for (Member* m : joined) {
    JoinGroupResult r = current_join_result(g, *m, g.leader == m->member_id);
    auto cb = std::move(m->awaiting_join);
    m->awaiting_join = nullptr;
    --g.awaiting_join;
    m->is_new = false;
    schedule_session(g, *m, m->session_timeout_ms);
    cb(std::move(r));
  }
}

void GroupCoordinator::propagate_assignment(Group& g, ErrorCode error) {
  for (auto& [_, m] : g.members) {
    if (!m->awaiting_sync) continue;
    SyncGroupResult r;
    r.error = error;
    if (error == ErrorCode::NONE) {
      r.protocol_type = g.protocol_type;
      r.protocol_name = g.protocol;
      r.assignment = m->assignment;
    }
    auto cb = std::move(m->awaiting_sync);
    m->awaiting_sync = nullptr;
    schedule_session(g, *m, m->session_timeout_ms);
    cb(std::move(r));
  }
}

void GroupCoordinator::remove_member(Group& g, const std::string& member_id, ErrorCode answer) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  std::unique_ptr<Member> m = std::move(it->second);
  g.members.erase(it);
  if (m->session_task) scheduler_.cancel(m->session_task);
  if (m->awaiting_join) {
    --g.awaiting_join;
    if (answer != ErrorCode::NONE) m->awaiting_join(join_error(answer, member_id));
  }
  if (m->awaiting_sync && answer != ErrorCode::NONE) m->awaiting_sync(sync_error(answer));
  if (m->group_instance_id) {
    auto s = g.static_members.find(*m->group_instance_id);
    if (s != g.static_members.end() && s->second == member_id) g.static_members.erase(s);
  }
  if (g.leader == member_id) {
    g.leader.reset();
    const Member* pick = nullptr;
    for (const auto& [_, mm] : g.members)
      if (!pick || mm->join_sequence < pick->join_sequence) pick = mm.get();
    if (pick) g.leader = pick->member_id;
  }
}

void GroupCoordinator::remove_member_and_update_group(Group& g, const std::string& member_id) {
  remove_member(g, member_id, ErrorCode::UNKNOWN_MEMBER_ID);
  switch (g.state) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      prepare_rebalance(g);
      break;
    case GroupState::kPreparingRebalance:
      maybe_complete_join(g);
      break;
    default:
      break;
  }
}

void GroupCoordinator::schedule_session(Group& g, Member& m, int64_t timeout_ms) {
  if (m.session_task) scheduler_.cancel(m.session_task);
  const std::string gid = g.id, mid = m.member_id;
  m.session_task =
      scheduler_.schedule_after(timeout_ms, [this, gid, mid] { on_session_expired(gid, mid); });
}

void GroupCoordinator::on_session_expired(const std::string& group_id,
                                          const std::string& member_id) {
  Group* g = find(group_id);
  if (!g) return;
  Member* m = g->member(member_id);
  if (!m) return;
  m->session_task = 0;
  // Members waiting in a join or sync need no heartbeat: the rebalance answers them
  // and re-arms the timer. A new member still waiting is expired (it may be gone).
  if (!m->is_new && (m->awaiting_join || m->awaiting_sync)) return;
  remove_member_and_update_group(*g, member_id);
}

void GroupCoordinator::add_pending_member(Group& g, const std::string& member_id,
                                          int32_t session_timeout_ms) {
  const std::string gid = g.id;
  g.pending_members[member_id] =
      scheduler_.schedule_after(session_timeout_ms, [this, gid, member_id] {
        Group* grp = find(gid);
        if (!grp) return;
        grp->pending_members.erase(member_id);
        if (grp->state == GroupState::kPreparingRebalance) maybe_complete_join(*grp);
      });
}

void GroupCoordinator::remove_pending_member(Group& g, const std::string& member_id) {
  auto it = g.pending_members.find(member_id);
  if (it == g.pending_members.end()) return;
  scheduler_.cancel(it->second);
  g.pending_members.erase(it);
}

// ---------------------------------------------------------------- SyncGroup

void GroupCoordinator::sync_group(SyncGroupParams params, SyncCallback done) {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return done(sync_error(e));
  if (params.group_id.empty()) return done(sync_error(ErrorCode::INVALID_GROUP_ID));
  Group* g = find(params.group_id);
  if (!g) return done(sync_error(ErrorCode::UNKNOWN_MEMBER_ID));
  if (g->state == GroupState::kDead) return done(sync_error(ErrorCode::COORDINATOR_NOT_AVAILABLE));
  if (is_static_member_fenced(*g, params.group_instance_id, params.member_id))
    return done(sync_error(ErrorCode::FENCED_INSTANCE_ID));
  Member* m = g->member(params.member_id);
  if (!m) return done(sync_error(ErrorCode::UNKNOWN_MEMBER_ID));
  if (params.generation_id != g->generation) return done(sync_error(ErrorCode::ILLEGAL_GENERATION));
  if ((params.protocol_type && *params.protocol_type != g->protocol_type) ||
      (params.protocol_name && g->protocol && *params.protocol_name != *g->protocol))
    return done(sync_error(ErrorCode::INCONSISTENT_GROUP_PROTOCOL));

  switch (g->state) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(sync_error(ErrorCode::UNKNOWN_MEMBER_ID));
    case GroupState::kPreparingRebalance:
      return done(sync_error(ErrorCode::REBALANCE_IN_PROGRESS));
    case GroupState::kStable: {
      schedule_session(*g, *m, m->session_timeout_ms);
      SyncGroupResult r;
      r.protocol_type = g->protocol_type;
      r.protocol_name = g->protocol;
      r.assignment = m->assignment;
      return done(std::move(r));
    }
    case GroupState::kCompletingRebalance:
      break;
  }

  if (m->awaiting_sync) m->awaiting_sync(sync_error(ErrorCode::REBALANCE_IN_PROGRESS));
  m->awaiting_sync = std::move(done);
  schedule_session(*g, *m, m->session_timeout_ms);
  if (g->leader != params.member_id) return;  // followers wait for the leader

  // The leader's assignment: members it left out get an empty one.
  for (auto& [_, mm] : g->members) mm->assignment.clear();
  for (auto& [id, bytes] : params.assignments)
    if (Member* target = g->member(id)) target->assignment = std::move(bytes);
  const std::string gid = g->id;
  const int32_t generation = g->generation;
  std::weak_ptr<bool> alive = alive_;
  store_group(*g, [this, alive, gid, generation](ErrorCode err) {
    if (alive.expired()) return;
    Group* grp = find(gid);
    // A rebalance may have started meanwhile; then this assignment is moot.
    if (!grp || grp->state != GroupState::kCompletingRebalance || grp->generation != generation)
      return;
    if (err != ErrorCode::NONE) {
      for (auto& [_, mm] : grp->members) mm->assignment.clear();
      propagate_assignment(*grp, ErrorCode::COORDINATOR_NOT_AVAILABLE);
      prepare_rebalance(*grp);
      return;
    }
    propagate_assignment(*grp, ErrorCode::NONE);
    transition(*grp, GroupState::kStable);
  });
}

// ---------------------------------------------------------------- Heartbeat, LeaveGroup

ErrorCode GroupCoordinator::heartbeat(const HeartbeatParams& params) {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return e;
  if (params.group_id.empty()) return ErrorCode::INVALID_GROUP_ID;
  Group* g = find(params.group_id);
  if (!g) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (g->state == GroupState::kDead) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (g->state == GroupState::kEmpty) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (is_static_member_fenced(*g, params.group_instance_id, params.member_id))
    return ErrorCode::FENCED_INSTANCE_ID;
  Member* m = g->member(params.member_id);
  if (!m) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (params.generation_id != g->generation) return ErrorCode::ILLEGAL_GENERATION;
  schedule_session(*g, *m, m->session_timeout_ms);
  if (g->state == GroupState::kPreparingRebalance) return ErrorCode::REBALANCE_IN_PROGRESS;
  return ErrorCode::NONE;
}

LeaveGroupResult GroupCoordinator::leave_group(const std::string& group_id,
                                               const std::vector<LeavingMember>& members) {
  LeaveGroupResult result;
  if ((result.error = unavailable()) != ErrorCode::NONE) return result;
  if (group_id.empty()) {
    result.error = ErrorCode::INVALID_GROUP_ID;
    return result;
  }
  Group* g = find(group_id);
  if (!g) {
    result.members.assign(members.size(), ErrorCode::UNKNOWN_MEMBER_ID);
    return result;
  }
  if (g->state == GroupState::kDead) {
    result.error = ErrorCode::COORDINATOR_NOT_AVAILABLE;
    return result;
  }
  for (const auto& leaving : members) {
    ErrorCode err = ErrorCode::NONE;
    std::string target = leaving.member_id;
    if (leaving.group_instance_id) {
      auto it = g->static_members.find(*leaving.group_instance_id);
      if (it == g->static_members.end())
        err = ErrorCode::UNKNOWN_MEMBER_ID;
      else if (!leaving.member_id.empty() && it->second != leaving.member_id)
        err = ErrorCode::FENCED_INSTANCE_ID;
      else
        target = it->second;
    } else if (g->pending_members.count(leaving.member_id)) {
      remove_pending_member(*g, leaving.member_id);
      if (g->state == GroupState::kPreparingRebalance) maybe_complete_join(*g);
      result.members.push_back(ErrorCode::NONE);
      continue;
    }
    if (err == ErrorCode::NONE && !g->member(target)) err = ErrorCode::UNKNOWN_MEMBER_ID;
    if (err == ErrorCode::NONE) remove_member_and_update_group(*g, target);
    result.members.push_back(err);
  }
  return result;
}

// ---------------------------------------------------------------- introspection

std::optional<GroupState> GroupCoordinator::group_state(const std::string& group_id) const {
  if (const Group* g = find(group_id)) return g->state;
  return std::nullopt;
}

int32_t GroupCoordinator::generation(const std::string& group_id) const {
  const Group* g = find(group_id);
  return g ? g->generation : -1;
}

std::optional<std::string> GroupCoordinator::leader(const std::string& group_id) const {
  const Group* g = find(group_id);
  return g ? g->leader : std::nullopt;
}

size_t GroupCoordinator::member_count(const std::string& group_id) const {
  const Group* g = find(group_id);
  return g ? g->members.size() : 0;
}

void GroupCoordinator::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (expiry_task_) scheduler_.cancel(expiry_task_);
  expiry_task_ = 0;
  for (auto& [_, g] : groups_) {
    if (g->consumer) cancel_consumer_timers(*g->consumer);
    if (g->join_task) scheduler_.cancel(g->join_task);
    g->join_task = 0;
    for (auto& [__, task] : g->pending_members) scheduler_.cancel(task);
    for (auto& [__, m] : g->members) {
      if (m->session_task) scheduler_.cancel(m->session_task);
      m->session_task = 0;
      if (auto cb = std::move(m->awaiting_join)) {
        m->awaiting_join = nullptr;
        cb(join_error(ErrorCode::NOT_COORDINATOR, m->member_id));
      }
      if (auto cb = std::move(m->awaiting_sync)) {
        m->awaiting_sync = nullptr;
        cb(sync_error(ErrorCode::NOT_COORDINATOR));
      }
    }
  }
  *alive_ = false;
  alive_.reset();
}

}  // namespace samsa::coordinator
