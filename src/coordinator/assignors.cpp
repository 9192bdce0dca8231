// The "uniform" and "range" server-side assignors (see assignor.h).
#include <algorithm>
#include <utility>

#include "samsa/coordinator/assignor.h"

namespace samsa::coordinator {

namespace {

using Partition = std::pair<TopicId, int32_t>;

// Sticky and balanced. Kafka uses two builders (homogeneous and heterogeneous
// subscriptions); one greedy pass followed by a balancing pass covers both:
//   1. each member keeps the partitions of its previous target it still subscribes to,
//      up to its fair share when every member subscribes to the same topics;
//   2. every other partition goes to the least loaded subscriber;
//   3. partitions move from a member to a subscriber with at least two fewer until no
//      such move exists, so counts differ by at most one wherever a move is possible.
class UniformAssignor final : public PartitionAssignor {
 public:
  std::string_view name() const override { return "uniform"; }

  std::map<std::string, Assignment> assign(
      const std::vector<AssignorMember>& members,
      const std::vector<AssignorTopic>& topics) const override {
    std::map<std::string, Assignment> out;
    std::map<std::string, size_t> load;
    for (const auto& m : members) {
      out[m.member_id];
      load[m.member_id] = 0;
    }
    if (members.empty()) return out;

    std::map<TopicId, int32_t> sizes;
    for (const auto& t : topics) sizes[t.id] = t.partitions;
    auto subscribers_of = [&](const TopicId& topic) {
      std::vector<const AssignorMember*> subs;
      for (const auto& m : members)
        if (m.subscribed.count(topic)) subs.push_back(&m);
      return subs;
    };

    // Fair share when the subscriptions are all the same; otherwise no cap here and
    // the balancing pass decides.
    const bool homogeneous = std::all_of(members.begin(), members.end(), [&](const auto& m) {
      return m.subscribed == members.front().subscribed;
    });
    size_t total = 0;
    for (const auto& topic : members.front().subscribed)
      if (auto it = sizes.find(topic); it != sizes.end()) total += static_cast<size_t>(it->second);
    const size_t quota = homogeneous ? (total + members.size() - 1) / members.size() : SIZE_MAX;

    std::set<Partition> taken;
    for (const auto& m : members) {
      for (const auto& [topic, parts] : m.previous_target) {
        auto size = sizes.find(topic);
        if (size == sizes.end() || !m.subscribed.count(topic)) continue;
        for (int32_t p : parts) {
          if (p >= size->second || taken.count({topic, p}) || load[m.member_id] >= quota) continue;
          out[m.member_id][topic].insert(p);
          taken.insert({topic, p});
          ++load[m.member_id];
        }
      }
    }

    for (const auto& t : topics) {
      const auto subs = subscribers_of(t.id);
      if (subs.empty()) continue;
      for (int32_t p = 0; p < t.partitions; ++p) {
        if (taken.count({t.id, p})) continue;
        const AssignorMember* best = subs.front();
        for (const AssignorMember* s : subs)
          if (load[s->member_id] < load[best->member_id]) best = s;
        out[best->member_id][t.id].insert(p);
        taken.insert({t.id, p});
        ++load[best->member_id];
      }
    }

    balance(members, out, load);
    return out;
  }

 private:
  static void balance(const std::vector<AssignorMember>& members,
                      std::map<std::string, Assignment>& out, std::map<std::string, size_t>& load) {
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& from : members) {
        Assignment& owned = out[from.member_id];
        for (auto& [topic, parts] : owned) {
          const AssignorMember* to = nullptr;
          for (const auto& m : members)
            if (m.subscribed.count(topic) && load[m.member_id] + 1 < load[from.member_id] &&
                (!to || load[m.member_id] < load[to->member_id]))
              to = &m;
          if (!to || parts.empty()) continue;
          const int32_t p = *parts.rbegin();  // the most recently added tends to be last
          parts.erase(p);
          out[to->member_id][topic].insert(p);
          --load[from.member_id];
          ++load[to->member_id];
          moved = true;
          break;
        }
        if (moved) break;
      }
    }
    for (auto& [_, a] : out)
      for (auto it = a.begin(); it != a.end();) it = it->second.empty() ? a.erase(it) : ++it;
  }
};

class RangeAssignor final : public PartitionAssignor {
 public:
  std::string_view name() const override { return "range"; }

  std::map<std::string, Assignment> assign(
      const std::vector<AssignorMember>& members,
      const std::vector<AssignorTopic>& topics) const override {
    std::map<std::string, Assignment> out;
    for (const auto& m : members) out[m.member_id];
    for (const auto& t : topics) {
      std::vector<const AssignorMember*> subs;
      for (const auto& m : members)
        if (m.subscribed.count(t.id)) subs.push_back(&m);
      if (subs.empty() || t.partitions <= 0) continue;
      std::sort(subs.begin(), subs.end(),
                [](const auto* a, const auto* b) { return a->member_id < b->member_id; });
      const int32_t n = static_cast<int32_t>(subs.size());
      const int32_t base = t.partitions / n, extra = t.partitions % n;
      int32_t next = 0;
      for (int32_t i = 0; i < n; ++i) {
        const int32_t count = base + (i < extra ? 1 : 0);
        for (int32_t k = 0; k < count; ++k) out[subs[i]->member_id][t.id].insert(next++);
      }
    }
    for (auto& [_, a] : out)
      for (auto it = a.begin(); it != a.end();) it = it->second.empty() ? a.erase(it) : ++it;
    return out;
  }
};

}  // namespace

std::string canonical_assignor_name(std::string_view name) {
  if (name == "uniform" || name == "org.apache.kafka.coordinator.group.assignor.UniformAssignor" ||
      name == "org.apache.kafka.coordinator.group.api.assignor.UniformAssignor")
    return "uniform";
  if (name == "range" || name == "org.apache.kafka.coordinator.group.assignor.RangeAssignor" ||
      name == "org.apache.kafka.coordinator.group.api.assignor.RangeAssignor")
    return "range";
  return {};
}

std::unique_ptr<PartitionAssignor> make_assignor(std::string_view name) {
  const std::string canonical = canonical_assignor_name(name);
  if (canonical == "uniform") return std::make_unique<UniformAssignor>();
  if (canonical == "range") return std::make_unique<RangeAssignor>();
  return nullptr;
}

}  // namespace samsa::coordinator
