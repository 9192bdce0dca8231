// Server-side partition assignors of the KIP-848 consumer protocol, selected by the
// broker config `group.consumer.assignors` (the first is the default) and by a
// member's `server_assignor`. They compute a group's target assignment; members then
// reconcile towards it (consumer_group.h).
//
// * "uniform" (Kafka's UniformAssignor): every partition of a subscribed topic goes to
//   one subscriber, the counts per member differ by at most one among members that
//   could take the partition, and partitions stay where the previous target had them
//   whenever that keeps the balance (sticky).
// * "range" (Kafka's RangeAssignor): per topic, the subscribers sorted by member id
//   get contiguous ranges, the first `partitions % members` one partition more.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/coordinator/consumer_group.h"

namespace samsa::coordinator {

struct AssignorTopic {
  TopicId id{};
  std::string name;
  int32_t partitions = 0;
};

struct AssignorMember {
  std::string member_id;
  std::set<TopicId> subscribed;  // resolved: existing topics only
  Assignment previous_target;    // for stickiness
};

class PartitionAssignor {
 public:
  virtual ~PartitionAssignor() = default;
  virtual std::string_view name() const = 0;
  // One target per member (possibly empty). Deterministic for the same input.
  virtual std::map<std::string, Assignment> assign(
      const std::vector<AssignorMember>& members,
      const std::vector<AssignorTopic>& topics) const = 0;
};

// "uniform" or "range" (Kafka's class names of both are accepted too); nullptr else.
std::unique_ptr<PartitionAssignor> make_assignor(std::string_view name);
// The short name for a configured assignor ("uniform" for Kafka's class name), or "".
std::string canonical_assignor_name(std::string_view name);

}  // namespace samsa::coordinator
