// Consumer groups: list with lag, one group's members, assignments and offsets, the
// reset of a group's offsets on one topic and the deletion of a group.
//
// Reads come from the group coordinator directly. The reset previews (dry_run) or
// commits through OffsetCommit with generation -1 and no member, as Kafka's admin
// client does, so Kafka's own rule decides: a group with members is refused (its
// consumers would overwrite the offsets). "skip" moves past the record a group is stuck
// on: committed + 1, only where the group has committed an offset. Deletion is
// DeleteGroups (NON_EMPTY_GROUP while members remain).
#include <algorithm>
#include <map>
#include <set>

#include "api_support.h"
#include "client_formats.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

namespace {

namespace proto = protocol;
using coordinator::TopicPartition;

const coordinator::GroupListing* find_listing(const std::vector<coordinator::GroupListing>& all,
                                              const std::string& id) {
  for (const auto& l : all)
    if (l.group_id == id) return &l;
  return nullptr;
}

size_t members_of(const coordinator::GroupCoordinator& groups, const coordinator::GroupListing& l) {
  return l.type == "consumer" ? groups.describe_consumer_group(l.group_id).members.size()
                              : groups.member_count(l.group_id);
}

// Committed offsets of `group` (every partition, or those listed), by partition.
std::map<TopicPartition, coordinator::FetchedOffset> committed_offsets(
    const coordinator::GroupCoordinator& groups, const std::string& group,
    std::optional<std::vector<TopicPartition>> partitions = std::nullopt) {
  coordinator::OffsetFetchParams params;
  params.group_id = group;
  params.partitions = std::move(partitions);
  std::map<TopicPartition, coordinator::FetchedOffset> out;
  for (auto& f : groups.fetch_offsets(params).offsets)
    if (f.error == ErrorCode::NONE && f.offset >= 0) out.emplace(f.tp, std::move(f));
  return out;
}

std::optional<int64_t> end_offset(ApiContext& api, const TopicPartition& tp) {
  const storage::PartitionLog* log = api.services.logs.partition(tp.topic, tp.partition);
  if (!log) return std::nullopt;
  return log->log_end_offset();
}

Response groups_unavailable() {
  return kafka_error(ErrorCode::COORDINATOR_NOT_AVAILABLE, "the group coordinator is not running");
}

Response unknown_group(const std::string& id) {
  return kafka_error(ErrorCode::GROUP_ID_NOT_FOUND, fmt::format("group {} does not exist", id));
}

// One group per step (run_sliced): its lag sums the partitions it committed.
void list_groups(ApiContext& api, const Request&, const Reply& reply) {
  struct Listing {
    std::vector<coordinator::GroupListing> groups;
    size_t next = 0;
    JsonArrayBody body{"groups"};
  };
  auto listing = std::make_shared<Listing>();
  if (const coordinator::GroupCoordinator* groups = api.services.groups)
    listing->groups = groups->list_groups({}, {});
  auto step = [&api, listing] {
    const coordinator::GroupCoordinator* groups = api.services.groups;
    if (groups == nullptr || listing->next == listing->groups.size()) return true;
    const coordinator::GroupListing& l = listing->groups[listing->next++];
    int64_t lag = 0;
    for (const auto& [tp, f] : committed_offsets(*groups, l.group_id))
      if (const auto end = end_offset(api, tp)) lag += std::max<int64_t>(0, *end - f.offset);
    listing->body.add({{"group_id", l.group_id},
                       {"type", l.type},
                       {"protocol_type", l.protocol_type},
                       {"state", l.state},
                       {"members", members_of(*groups, l)},
                       {"lag", lag}});
    return listing->next == listing->groups.size();
  };
  run_sliced(
      api, step, [listing, reply] { reply(listing->body.finish()); }, reply);
}

Json assignment_json(const std::map<std::string, std::vector<int32_t>>& assignment) {
  Json out = Json::array();
  for (const auto& [topic, partitions] : assignment)
    out.push_back({{"topic", topic}, {"partitions", partitions}});
  return out;
}

void describe_group(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& id = request.params.at("id");
  const coordinator::GroupCoordinator* groups = api.services.groups;
  if (!groups) return reply(groups_unavailable());
  const auto all = groups->list_groups({}, {});
  const coordinator::GroupListing* listing = find_listing(all, id);
  if (!listing) return reply(unknown_group(id));

  Json members = Json::array();
  std::set<TopicPartition> assigned;
  std::string protocol;
  auto add_assigned = [&](const std::map<std::string, std::vector<int32_t>>& a) {
    for (const auto& [topic, partitions] : a)
      for (const int32_t p : partitions) assigned.insert({topic, p});
  };
  if (listing->type == "consumer") {
    const coordinator::ConsumerGroupDescription d = groups->describe_consumer_group(id);
    protocol = d.assignor_name;
    for (const auto& m : d.members) {
      std::map<std::string, std::vector<int32_t>> a;
      for (const auto& t : m.assignment) a[t.topic_name] = t.partitions;
      add_assigned(a);
      members.push_back(
          {{"member_id", m.member_id},
           {"group_instance_id", m.instance_id ? Json(*m.instance_id) : Json(nullptr)},
           {"client_id", m.client_id},
           {"host", m.client_host},
           {"assignment", assignment_json(a)}});
    }
  } else {
    const coordinator::GroupDescription d = groups->describe_group(id);
    protocol = d.protocol;
    for (const auto& m : d.members) {
      // Only a "consumer" group's assignment has a layout everyone knows (Connect and
      // others use their own).
      std::map<std::string, std::vector<int32_t>> a;
      if (d.protocol_type == "consumer")
        if (auto decoded = decode_consumer_assignment(m.assignment)) a = std::move(*decoded);
      add_assigned(a);
      members.push_back(
          {{"member_id", m.member_id},
           {"group_instance_id", m.group_instance_id ? Json(*m.group_instance_id) : Json(nullptr)},
           {"client_id", m.client_id},
           {"host", m.client_host},
           {"assignment", assignment_json(a)}});
    }
  }

  // Committed offsets, and the assigned partitions with none yet (committed null).
  const auto committed = committed_offsets(*groups, id);
  std::set<TopicPartition> partitions = assigned;
  for (const auto& [tp, _] : committed) partitions.insert(tp);
  Json offsets = Json::array();
  int64_t total_lag = 0;
  for (const TopicPartition& tp : partitions) {
    const auto end = end_offset(api, tp);
    const auto it = committed.find(tp);
    Json entry = {{"topic", tp.topic},    {"partition", tp.partition},
                  {"committed", nullptr}, {"end_offset", end ? Json(*end) : Json(nullptr)},
                  {"lag", nullptr},       {"metadata", nullptr}};
    if (it != committed.end()) {
      entry["committed"] = it->second.offset;
      if (it->second.metadata) entry["metadata"] = *it->second.metadata;
      if (end) {
        const int64_t lag = std::max<int64_t>(0, *end - it->second.offset);
        entry["lag"] = lag;
        total_lag += lag;
      }
    }
    offsets.push_back(std::move(entry));
  }
  reply(ok({{"group_id", id},
            {"type", listing->type},
            {"protocol_type", listing->protocol_type},
            {"protocol", protocol},
            {"state", listing->state},
            {"coordinator", api.services.config.node_id},
            {"members", std::move(members)},
            {"offsets", std::move(offsets)},
            {"total_lag", total_lag}}));
}

// The errors OffsetCommit gives an admin commit on a group that has members.
bool group_is_active_error(int16_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::UNKNOWN_MEMBER_ID:
    case ErrorCode::ILLEGAL_GENERATION:
    case ErrorCode::REBALANCE_IN_PROGRESS:
    case ErrorCode::STALE_MEMBER_EPOCH:
    case ErrorCode::FENCED_INSTANCE_ID:
      return true;
    default:
      return false;
  }
}

