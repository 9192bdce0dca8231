// DeleteRecords (key 21), v0-2: moves a partition's log start offset forward (offset
// -1 means the high watermark) and deletes the segments wholly below it; the answer
// carries the new low watermark. As in Kafka: internal topics answer
// INVALID_TOPIC_EXCEPTION, a topic whose cleanup.policy lacks "delete" POLICY_VIOLATION,
// an offset beyond the high watermark OFFSET_OUT_OF_RANGE. On one node there are no
// followers to wait for, so timeout_ms is not needed; the new start is durable before
// the answer.
#include "../topic_admin.h"
#include "samsa/broker/handlers.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {
namespace {

using Response = protocol::DeleteRecordsResponse;

// Kafka answers an unknown or failed partition with low watermark -1.
constexpr int64_t kUnknownLowWatermark = -1;

Response::DeleteRecordsPartitionResult delete_below(storage::LogManager& logs,
                                                    const std::string& topic, int32_t index,
                                                    int64_t offset) {
  Response::DeleteRecordsPartitionResult r;
  r.partition_index = index;
  r.low_watermark = kUnknownLowWatermark;
  storage::PartitionLog* log = logs.partition(topic, index);
  ErrorCode error = ErrorCode::NONE;
  if (!log) {
    error = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
  } else if (admin::is_internal_topic(topic)) {
    error = ErrorCode::INVALID_TOPIC_EXCEPTION;
  } else if (!log->config().deletes_segments()) {
    error = ErrorCode::POLICY_VIOLATION;
  } else {
    const int64_t before = log->log_start_offset();
    error = log->delete_records_before(offset);
    if (error == ErrorCode::NONE) {
      r.low_watermark = log->log_start_offset();
      if (r.low_watermark != before)
        spdlog::info("{}-{}: records below offset {} deleted", topic, index, r.low_watermark);
    }
  }
  r.error_code = to_wire(error);
  return r;
}

}  // namespace

void handle_delete_records(ContextPtr ctx, protocol::DeleteRecordsRequest request) {
  Response response;
  for (const auto& t : request.topics) {
    Response::DeleteRecordsTopicResult topic;
    topic.name = t.name;
    for (const auto& p : t.partitions)
      topic.partitions.push_back(
          delete_below(ctx->services.logs, t.name, p.partition_index, p.offset));
    response.topics.push_back(std::move(topic));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
