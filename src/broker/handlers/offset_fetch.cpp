// OffsetFetch (key 9), v0-9. v0-7 ask for one group (topics null from v2: every
// committed partition); v8+ ask for several groups at once. Partitions without a
// committed offset answer -1. require_stable (v7+) answers UNSTABLE_OFFSET_COMMIT for
// a partition whose commit is not yet durable.
#include "samsa/broker/handlers.h"
#include "samsa/coordinator/group_coordinator.h"

namespace samsa::broker {

namespace {

coordinator::OffsetFetchResult fetch(coordinator::GroupCoordinator* groups,
                                     const coordinator::OffsetFetchParams& p) {
  if (groups) return groups->fetch_offsets(p);
  coordinator::OffsetFetchResult r;
  r.error = ErrorCode::COORDINATOR_NOT_AVAILABLE;
  return r;
}

// Groups fetched offsets by topic, keeping the order topics first appear in.
template <class Topic, class Partition>
std::vector<Topic> by_topic(const std::vector<coordinator::FetchedOffset>& offsets) {
  std::vector<Topic> topics;
  for (const auto& f : offsets) {
    if (topics.empty() || topics.back().name != f.tp.topic) {
      auto it = std::find_if(topics.begin(), topics.end(),
                             [&](const Topic& t) { return t.name == f.tp.topic; });
      if (it == topics.end()) {
        topics.emplace_back();
        topics.back().name = f.tp.topic;
      } else {
        std::rotate(it, it + 1, topics.end());  // move it to the back
      }
    }
    Partition p;
    p.partition_index = f.tp.partition;
    p.committed_offset = f.offset;
    p.committed_leader_epoch = f.leader_epoch;
    p.metadata = f.metadata;
    p.error_code = to_wire(f.error);
    topics.back().partitions.push_back(std::move(p));
  }
  return topics;
}

}  // namespace

void handle_offset_fetch(ContextPtr ctx, protocol::OffsetFetchRequest request) {
  coordinator::GroupCoordinator* groups = ctx->services.groups;
  protocol::OffsetFetchResponse response;
  if (ctx->version() >= 8) {
    for (const auto& g : request.groups) {
      coordinator::OffsetFetchParams p;
      p.group_id = g.group_id;
      p.require_stable = request.require_stable;
      p.member_id = g.member_id;
      p.member_epoch = g.member_epoch;
      if (g.topics) {
        p.partitions.emplace();
        for (const auto& t : *g.topics)
          for (int32_t part : t.partition_indexes) p.partitions->push_back({t.name, part});
      }
      const auto result = fetch(groups, p);
      protocol::OffsetFetchResponse::OffsetFetchResponseGroup rg;
      rg.group_id = g.group_id;
      rg.error_code = to_wire(result.error);
      if (result.error == ErrorCode::NONE)
        rg.topics =
            by_topic<protocol::OffsetFetchResponse::OffsetFetchResponseTopics,
                     protocol::OffsetFetchResponse::OffsetFetchResponsePartitions>(result.offsets);
      response.groups.push_back(std::move(rg));
    }
    return ctx->respond(response);
  }

  coordinator::OffsetFetchParams p;
  p.group_id = request.group_id;
  p.require_stable = ctx->version() >= 7 && request.require_stable;
  if (request.topics) {
    p.partitions.emplace();
    for (const auto& t : *request.topics)
      for (int32_t part : t.partition_indexes) p.partitions->push_back({t.name, part});
  }
  auto result = fetch(groups, p);
  if (result.error != ErrorCode::NONE) {
    response.error_code = to_wire(result.error);
    // Before v2 there is no top-level error: each partition carries it.
    if (ctx->version() < 2 && p.partitions) {
      result.offsets.clear();
      for (const auto& tp : *p.partitions) {
        coordinator::FetchedOffset f;
        f.tp = tp;
        f.error = result.error;
        result.offsets.push_back(f);
      }
    }
  }
  response.topics =
      by_topic<protocol::OffsetFetchResponse::OffsetFetchResponseTopic,
               protocol::OffsetFetchResponse::OffsetFetchResponsePartition>(result.offsets);
  ctx->respond(response);
}

}  // namespace samsa::broker
