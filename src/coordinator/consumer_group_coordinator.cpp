// The KIP-848 consumer protocol in the group coordinator: ConsumerGroupHeartbeat and
// ConsumerGroupDescribe. The flow follows Kafka 3.9's
// GroupMetadataManager.consumerGroupHeartbeat:
//   1. validate the request, find or create the group and the member;
//   2. apply the member's changes; a new member, a new subscription or a change in the
//      subscribed topics' metadata bumps the group epoch;
//   3. a group epoch ahead of the assignment epoch recomputes the target assignment;
//   4. the member reconciles towards its target (reconcile_member), revoking first.
// Each change of a group is stored in __consumer_offsets (store_consumer_group), so
// members carry on across a broker restart: see docs/groups.md.
#include <algorithm>
#include <random>
#include <regex>
#include <unordered_map>

#include "group_internal.h"
#include "samsa/coordinator/assignor.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/protocol/types.h"
#include "samsa/storage/log_manager.h"

namespace samsa::coordinator {

// std::regex (ECMAScript) stands in for the RE2/J syntax Kafka uses; full matches only,
// as Kafka's Pattern.matcher(topic).matches(). Results are cached per topic name.
struct TopicRegex {
  std::regex re;
  std::unordered_map<std::string, bool> matches;

  bool match(const std::string& topic) {
    auto [it, inserted] = matches.try_emplace(topic, false);
    if (inserted) it->second = std::regex_match(topic, re);
    return it->second;
  }
};

namespace {

ConsumerGroupHeartbeatResult hb_error(ErrorCode error, std::string message = {}) {
  ConsumerGroupHeartbeatResult r;
  r.error = error;
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

// Kafka's Uuid.randomUuid().toString(): 22 characters of URL-safe base64.
std::string random_member_id() {
  return protocol::Uuid::random().to_base64();
}

bool is_internal_topic(const std::string& name) {
  return name == GroupLog::kTopic || name == "__transaction_state";
}

std::shared_ptr<TopicRegex> compile_regex(const std::string& pattern, std::string& error) {
  try {
    auto r = std::make_shared<TopicRegex>();
    r->re = std::regex(pattern, std::regex::ECMAScript);
    return r;
  } catch (const std::regex_error& e) {
    error = "SubscribedTopicRegex `" + pattern +
            "` is not a valid regular expression: " + e.what() + ".";
    return nullptr;
  }
}

std::optional<ConsumerGroupHeartbeatResult> check_member_epoch(
    const ConsumerMember& member, int32_t received, const std::optional<Assignment>& owned) {
  // Epoch 0 is a (re)join, accepted for a known member id (KIP-848 fenced-member recovery).
  if (received == kJoinGroupMemberEpoch) return std::nullopt;
  if (received > member.member_epoch)
    return hb_error(ErrorCode::FENCED_MEMBER_EPOCH,
                    "The consumer group member has a greater member epoch (" +
                        std::to_string(received) +
                        ") than the one known by the group coordinator (" +
                        std::to_string(member.member_epoch) +
                        "). The member must abandon all its partitions and rejoin.");
  if (received < member.member_epoch) {
    // The previous epoch with a subset of the current assignment is fine: the answer
    // that bumped the epoch may have been lost.
    if (received != member.previous_member_epoch || !owned || !is_subset(*owned, member.assigned))
      return hb_error(ErrorCode::FENCED_MEMBER_EPOCH,
                      "The consumer group member has a smaller member epoch (" +
                          std::to_string(received) +
                          ") than the one known by the group coordinator (" +
                          std::to_string(member.member_epoch) +
                          "). The member must abandon all its partitions and rejoin.");
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------------- validation

std::optional<ConsumerGroupHeartbeatResult> GroupCoordinator::validate_heartbeat(
    const ConsumerGroupHeartbeatParams& p) const {
  auto invalid = [](std::string msg) {
    return hb_error(ErrorCode::INVALID_REQUEST, std::move(msg));
  };
  if (p.group_id.empty()) return invalid("GroupId can't be empty.");
  if (p.rack_id && p.rack_id->empty()) return invalid("RackId can't be empty.");
  if (p.member_id_required && p.member_id.empty()) return invalid("MemberId can't be empty.");
  if (p.member_epoch > 0 || p.member_epoch == kLeaveGroupMemberEpoch) {
    if (p.member_id.empty()) return invalid("MemberId can't be empty.");
  } else if (p.member_epoch == kJoinGroupMemberEpoch) {
    if (p.rebalance_timeout_ms == -1)
      return invalid("RebalanceTimeoutMs must be provided in first request.");
    if (!p.owned_partitions || !p.owned_partitions->empty())
      return invalid("TopicPartitions must be empty when (re-)joining.");
    const bool names = p.subscribed_topic_names && !p.subscribed_topic_names->empty();
    const bool regex = p.subscribed_topic_regex && !p.subscribed_topic_regex->empty();
    if (!names && !regex)
      return invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
  } else if (p.member_epoch == kLeaveGroupStaticMemberEpoch) {
    if (!p.instance_id) return invalid("InstanceId can't be null.");
  } else {
    return invalid("MemberEpoch is invalid.");
  }
  if (p.server_assignor &&
      std::find(config_.consumer_assignors.begin(), config_.consumer_assignors.end(),
                *p.server_assignor) == config_.consumer_assignors.end()) {
    std::string supported;
    for (const auto& a : config_.consumer_assignors)
      supported += (supported.empty() ? "" : ", ") + a;
    return hb_error(ErrorCode::UNSUPPORTED_ASSIGNOR,
                    "ServerAssignor " + *p.server_assignor +
                        " is not supported. Supported assignors: " + supported + ".");
  }
  return std::nullopt;
}

bool GroupCoordinator::classic_group_is_empty(const Group& g) const {
  return g.members.empty() && g.pending_members.empty() &&
         (g.state == GroupState::kEmpty || g.state == GroupState::kDead);
}

// ---------------------------------------------------------------- heartbeat

ConsumerGroupHeartbeatResult GroupCoordinator::consumer_group_heartbeat(
    ConsumerGroupHeartbeatParams p) {
  if (const ErrorCode e = unavailable(); e != ErrorCode::NONE) return hb_error(e);
  if (auto err = validate_heartbeat(p)) return *err;
  if (p.member_epoch == kLeaveGroupMemberEpoch || p.member_epoch == kLeaveGroupStaticMemberEpoch)
    return consumer_group_leave(p);

  // 1. The group and the member, checked before anything changes.
  const bool joining = p.member_epoch == kJoinGroupMemberEpoch;
  Group* g = find(p.group_id);
  // A member with an epoch whose group is unknown (or came back from the offsets log as
  // an empty classic group) lost its state: its last change was not durable before a
  // crash, or the log predates consumer-group records. Kafka would answer
  // GROUP_ID_NOT_FOUND, which the Java consumer treats as fatal; UNKNOWN_MEMBER_ID makes
  // every client rejoin with epoch 0 and resume from its committed offsets.
  if (!joining && (!g || (!g->consumer && classic_group_is_empty(*g))))
    return hb_error(ErrorCode::UNKNOWN_MEMBER_ID, "Member " + p.member_id +
                                                      " is not known to group " + p.group_id +
                                                      "; rejoin with member epoch 0.");
  if (g && !g->consumer && (!joining || !classic_group_is_empty(*g)))
    return hb_error(ErrorCode::GROUP_ID_NOT_FOUND,
                    "Group " + p.group_id + " is not a consumer group.");
  const ConsumerGroupModel* model = g && g->consumer ? &g->consumer->model : nullptr;
  const size_t size = model ? model->members().size() : 0;
  if (size >= static_cast<size_t>(config_.consumer_max_size) &&
      (p.member_id.empty() || !model->member(p.member_id)))
    return hb_error(ErrorCode::GROUP_MAX_SIZE_REACHED,
                    "The consumer group has reached its maximum capacity of " +
                        std::to_string(config_.consumer_max_size) + " members.");

  std::optional<Assignment> owned;
  if (p.owned_partitions) owned = from_list(*p.owned_partitions);
  const std::string member_id = p.member_id.empty() ? random_member_id() : p.member_id;
  ConsumerMember member;  // the member as it was before this heartbeat
  member.member_id = member_id;
  std::optional<std::string> replaced;  // a static member's previous incarnation
  const ConsumerMember* existing = nullptr;
  if (!p.instance_id) {
    existing = model ? model->member(member_id) : nullptr;
    if (!existing && !joining)
      return hb_error(ErrorCode::UNKNOWN_MEMBER_ID,
                      "Member " + member_id + " is not a member of group " + p.group_id + ".");
  } else {
    const ConsumerMember* holder = model ? model->static_member(*p.instance_id) : nullptr;
    if (joining) {
      if (holder && holder->member_id != member_id) {
        // The instance id moves to a new member only once the old one announced that it
        // left for a while (epoch -2).
        if (holder->member_epoch != kLeaveGroupStaticMemberEpoch)
          return hb_error(ErrorCode::UNRELEASED_INSTANCE_ID,
                          "Static member " + member_id + " with instance id " + *p.instance_id +
                              " cannot join the group because the instance id is owned by " +
                              holder->member_id + " member.");
        replaced = holder->member_id;
        member = *holder;
        member.member_id = member_id;
        member.member_epoch = 0;
        member.previous_member_epoch = 0;
      } else {
        existing = holder ? holder : (model ? model->member(member_id) : nullptr);
      }
    } else {
      if (!holder)
        return hb_error(ErrorCode::UNKNOWN_MEMBER_ID,
                        "Instance id " + *p.instance_id + " is unknown.");
      if (holder->member_id != member_id)
        return hb_error(ErrorCode::FENCED_INSTANCE_ID,
                        "Static member " + member_id + " with instance id " + *p.instance_id +
                            " was fenced by member " + holder->member_id + ".");
      existing = holder;
    }
  }
  if (existing) {
    if (auto err = check_member_epoch(*existing, p.member_epoch, owned)) return *err;
    member = *existing;
  }

  std::shared_ptr<TopicRegex> new_regex;
  if (p.subscribed_topic_regex && !p.subscribed_topic_regex->empty() &&
      p.subscribed_topic_regex != member.subscribed_topic_regex) {
    const bool compiled = g && g->consumer && g->consumer->regexes.count(*p.subscribed_topic_regex);
    if (!compiled) {
      std::string error;
      new_regex = compile_regex(*p.subscribed_topic_regex, error);
      // Kafka 4 answers INVALID_REGULAR_EXPRESSION (128), which 3.9 clients do not know.
      if (!new_regex) return hb_error(ErrorCode::INVALID_REQUEST, error);
    }
  }

  // 2. Apply the member's changes.
  if (!g) g = &create_group(p.group_id);
  if (!g->consumer) become_consumer_group(*g);
  ConsumerGroup& cg = *g->consumer;
  ConsumerGroupModel& m = cg.model;
  if (new_regex) cg.regexes[*p.subscribed_topic_regex] = new_regex;
  if (replaced) {
    cancel_consumer_timers(cg, *replaced);
    m.move_target(*replaced, member_id);
    m.remove_member(*replaced);
  }

  ConsumerMember updated = member;
  if (p.instance_id) updated.instance_id = p.instance_id;
  if (p.rack_id) updated.rack_id = p.rack_id;
  if (p.rebalance_timeout_ms != -1) updated.rebalance_timeout_ms = p.rebalance_timeout_ms;
  if (p.server_assignor) updated.server_assignor = p.server_assignor;
  if (p.subscribed_topic_names) {
    std::vector<std::string> names = *p.subscribed_topic_names;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    updated.subscribed_topic_names = std::move(names);
  }
  // An empty regex clears it (a client that went back to topic names).
  if (p.subscribed_topic_regex)
    updated.subscribed_topic_regex =
        p.subscribed_topic_regex->empty() ? std::nullopt : p.subscribed_topic_regex;
  updated.client_id = p.client_id;
  updated.client_host = p.client_host;

  // As Kafka 4: only a change of what the member subscribes to (a new member had
  // nothing) or of the assignor it asks for moves the group epoch, or below a change
  // in the subscribed topics' metadata; a member joining with the subscription of the
  // one it replaces, or with none, takes the current target.
  bool bump = updated.subscribed_topic_names != member.subscribed_topic_names ||
              updated.subscribed_topic_regex != member.subscribed_topic_regex ||
              updated.server_assignor != member.server_assignor;
  m.update_member(updated);
  refresh_subscription_metadata(cg, bump);
  if (bump) ++m.group_epoch;

  // 3. A new target assignment for the new group epoch.
  if (m.group_epoch > m.assignment_epoch) update_target_assignment(cg);

  // 4. Reconcile.
  const ConsumerMember& current = *m.member(member_id);
  if (!current.reconciled_to(m.assignment_epoch)) {
    ConsumerMember next = reconcile_member(
        current, m.assignment_epoch, m.target(member_id),
        [&m](const TopicId& t, int32_t part) { return m.partition_epoch(t, part); }, owned);
    if (next != current) {
      const MemberState state = next.state;
      const int32_t epoch = next.member_epoch;
      const int32_t timeout = next.rebalance_timeout_ms;
      m.update_member(std::move(next));
      if (state == MemberState::kUnrevokedPartitions)
        schedule_rebalance_timeout(*g, member_id, epoch, timeout);
      else if (auto it = cg.rebalance_tasks.find(member_id); it != cg.rebalance_tasks.end()) {
        scheduler_.cancel(it->second);
        cg.rebalance_tasks.erase(it);
      }
    }
  }
  schedule_consumer_session(*g, member_id);
  store_consumer_group(*g);

  const ConsumerMember& answer = *m.member(member_id);
  ConsumerGroupHeartbeatResult r;
  r.member_id = member_id;
  r.member_epoch = answer.member_epoch;
  r.heartbeat_interval_ms = config_.consumer_heartbeat_interval_ms;
  const bool full_request =
      joining || (p.rebalance_timeout_ms != -1 &&
                  (p.subscribed_topic_names || p.subscribed_topic_regex) && p.owned_partitions);
  if (full_request || answer.assigned != member.assigned) r.assignment = to_list(answer.assigned);
  return r;
}

ConsumerGroupHeartbeatResult GroupCoordinator::consumer_group_leave(
    const ConsumerGroupHeartbeatParams& p) {
  Group* g = find(p.group_id);
  if (!g || !g->consumer)
    return hb_error(ErrorCode::GROUP_ID_NOT_FOUND,
                    g ? "Group " + p.group_id + " is not a consumer group."
                      : "Consumer group " + p.group_id + " not found.");
  ConsumerGroupModel& m = g->consumer->model;
  ConsumerGroupHeartbeatResult r;
  r.member_id = p.member_id;
  r.member_epoch = p.member_epoch;
  if (!p.instance_id) {
    if (!m.member(p.member_id))
      return hb_error(ErrorCode::UNKNOWN_MEMBER_ID,
                      "Member " + p.member_id + " is not a member of group " + p.group_id + ".");
    fence_consumer_member(*g, p.member_id);
    return r;
  }
  const ConsumerMember* holder = m.static_member(*p.instance_id);
  if (!holder)
    return hb_error(ErrorCode::UNKNOWN_MEMBER_ID, "Instance id " + *p.instance_id + " is unknown.");
  if (holder->member_id != p.member_id)
    return hb_error(ErrorCode::FENCED_INSTANCE_ID,
                    "Static member " + p.member_id + " with instance id " + *p.instance_id +
                        " was fenced by member " + holder->member_id + ".");
  if (p.member_epoch == kLeaveGroupStaticMemberEpoch) {
    // A static member going away for a while (a restart) keeps its partitions and its
    // target until its session expires; its successor inherits them.
    ConsumerMember leaving = *holder;
    leaving.member_epoch = kLeaveGroupStaticMemberEpoch;
    leaving.pending_revocation.clear();
    m.update_member(std::move(leaving));
    if (auto it = g->consumer->rebalance_tasks.find(p.member_id);
        it != g->consumer->rebalance_tasks.end()) {
      scheduler_.cancel(it->second);
      g->consumer->rebalance_tasks.erase(it);
    }
    store_consumer_group(*g);
    return r;
  }
  fence_consumer_member(*g, p.member_id);
  return r;
}

// ---------------------------------------------------------------- group epoch, target

void GroupCoordinator::become_consumer_group(Group& g) {
  if (!g.protocol_type.empty() || g.generation > 0) {
    // The empty classic group's metadata goes; its offsets stay with the group id.
    const LogRecord tombstone{encode_group_key(g.id), std::nullopt};
    ++records_in_log_;
    log_.append(std::span(&tombstone, 1), scheduler_.now_ms(), [](ErrorCode) {});
  }
  g.protocol_type.clear();
  g.protocol.reset();
  g.leader.reset();
  g.generation = 0;
  transition(g, GroupState::kEmpty);
  g.consumer = std::make_unique<ConsumerGroup>();
  // Kafka 4 creates a consumer group at epoch 1 with an (empty) target assignment for
  // that epoch, so its first member's subscription brings it to 2.
  g.consumer->model.group_epoch = 1;
  g.consumer->model.assignment_epoch = 1;
}

std::set<std::string> GroupCoordinator::member_topics(ConsumerGroup& cg,
                                                      const std::string& member_id) const {
  std::set<std::string> topics;
  const ConsumerMember* m = cg.model.member(member_id);
  if (!m) return topics;
  for (const auto& name : m->subscribed_topic_names)
    if (logs_.find_topic(name)) topics.insert(name);
  if (m->subscribed_topic_regex) {
    auto it = cg.regexes.find(*m->subscribed_topic_regex);
    if (it == cg.regexes.end()) {
      std::string error;
      auto compiled = compile_regex(*m->subscribed_topic_regex, error);
      if (!compiled) return topics;
      it = cg.regexes.emplace(*m->subscribed_topic_regex, std::move(compiled)).first;
    }
    for (const auto* t : logs_.topics())
      if (!is_internal_topic(t->name) && it->second->match(t->name)) topics.insert(t->name);
  }
  return topics;
}

void GroupCoordinator::refresh_subscription_metadata(ConsumerGroup& cg, bool& bump) {
  std::map<std::string, SubscribedTopic> metadata;
  for (const auto& [id, _] : cg.model.members())
    for (const auto& name : member_topics(cg, id))
      if (const auto* t = logs_.find_topic(name))
        metadata[name] = SubscribedTopic{t->topic_id, t->partition_count};
  // Patterns no member uses any more are dropped.
  for (auto it = cg.regexes.begin(); it != cg.regexes.end();) {
    const bool used =
        std::any_of(cg.model.members().begin(), cg.model.members().end(),
                    [&](const auto& e) { return e.second.subscribed_topic_regex == it->first; });
    it = used ? std::next(it) : cg.regexes.erase(it);
  }
  if (metadata != cg.model.subscription_metadata) {
    cg.model.subscription_metadata = std::move(metadata);
    bump = true;
  }
}

void GroupCoordinator::update_target_assignment(ConsumerGroup& cg) {
  ConsumerGroupModel& m = cg.model;
  const std::string fallback =
      config_.consumer_assignors.empty() ? "uniform" : config_.consumer_assignors.front();
  auto assignor = make_assignor(m.preferred_assignor(fallback));
  if (!assignor) assignor = make_assignor(fallback);
  if (!assignor) assignor = make_assignor("uniform");
  std::vector<AssignorTopic> topics;
  for (const auto& [name, t] : m.subscription_metadata)
    topics.push_back({t.id, name, t.partitions});
  std::vector<AssignorMember> members;
  for (const auto& [id, _] : m.members()) {
    AssignorMember am;
    am.member_id = id;
    for (const auto& name : member_topics(cg, id))
      if (auto it = m.subscription_metadata.find(name); it != m.subscription_metadata.end())
        am.subscribed.insert(it->second.id);
    am.previous_target = m.target(id);
    members.push_back(std::move(am));
  }
  m.set_targets(assignor->assign(members, topics));
  m.assignment_epoch = m.group_epoch;
}

void GroupCoordinator::fence_consumer_member(Group& g, const std::string& member_id) {
  ConsumerGroup& cg = *g.consumer;
  cancel_consumer_timers(cg, member_id);
  cg.model.remove_member(member_id);
  bool unused = false;
  refresh_subscription_metadata(cg, unused);
  // The remaining members get a new target on their next heartbeat. With nobody left,
  // the (empty) target is computed at once, as Kafka does.
  ++cg.model.group_epoch;
  if (cg.model.empty()) {
    cg.model.set_targets({});
    cg.model.assignment_epoch = cg.model.group_epoch;
  }
  store_consumer_group(g);
}

void GroupCoordinator::store_consumer_group(Group& g) {
  ConsumerGroup& cg = *g.consumer;
  if (cg.stored_is_current()) return;
  const LogRecord record{encode_consumer_group_key(g.id), encode_consumer_group_value(cg.model)};
  ++records_in_log_;
  log_.append(std::span(&record, 1), scheduler_.now_ms(), [](ErrorCode) {});
  cg.mark_stored();
}

std::optional<LogRecord> GroupCoordinator::consumer_group_tombstone(const Group& g) const {
  if (!g.consumer || !g.consumer->stored) return std::nullopt;
  return LogRecord{encode_consumer_group_key(g.id), std::nullopt};
}

void GroupCoordinator::apply_consumer_group_record(const std::string& group_id,
                                                   std::optional<ConsumerGroupModel> model) {
  Group* g = find(group_id);
  if (!model) {
    if (g) g->consumer.reset();
    return;
  }
  if (!g) g = &create_group(group_id);
  // The classic metadata was tombstoned when the group became a consumer group.
  g->consumer = std::make_unique<ConsumerGroup>();
  g->consumer->model = std::move(*model);
  g->consumer->mark_stored();
}

// ---------------------------------------------------------------- timers

void GroupCoordinator::schedule_consumer_session(Group& g, const std::string& member_id) {
  ConsumerGroup& cg = *g.consumer;
  auto& task = cg.session_tasks[member_id];
  if (task) scheduler_.cancel(task);
  const std::string gid = g.id;
  task = scheduler_.schedule_after(config_.consumer_session_timeout_ms, [this, gid, member_id] {
    Group* grp = find(gid);
    if (!grp || !grp->consumer) return;
    grp->consumer->session_tasks.erase(member_id);
    if (grp->consumer->model.member(member_id)) fence_consumer_member(*grp, member_id);
  });
}

void GroupCoordinator::schedule_rebalance_timeout(Group& g, const std::string& member_id,
                                                  int32_t epoch, int32_t timeout_ms) {
  ConsumerGroup& cg = *g.consumer;
  auto& task = cg.rebalance_tasks[member_id];
  if (task) scheduler_.cancel(task);
  const std::string gid = g.id;
  task = scheduler_.schedule_after(timeout_ms, [this, gid, member_id, epoch] {
    Group* grp = find(gid);
    if (!grp || !grp->consumer) return;
    grp->consumer->rebalance_tasks.erase(member_id);
    // A member that did not revoke within its rebalance timeout is fenced.
    const ConsumerMember* m = grp->consumer->model.member(member_id);
    if (m && m->member_epoch == epoch) fence_consumer_member(*grp, member_id);
  });
}

void GroupCoordinator::cancel_consumer_timers(ConsumerGroup& cg, const std::string& member_id) {
  for (auto* tasks : {&cg.session_tasks, &cg.rebalance_tasks}) {
    auto it = tasks->find(member_id);
    if (it == tasks->end()) continue;
    scheduler_.cancel(it->second);
    tasks->erase(it);
  }
}

void GroupCoordinator::cancel_consumer_timers(ConsumerGroup& cg) {
  for (auto* tasks : {&cg.session_tasks, &cg.rebalance_tasks}) {
    for (auto& [_, task] : *tasks) scheduler_.cancel(task);
    tasks->clear();
  }
}

// ---------------------------------------------------------------- offsets, describe

ErrorCode GroupCoordinator::validate_consumer_commit(const Group& g,
                                                     const OffsetCommitParams& p) const {
  const ConsumerGroupModel& m = g.consumer->model;
  // Admin commits (epoch -1) are allowed while the group has no members.
  if (p.generation_id_or_member_epoch < 0 && m.empty()) return ErrorCode::NONE;
  const ConsumerMember* member = m.member(p.member_id);
  if (!member) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (p.generation_id_or_member_epoch != member->member_epoch) return ErrorCode::STALE_MEMBER_EPOCH;
  return ErrorCode::NONE;
}

ErrorCode GroupCoordinator::validate_consumer_fetch(const Group& g,
                                                    const OffsetFetchParams& p) const {
  // Admin clients and older versions send no member; samsa also takes "" as none.
  if ((!p.member_id || p.member_id->empty()) && p.member_epoch < 0) return ErrorCode::NONE;
  const ConsumerMember* member = g.consumer->model.member(p.member_id.value_or(""));
  if (!member) return ErrorCode::UNKNOWN_MEMBER_ID;
  if (p.member_epoch != member->member_epoch) return ErrorCode::STALE_MEMBER_EPOCH;
  return ErrorCode::NONE;
}

bool GroupCoordinator::consumer_group_subscribes(const Group& g, const std::string& topic) const {
  ConsumerGroup& cg = *g.consumer;
  for (const auto& [id, _] : cg.model.members())
    if (member_topics(cg, id).count(topic)) return true;
  return false;
}

ConsumerGroupDescription GroupCoordinator::describe_consumer_group(
    const std::string& group_id) const {
  ConsumerGroupDescription d;
  d.group_id = group_id;
  if ((d.error = unavailable()) != ErrorCode::NONE) return d;
  if (group_id.empty()) {
    d.error = ErrorCode::INVALID_GROUP_ID;
    return d;
  }
  const Group* g = find(group_id);
  if (!g || !g->consumer) {
    d.error = ErrorCode::GROUP_ID_NOT_FOUND;
    d.error_message =
        g ? "Group " + group_id + " is not a consumer group." : "Group " + group_id + " not found.";
    return d;
  }
  const ConsumerGroupModel& m = g->consumer->model;
  d.state = to_string(m.state());
  d.group_epoch = m.group_epoch;
  d.assignment_epoch = m.assignment_epoch;
  d.assignor_name = m.preferred_assignor(
      config_.consumer_assignors.empty() ? "uniform" : config_.consumer_assignors.front());
  auto named = [&](const Assignment& a) {
    std::vector<TopicIdPartitions> out;
    for (auto& t : to_list(a)) {
      const auto* meta = logs_.find_topic(t.topic_id);
      if (!meta) continue;  // deleted since; Kafka leaves it out too
      t.topic_name = meta->name;
      out.push_back(std::move(t));
    }
    return out;
  };
  for (const auto& [id, member] : m.members()) {
    DescribedConsumerMember dm;
    dm.member_id = id;
    dm.instance_id = member.instance_id;
    dm.rack_id = member.rack_id;
    dm.member_epoch = member.member_epoch;
    dm.client_id = member.client_id;
    dm.client_host = member.client_host;
    dm.subscribed_topic_names = member.subscribed_topic_names;
    dm.subscribed_topic_regex = member.subscribed_topic_regex;
    dm.assignment = named(member.assigned);
    dm.target_assignment = named(m.target(id));
    d.members.push_back(std::move(dm));
  }
  return d;
}

}  // namespace samsa::coordinator
