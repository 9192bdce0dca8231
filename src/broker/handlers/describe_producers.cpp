// DescribeProducers (key 61), v0: the producers a partition keeps state for (what
// kafka-transactions.sh describe-producers shows): producer id and epoch, the last
// sequence and timestamp written, the coordinator epoch of the last transaction marker
// and the first offset of the ongoing transaction (-1 for none of either). Unknown
// partitions answer UNKNOWN_TOPIC_OR_PARTITION.
#include "samsa/broker/handlers.h"
#include "samsa/storage/log_manager.h"

namespace samsa::broker {

void handle_describe_producers(ContextPtr ctx, protocol::DescribeProducersRequest request) {
  using Response = protocol::DescribeProducersResponse;
  Response response;
  for (const auto& t : request.topics) {
    Response::TopicResponse topic;
    topic.name = t.name;
    for (const int32_t index : t.partition_indexes) {
      Response::PartitionResponse p;
      p.partition_index = index;
      const storage::PartitionLog* log = ctx->services.logs.partition(t.name, index);
      if (!log) {
        p.error_code = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
      } else {
        for (const storage::ProducerEntry& e : log->producer_state().entries()) {
          Response::ProducerState s;
          s.producer_id = e.producer_id;
          s.producer_epoch = e.epoch;
          if (const storage::ProducerBatchMeta* last = e.last()) s.last_sequence = last->last_seq;
          s.last_timestamp = e.last_timestamp;
          s.coordinator_epoch = e.coordinator_epoch;
          s.current_txn_start_offset = e.current_txn_first_offset;
          p.active_producers.push_back(s);
        }
      }
      topic.partitions.push_back(std::move(p));
    }
    response.topics.push_back(std::move(topic));
  }
  ctx->respond(response);
}

}  // namespace samsa::broker