struct PlannedOffset {
  int32_t partition = 0;
  std::optional<int64_t> current;
  int64_t next = 0;
};

void reset_offsets(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& id = request.params.at("id");
  coordinator::GroupCoordinator* groups = api.services.groups;
  if (!groups) return reply(groups_unavailable());
  const auto body = parse_body(request, reply);
  if (!body) return;
  std::string topic, to;
  if (!field_string(*body, "topic", true, topic, reply) ||
      !field_string(*body, "to", true, to, reply))
    return;
  static const std::set<std::string> kTargets = {"earliest", "latest", "timestamp",
                                                 "offset",   "skip",   "shift"};
  if (!kTargets.count(to))
    return reply(bad_request("\"to\" must be earliest, latest, timestamp, offset, skip or shift"));
  int64_t timestamp = 0, offset = 0, shift = 0;
  if ((to == "timestamp" && !field_int(*body, "timestamp", true, 0,
                                       std::numeric_limits<int64_t>::max(), timestamp, reply)) ||
      (to == "offset" &&
       !field_int(*body, "offset", true, 0, std::numeric_limits<int64_t>::max(), offset, reply)) ||
      (to == "shift" && !field_int(*body, "shift", true, std::numeric_limits<int64_t>::min() / 2,
                                   std::numeric_limits<int64_t>::max() / 2, shift, reply)))
    return;
  bool dry_run = false;
  if (const auto it = body->find("dry_run"); it != body->end() && !it->is_null()) {
    if (!it->is_boolean()) return reply(bad_request("\"dry_run\" must be true or false"));
    dry_run = it->get<bool>();
  }

  const int32_t count = partition_count(api, topic);
  if (count < 0)
    return reply(kafka_error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                             fmt::format("topic {} does not exist", topic)));
  std::set<int32_t> chosen;
  if (const auto it = body->find("partitions"); it != body->end() && !it->is_null()) {
    if (!it->is_array() || it->empty())
      return reply(bad_request("\"partitions\" must be a non-empty array of partition numbers"));
    for (const Json& p : *it) {
      if (!p.is_number_integer() || p.get<int64_t>() < 0 || p.get<int64_t>() >= count)
        return reply(kafka_error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                                 fmt::format("topic {} has partitions 0-{}; {} is not one of them",
                                             topic, count - 1, p.dump())));
      chosen.insert(p.get<int32_t>());
    }
  } else if (to == "skip") {
    return reply(
        bad_request("\"skip\" needs \"partitions\": the partition(s) whose stuck record to skip"));
  } else {
    for (int32_t p = 0; p < count; ++p) chosen.insert(p);
  }

  std::vector<TopicPartition> wanted;
  for (const int32_t p : chosen) wanted.push_back({topic, p});
  const auto committed = committed_offsets(*groups, id, wanted);
  std::vector<PlannedOffset> plan;
  for (const int32_t p : chosen) {
    storage::PartitionLog* log = api.services.logs.partition(topic, p);
    if (!log) return reply(internal_error(fmt::format("partition {}-{} has no log", topic, p)));
    PlannedOffset o;
    o.partition = p;
    if (auto it = committed.find({topic, p}); it != committed.end()) o.current = it->second.offset;
    const int64_t start = log->log_start_offset(), end = log->log_end_offset();
    int64_t target = 0;
    if (to == "earliest") {
      target = start;
    } else if (to == "latest") {
      target = end;
    } else if (to == "timestamp") {
      const storage::OffsetLookup found = log->offset_for_timestamp(timestamp);
      if (found.error != ErrorCode::NONE) return reply(kafka_error(found.error));
      target = found.offset < 0 ? end : found.offset;  // nothing that late: the end
    } else if (to == "offset") {
      target = offset;
    } else {
      if (!o.current)
        return reply(Response::error(
            409, "NO_COMMITTED_OFFSET",
            fmt::format("group {} has no committed offset on {}-{}: nothing to {} from; reset it "
                        "to an offset, a timestamp, earliest or latest instead",
                        id, topic, p, to)));
      target = to == "skip" ? *o.current + 1 : *o.current + shift;
    }
    // As Kafka's reset tool does: offsets outside the log are moved to its nearest end.
    o.next = std::clamp(target, start, end);
    plan.push_back(o);
  }

  const auto all = groups->list_groups({}, {});
  const coordinator::GroupListing* listing = find_listing(all, id);
  const std::string state = listing ? listing->state : "Dead";
  const size_t members = listing ? members_of(*groups, *listing) : 0;
  auto answer = [id, state, topic, plan](bool applied) {
    Json offsets = Json::array();
    for (const auto& o : plan)
      offsets.push_back({{"topic", topic},
                         {"partition", o.partition},
                         {"current", o.current ? Json(*o.current) : Json(nullptr)},
                         {"new", o.next}});
    return ok({{"group_id", id}, {"state", state}, {"applied", applied}, {"offsets", offsets}});
  };
  if (dry_run) return reply(answer(false));

  proto::OffsetCommitRequest commit;
  commit.group_id = id;
  commit.generation_id_or_member_epoch = -1;  // an admin commit: no member, no generation
  proto::OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = topic;
  for (const auto& o : plan) {
    proto::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = o.partition;
    p.committed_offset = o.next;
    p.committed_metadata = "";
    t.partitions.push_back(std::move(p));
  }
  commit.topics.push_back(std::move(t));
  kafka_call<proto::OffsetCommitResponse>(
      api, commit, reply,
      [id, state, members, answer](const proto::OffsetCommitResponse& r, const Reply& reply) {
        for (const auto& t : r.topics)
          for (const auto& p : t.partitions) {
            if (p.error_code == 0) continue;
            if (group_is_active_error(p.error_code))
              return reply(Response::error(
                  409, error_name(static_cast<ErrorCode>(p.error_code)),
                  fmt::format("group {} is {} with {} member(s): Kafka changes a group's offsets "
                              "only while it is inactive (Empty). Stop its consumers, wait "
                              "until the group is Empty, then apply again.",
                              id, state, members)));
            return reply(kafka_error(p.error_code));
          }
        reply(answer(true));
      });
}

