// ListOffsets (key 2), v1-9. Per partition: -1 latest (the high watermark, or for
// read_committed, v2+, the last stable offset), -2 earliest, -3 the record with the largest
// timestamp (v7+), -4 earliest local (v8+, the log start: nothing is tiered), -5 latest tiered
// (v9+: offset -1, nothing is tiered), else the first record whose timestamp is >= the target.
#include <set>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {
namespace {

using Response = protocol::ListOffsetsResponse;
using PartitionResponse = Response::ListOffsetsPartitionResponse;

// The oldest version that may ask for a special timestamp (0 for plain lookups).
int16_t min_version_for(int64_t timestamp) {
  switch (timestamp) {
    case storage::kMaxTimestamp:
      return 7;
    case storage::kEarliestLocalTimestamp:
      return 8;
    case storage::kLatestTieredTimestamp:
      return 9;
    default:
      return 0;
  }
}

PartitionResponse lookup(storage::PartitionLog& log, int64_t timestamp, int16_t version,
                         storage::IsolationLevel isolation) {
  PartitionResponse r;
  r.partition_index = log.partition();
  const storage::OffsetLookup found = log.offset_for_timestamp(timestamp, isolation);
  if (found.error != ErrorCode::NONE) {
    r.error_code = to_wire(found.error);
    return r;
  }
  if (found.offset < 0) {
    // No such record (or nothing tiered): Kafka answers no offset, no epoch, except for
    // latest tiered where it reports the epoch as -1 explicitly; same bytes.
    return r;
  }
  r.offset = found.offset;
  r.timestamp = found.timestamp;
  if (version >= 4) r.leader_epoch = admin::kLeaderEpoch;
  return r;
}

}  // namespace

void handle_list_offsets(ContextPtr ctx, protocol::ListOffsetsRequest request) {
  storage::LogManager& logs = ctx->services.logs;
  const int16_t version = ctx->version();
  // v0-1 have no isolation level: they read uncommitted. A record a consumer of the
  // level cannot read yet is not found (Kafka's lastFetchableOffset).
  const storage::IsolationLevel isolation = version >= 2 && request.isolation_level == 1
                                                ? storage::IsolationLevel::kReadCommitted
                                                : storage::IsolationLevel::kReadUncommitted;

  // Kafka answers INVALID_REQUEST for every copy of a partition named twice.
  std::set<std::pair<std::string, int32_t>> seen, duplicates;
  for (const auto& topic : request.topics)
    for (const auto& p : topic.partitions)
      if (!seen.insert({topic.name, p.partition_index}).second)
        duplicates.insert({topic.name, p.partition_index});

  Response response;
  response.topics.reserve(request.topics.size());
  for (const auto& topic : request.topics) {
    Response::ListOffsetsTopicResponse out;
    out.name = topic.name;
    out.partitions.reserve(topic.partitions.size());
    for (const auto& p : topic.partitions) {
      PartitionResponse r;
      r.partition_index = p.partition_index;
      storage::PartitionLog* log = logs.partition(topic.name, p.partition_index);
      if (duplicates.count({topic.name, p.partition_index})) {
        r.error_code = to_wire(ErrorCode::INVALID_REQUEST);
      } else if (!log) {
        r.error_code = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else if (p.current_leader_epoch > admin::kLeaderEpoch) {
        // The client has seen a newer leader than this one (cannot happen here unless
        // the client talked to another cluster).
        r.error_code = to_wire(ErrorCode::UNKNOWN_LEADER_EPOCH);
      } else if (p.current_leader_epoch >= 0 && p.current_leader_epoch < admin::kLeaderEpoch) {
        r.error_code = to_wire(ErrorCode::FENCED_LEADER_EPOCH);
      } else if (version < min_version_for(p.timestamp)) {
        r.error_code = to_wire(ErrorCode::UNSUPPORTED_VERSION);
      } else if (p.timestamp == storage::kLatestTimestamp) {
        r.offset = log->offset_for_timestamp(p.timestamp, isolation).offset;
        if (version >= 4) r.leader_epoch = admin::kLeaderEpoch;
      } else {
        r = lookup(*log, p.timestamp, version, isolation);
      }
      out.partitions.push_back(std::move(r));
    }
    response.topics.push_back(std::move(out));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
