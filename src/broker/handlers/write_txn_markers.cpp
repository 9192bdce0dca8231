// WriteTxnMarkers (key 27), v0-1. In Kafka the transaction coordinator sends it to
// partition leaders; samsa's coordinator writes its markers directly, so the callers
// here are administrators: Admin.abortTransaction / kafka-transactions.sh abort, which
// end a hanging transaction on one partition. Each marker is appended and answered
// once durable; __consumer_offsets markers go through the group coordinator, which
// settles the transaction's pending offsets.
#include <memory>

#include "samsa/broker/handlers.h"
#include "samsa/broker/partition_watch.h"
#include "samsa/coordinator/group_coordinator.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {

namespace {

using Response = protocol::WriteTxnMarkersResponse;

// Answers once every partition's marker is durable (or failed).
struct PendingMarkers {
  ContextPtr ctx;
  Response response;
  size_t outstanding = 1;  // released once every marker is started
  void done() {
    if (--outstanding == 0) ctx->respond(response);
  }
};

}  // namespace

void handle_write_txn_markers(ContextPtr ctx, protocol::WriteTxnMarkersRequest request) {
  auto& services = ctx->services;
  auto pending = std::make_shared<PendingMarkers>();
  pending->ctx = ctx;
  Response& response = pending->response;
  response.markers.resize(request.markers.size());
  // Slots are addressed by index: the vectors are sized before any callback can run.
  for (size_t m = 0; m < request.markers.size(); ++m) {
    const auto& marker = request.markers[m];
    auto& result = response.markers[m];
    result.producer_id = marker.producer_id;
    result.topics.resize(marker.topics.size());
    for (size_t t = 0; t < marker.topics.size(); ++t) result.topics[t].name = marker.topics[t].name;
  }
  for (size_t m = 0; m < request.markers.size(); ++m) {
    const auto& marker = request.markers[m];
    const auto type =
        marker.transaction_result ? storage::MarkerType::kCommit : storage::MarkerType::kAbort;
    for (size_t t = 0; t < marker.topics.size(); ++t) {
      const auto& topic = marker.topics[t];
      auto& partitions = response.markers[m].topics[t].partitions;
      partitions.resize(topic.partition_indexes.size());
      for (size_t p = 0; p < topic.partition_indexes.size(); ++p) {
        const int32_t index = topic.partition_indexes[p];
        partitions[p].partition_index = index;
        auto finish = [pending, m, t, p](ErrorCode error) {
          pending->response.markers[m].topics[t].partitions[p].error_code = to_wire(error);
          pending->done();
        };
        ++pending->outstanding;
        if (topic.name == coordinator::TransactionCoordinator::kOffsetsTopic) {
          if (!services.groups || index != 0) {
            finish(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
            continue;
          }
          services.groups->complete_transaction(marker.producer_id, marker.producer_epoch,
                                                marker.transaction_result, std::move(finish));
          continue;
        }
        storage::PartitionLog* log = services.logs.partition(topic.name, index);
        if (!log) {
          finish(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const storage::AppendResult r =
            log->append_marker(marker.producer_id, marker.producer_epoch, type,
                               marker.coordinator_epoch, services.scheduler.now_ms());
        if (r.error != ErrorCode::NONE) {
          spdlog::info("marker for producer {} on {}-{} from {} refused: {} {}", marker.producer_id,
                       topic.name, index, ctx->peer, error_name(r.error), r.error_message);
          finish(r.error);
          continue;
        }
        services.watch.notify(topic.name, index);
        log->when_flushed(r.last_offset, std::move(finish));
      }
    }
  }
  pending->done();
}

}  // namespace samsa::broker
