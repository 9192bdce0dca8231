// DescribeTopicPartitions (key 75), v0: what the Java AdminClient's describeTopics uses.
// Topics sorted by name (all of them for an empty list), paged by
// min(response_partition_limit, 2000) partitions with a cursor, as Kafka's
// KRaftMetadataCache pages them. eligible_leader_replicas and last_known_elr are empty
// arrays, never null: the Java client dereferences them.
#include <algorithm>
#include <set>

#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/config/config.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {
namespace {

using Response = protocol::DescribeTopicPartitionsResponse;

// Kafka's max.request.partition.size.limit default.
constexpr int32_t kMaxPartitionsPerResponse = 2000;

Response::DescribeTopicPartitionsResponseTopic topic_entry(const std::string& name,
                                                           ErrorCode error) {
  Response::DescribeTopicPartitionsResponseTopic t;
  t.error_code = to_wire(error);
  t.name = name;
  t.is_internal = admin::is_internal_topic(name);
  t.topic_authorized_operations = admin::kAllTopicOperations;
  return t;
}

}  // namespace

void handle_describe_topic_partitions(ContextPtr ctx,
                                      protocol::DescribeTopicPartitionsRequest request) {
  storage::LogManager& logs = ctx->services.logs;
  const int32_t node = ctx->services.config.node_id;
  const bool all_topics = request.topics.empty();
  const std::string cursor_topic = request.cursor ? request.cursor->topic_name : "";

  std::set<std::string> names;  // sorted, from the cursor's topic on
  if (all_topics) {
    for (const storage::TopicMetadata* meta : logs.topics())
      if (meta->name >= cursor_topic) names.insert(meta->name);
  } else {
    for (const auto& t : request.topics)
      if (t.name >= cursor_topic) names.insert(t.name);
  }

  Response response;
  if (!all_topics && request.cursor && !names.count(cursor_topic)) {
    // Kafka fails the whole request: the cursor's topic must be one of those asked for.
    for (const auto& t : request.topics)
      response.topics.push_back(topic_entry(t.name, ErrorCode::INVALID_REQUEST));
    for (auto& t : response.topics) t.topic_authorized_operations = INT32_MIN;
    ctx->respond(response);
    return;
  }

  int32_t remaining = std::min(kMaxPartitionsPerResponse, request.response_partition_limit);
  for (const std::string& name : names) {
    if (remaining == 0) {
      response.next_cursor = Response::Cursor{name, 0, {}};
      break;
    }
    if (remaining < 0) break;
    const storage::TopicMetadata* meta = logs.find_topic(name);
    if (!meta) {
      if (all_topics) continue;
      std::string why;
      const ErrorCode error = storage::LogManager::valid_topic_name(name, why)
                                  ? ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                                  : ErrorCode::INVALID_TOPIC_EXCEPTION;
      response.topics.push_back(topic_entry(name, error));
      continue;
    }
    auto t = topic_entry(name, ErrorCode::NONE);
    t.topic_id = to_uuid(meta->topic_id);
    const int32_t first =
        request.cursor && name == cursor_topic ? std::max(0, request.cursor->partition_index) : 0;
    const int32_t end = static_cast<int32_t>(
        std::min<int64_t>(meta->partition_count, static_cast<int64_t>(first) + remaining));
    for (int32_t p = first; p < end; ++p) {
      Response::DescribeTopicPartitionsResponsePartition part;
      part.partition_index = p;
      part.leader_id = node;
      part.leader_epoch = admin::kLeaderEpoch;
      part.replica_nodes = {node};
      part.isr_nodes = {node};
      part.eligible_leader_replicas = std::vector<int32_t>{};
      part.last_known_elr = std::vector<int32_t>{};
      t.partitions.push_back(std::move(part));
    }
    const int32_t returned = std::max(0, end - first);
    response.topics.push_back(std::move(t));
    if (end < meta->partition_count) {
      response.next_cursor = Response::Cursor{name, end, {}};
      break;
    }
    remaining -= returned;
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