void delete_group(ApiContext& api, const Request& request, const Reply& reply) {
  const std::string& id = request.params.at("id");
  proto::DeleteGroupsRequest del;
  del.groups_names.push_back(id);
  kafka_call<proto::DeleteGroupsResponse>(
      api, del, reply, [id](const proto::DeleteGroupsResponse& answer, const Reply& reply) {
        if (answer.results.size() != 1)
          return reply(internal_error("DeleteGroups answered no group"));
        const int16_t code = answer.results[0].error_code;
        if (static_cast<ErrorCode>(code) == ErrorCode::NON_EMPTY_GROUP)
          return reply(kafka_error(
              code, fmt::format("group {} still has members: stop its consumers first", id)));
        if (static_cast<ErrorCode>(code) == ErrorCode::GROUP_ID_NOT_FOUND)
          return reply(unknown_group(id));
        if (auto failure = kafka_failure(code)) return reply(*failure);
        reply(ok({{"deleted", id}}));
      });
}

}  // namespace

void add_group_routes(Router& router, ApiContext& api) {
  router.add("GET", "/api/groups", bind_route(api, list_groups));
  router.add("GET", "/api/groups/{id}", bind_route(api, describe_group));
  router.add("POST", "/api/groups/{id}/reset-offsets", bind_route(api, reset_offsets));
  router.add("DELETE", "/api/groups/{id}", bind_route(api, delete_group));
}

}  // namespace samsa::http
