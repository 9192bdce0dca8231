// The KIP-848 group model and the reconciliation of a member (Kafka 3.9's
// CurrentAssignmentBuilder), see consumer_group.h.
#include "samsa/coordinator/consumer_group.h"

#include <algorithm>
#include <stdexcept>

namespace samsa::coordinator {

const char* to_string(MemberState state) {
  switch (state) {
    case MemberState::kStable:
      return "STABLE";
    case MemberState::kUnrevokedPartitions:
      return "UNREVOKED_PARTITIONS";
    case MemberState::kUnreleasedPartitions:
      return "UNRELEASED_PARTITIONS";
  }
  return "UNKNOWN";
}

const char* to_string(ConsumerGroupState state) {
  switch (state) {
    case ConsumerGroupState::kEmpty:
      return "Empty";
    case ConsumerGroupState::kAssigning:
      return "Assigning";
    case ConsumerGroupState::kReconciling:
      return "Reconciling";
    case ConsumerGroupState::kStable:
      return "Stable";
  }
  return "Dead";
}

// ---------------------------------------------------------------- helpers

bool contains_any(const Assignment& owned, const Assignment& partitions) {
  for (const auto& [topic, parts] : owned) {
    auto it = partitions.find(topic);
    if (it == partitions.end()) continue;
    for (int32_t p : parts)
      if (it->second.count(p)) return true;
  }
  return false;
}

bool is_subset(const Assignment& subset, const Assignment& of) {
  for (const auto& [topic, parts] : subset) {
    if (parts.empty()) continue;
    auto it = of.find(topic);
    if (it == of.end()) return false;
    for (int32_t p : parts)
      if (!it->second.count(p)) return false;
  }
  return true;
}

std::vector<TopicIdPartitions> to_list(const Assignment& assignment) {
  std::vector<TopicIdPartitions> out;
  for (const auto& [topic, parts] : assignment) {
    if (parts.empty()) continue;
    out.push_back({topic, {}, std::vector<int32_t>(parts.begin(), parts.end())});
  }
  return out;
}

Assignment from_list(const std::vector<TopicIdPartitions>& list) {
  Assignment out;
  for (const auto& t : list) out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
  return out;
}

// ---------------------------------------------------------------- reconciliation

namespace {

// Without an owned list the coordinator cannot know what the member gave up, so it
// assumes the member still owns everything (Kafka's ownsRevokedPartitions).
bool still_owns(const std::optional<Assignment>& owned, const Assignment& revoking) {
  return !owned || contains_any(*owned, revoking);
}

ConsumerMember with_epoch(const ConsumerMember& m, int32_t epoch) {
  ConsumerMember next = m;
  next.previous_member_epoch = m.member_epoch;
  next.member_epoch = epoch;
  return next;
}

// Kafka's computeNextAssignment.
ConsumerMember next_assignment(
    const ConsumerMember& member, int32_t member_epoch, int32_t target_epoch,
    const Assignment& target, const Assignment& current,
    const std::function<int32_t(const TopicId&, int32_t)>& partition_epoch,
    const std::optional<Assignment>& owned) {
  bool unreleased = false;
  Assignment keep, revoke, add;
  std::set<TopicId> topics;
  for (const auto& [t, _] : target) topics.insert(t);
  for (const auto& [t, _] : current) topics.insert(t);
  static const std::set<int32_t> kNone;
  for (const TopicId& topic : topics) {
    auto ti = target.find(topic);
    auto ci = current.find(topic);
    const std::set<int32_t>& tgt = ti == target.end() ? kNone : ti->second;
    const std::set<int32_t>& cur = ci == current.end() ? kNone : ci->second;
    std::set<int32_t> k, r, a;
    for (int32_t p : cur) (tgt.count(p) ? k : r).insert(p);
    for (int32_t p : tgt) {
      if (k.count(p)) continue;
      // A partition still owned by someone (even a member about to revoke it) waits.
      if (partition_epoch(topic, p) != -1)
        unreleased = true;
      else
        a.insert(p);
    }
    if (!k.empty()) keep[topic] = std::move(k);
    if (!r.empty()) revoke[topic] = std::move(r);
    if (!a.empty()) add[topic] = std::move(a);
  }

  if (!revoke.empty() && still_owns(owned, revoke)) {
    // Revoke first: the member keeps its epoch until it confirms the revocation.
    ConsumerMember next = with_epoch(member, member_epoch);
    next.state = MemberState::kUnrevokedPartitions;
    next.assigned = std::move(keep);
    next.pending_revocation = std::move(revoke);
    return next;
  }
  ConsumerMember next = with_epoch(member, target_epoch);
  for (auto& [topic, parts] : add) keep[topic].insert(parts.begin(), parts.end());
  next.assigned = std::move(keep);
  next.pending_revocation.clear();
  next.state = unreleased ? MemberState::kUnreleasedPartitions : MemberState::kStable;
  return next;
}

}  // namespace

ConsumerMember reconcile_member(
    const ConsumerMember& member, int32_t target_epoch, const Assignment& target,
    const std::function<int32_t(const TopicId&, int32_t)>& partition_epoch,
    const std::optional<Assignment>& owned) {
  switch (member.state) {
    case MemberState::kStable:
      if (member.member_epoch == target_epoch) return member;
      return next_assignment(member, member.member_epoch, target_epoch, target, member.assigned,
                             partition_epoch, owned);
    case MemberState::kUnrevokedPartitions:
      if (still_owns(owned, member.pending_revocation)) return member;
      // Revocation confirmed: the member moves on to the next epoch.
      return next_assignment(member, member.member_epoch + 1, target_epoch, target, member.assigned,
                             partition_epoch, owned);
    case MemberState::kUnreleasedPartitions:
      return next_assignment(member, member.member_epoch, target_epoch, target, member.assigned,
                             partition_epoch, owned);
  }
  return member;
}

// ---------------------------------------------------------------- group

const ConsumerMember* ConsumerGroupModel::member(const std::string& id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

const ConsumerMember* ConsumerGroupModel::static_member(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  return it == static_members_.end() ? nullptr : member(it->second);
}

void ConsumerGroupModel::release(const ConsumerMember& m) {
  for (const Assignment* a : {&m.assigned, &m.pending_revocation})
    for (const auto& [topic, parts] : *a)
      for (int32_t p : parts) {
        auto it = owners_.find({topic, p});
        if (it != owners_.end() && it->second.first == m.member_id) owners_.erase(it);
      }
}

void ConsumerGroupModel::claim(const ConsumerMember& m) {
  for (const Assignment* a : {&m.assigned, &m.pending_revocation})
    for (const auto& [topic, parts] : *a)
      for (int32_t p : parts) {
        auto [it, inserted] = owners_.try_emplace({topic, p}, m.member_id, m.member_epoch);
        // Reconciliation never hands out an owned partition; a second owner would be a
        // bug that splits a partition between two consumers.
        if (!inserted && it->second.first != m.member_id)
          throw std::logic_error("partition " + std::to_string(p) + " already owned by " +
                                 it->second.first);
        it->second = {m.member_id, m.member_epoch};
      }
}

void ConsumerGroupModel::update_member(ConsumerMember m) {
  auto it = members_.find(m.member_id);
  if (it != members_.end()) {
    if (it->second == m) return;
    release(it->second);
    if (it->second.instance_id && it->second.instance_id != m.instance_id)
      static_members_.erase(*it->second.instance_id);
  }
  claim(m);
  if (m.instance_id) static_members_[*m.instance_id] = m.member_id;
  const std::string id = m.member_id;
  members_.insert_or_assign(id, std::move(m));
  ++revision_;
}

void ConsumerGroupModel::remove_member(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  release(it->second);
  if (it->second.instance_id) {
    auto s = static_members_.find(*it->second.instance_id);
    if (s != static_members_.end() && s->second == member_id) static_members_.erase(s);
  }
  members_.erase(it);
  targets_.erase(member_id);
  ++revision_;
}

const Assignment& ConsumerGroupModel::target(const std::string& member_id) const {
  static const Assignment kEmpty;
  auto it = targets_.find(member_id);
  return it == targets_.end() ? kEmpty : it->second;
}

void ConsumerGroupModel::move_target(const std::string& from, const std::string& to) {
  auto it = targets_.find(from);
  if (it == targets_.end()) return;
  Assignment a = std::move(it->second);
  targets_.erase(it);
  targets_[to] = std::move(a);
  ++revision_;
}

int32_t ConsumerGroupModel::partition_epoch(const TopicId& topic, int32_t partition) const {
  auto it = owners_.find({topic, partition});
  return it == owners_.end() ? -1 : it->second.second;
}

const std::string* ConsumerGroupModel::partition_owner(const TopicId& topic,
                                                       int32_t partition) const {
  auto it = owners_.find({topic, partition});
  return it == owners_.end() ? nullptr : &it->second.first;
}

ConsumerGroupState ConsumerGroupModel::state() const {
  if (members_.empty()) return ConsumerGroupState::kEmpty;
  if (group_epoch > assignment_epoch) return ConsumerGroupState::kAssigning;
  for (const auto& [_, m] : members_)
    if (!m.reconciled_to(assignment_epoch)) return ConsumerGroupState::kReconciling;
  return ConsumerGroupState::kStable;
}

std::string ConsumerGroupModel::preferred_assignor(const std::string& fallback) const {
  std::map<std::string, int> votes;
  for (const auto& [_, m] : members_)
    if (m.server_assignor) ++votes[*m.server_assignor];
  std::string best = fallback;
  int most = 0;
  for (const auto& [name, n] : votes)
    if (n > most) {
      best = name;
      most = n;
    }
  return best;
}

}  // namespace samsa::coordinator
