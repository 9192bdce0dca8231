// Produce (key 0), v3-12. Record batches (magic 2) are validated and appended as
// received, offsets patched into their headers (storage::PartitionLog::append).
//   acks=0   no response at all; on any error the connection is closed, as Kafka does,
//            so the producer refreshes its metadata.
//   acks=1   answered once the batches are written (page cache).
//   acks=-1  answered once they are fsynced; one fsync serves every waiting request
//            (group commit in the storage layer). With samsa.log.fsync.on.ack=false
//            (ephemeral brokers), once they are written, as acks=1.
// Internal topics (__consumer_offsets, __transaction_state) refuse client writes, as in
// Kafka: INVALID_TOPIC_EXCEPTION.
// A transactional produce (transactional_id set) is accepted only for partitions in
// the ongoing transaction of that producer and epoch (Kafka's partition verification,
// errors as txn_verification.h translates them); from v12 (transactions v2) the produce
// first adds its partitions to the transaction itself.
#include <map>

#include "../topic_admin.h"
#include "../txn_verification.h"
#include "samsa/broker/handlers.h"
#include "samsa/broker/partition_watch.h"
#include "samsa/config/config.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {

namespace {

using Response = protocol::ProduceResponse;

// Collects the flush completions of an acks=all request and answers after the last.
struct PendingDurability {
  ContextPtr ctx;
  Response response;
  size_t outstanding = 0;

  void done() {
    if (--outstanding == 0) ctx->respond(response);
  }
};

// Whether Kafka's answer to a failed append carries the partition's log start offset:
// not for a batch it could not take at all (size, corruption, storage), yes for one it
// refused on its content (sequence, epoch, record validation).
bool reports_log_start(ErrorCode error) {
  switch (error) {
    case ErrorCode::UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode::NOT_LEADER_OR_FOLLOWER:
    case ErrorCode::MESSAGE_TOO_LARGE:
    case ErrorCode::RECORD_LIST_TOO_LARGE:
    case ErrorCode::CORRUPT_MESSAGE:
    case ErrorCode::KAFKA_STORAGE_ERROR:
      return false;
    default:
      return true;
  }
}

// The header of the first batch when it is transactional (a request has one producer).
std::optional<storage::BatchHeader> transactional_header(std::span<const uint8_t> batches) {
  if (batches.size() < storage::batch_layout::kHeaderSize) return std::nullopt;
  const storage::BatchHeader first = storage::BatchHeader::parse(batches.data());
  if (!first.is_transactional()) return std::nullopt;
  return first;
}

// The partition must be in the producer's ongoing transaction; the producer id and
// epoch come from the first batch's header.
ErrorCode verify_transaction(BrokerServices& services, const std::string& transactional_id,
                             const std::string& topic, int32_t partition,
                             std::span<const uint8_t> batches) {
  if (!services.transactions) return ErrorCode::COORDINATOR_NOT_AVAILABLE;
  if (batches.size() < storage::batch_layout::kHeaderSize) return ErrorCode::CORRUPT_MESSAGE;
  const auto first = transactional_header(batches);
  if (!first) return ErrorCode::NONE;
  return services.transactions->verify(transactional_id, first->producer_id, first->producer_epoch,
                                       {topic, partition});
}

using Refused = std::map<coordinator::TopicPartition, ErrorCode>;

// Appends (after the transaction checks) and answers; `refused` holds the partitions
// whose add to the transaction failed, with the error to answer.
void produce(ContextPtr ctx, protocol::ProduceRequest request, const Refused& refused) {
  auto& services = ctx->services;
  const int16_t acks = request.acks;
  auto pending = std::make_shared<PendingDurability>();
  Response& response = pending->response;
  response.responses.reserve(request.topic_data.size());

  storage::AppendOptions options;
  options.now_ms = services.scheduler.now_ms();
  bool any_error = false;
  struct FlushWait {
    storage::PartitionLog* log;
    int64_t last_offset;
    Response::PartitionProduceResponse* slot;
  };
  std::vector<FlushWait> waits;

  for (auto& topic : request.topic_data) {
    auto& topic_response = response.responses.emplace_back();
    topic_response.name = topic.name;
    topic_response.partition_responses.reserve(topic.partition_data.size());
    // The topic's counters, looked up at its first append (never for unknown topics).
    metrics::TopicMetrics* counters = nullptr;
    auto topic_metrics = [&]() -> metrics::TopicMetrics* {
      if (counters == nullptr && services.metrics != nullptr)
        counters = &services.metrics->topic(topic.name);
      return counters;
    };
    for (auto& partition : topic.partition_data) {
      auto& out = topic_response.partition_responses.emplace_back();
      out.index = partition.index;
      out.base_offset = -1;
      if (acks != 0 && acks != 1 && acks != -1) {
        out.error_code = to_wire(ErrorCode::INVALID_REQUIRED_ACKS);
        any_error = true;
        continue;
      }
      // The coordinators' own logs: a client's record there would be replayed as state.
      if (admin::is_internal_topic(topic.name)) {
        out.error_code = to_wire(ErrorCode::INVALID_TOPIC_EXCEPTION);
        out.error_message = "Cannot append to internal topic " + topic.name;
        any_error = true;
        continue;
      }
      storage::PartitionLog* log = services.logs.partition(topic.name, partition.index);
      if (log == nullptr) {
        out.error_code = to_wire(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        any_error = true;
        continue;
      }
      if (partition.records.null || partition.records.view.empty()) {
        out.error_code = to_wire(ErrorCode::CORRUPT_MESSAGE);
        out.error_message = "produce request without record batches";
        any_error = true;
        continue;
      }
      if (request.transactional_id) {
        const auto it = refused.find({topic.name, partition.index});
        const ErrorCode error =
            it != refused.end()
                ? it->second
                : produce_error_from_coordinator(
                      verify_transaction(services, *request.transactional_id, topic.name,
                                         partition.index, partition.records.view),
                      ctx->version());
        if (error != ErrorCode::NONE) {
          // Refused before the log was asked: Kafka leaves the log start offset at -1.
          out.error_code = to_wire(error);
          any_error = true;
          continue;
        }
      }
      const storage::AppendResult result = log->append(partition.records.view, options);
      out.error_code = to_wire(result.error);
      if (result.error != ErrorCode::NONE) {
        if (auto* m = topic_metrics()) m->produce_errors.inc();
        if (reports_log_start(result.error)) out.log_start_offset = log->log_start_offset();
        any_error = true;
        if (!result.error_message.empty()) out.error_message = result.error_message;
        for (const storage::RecordError& e : result.record_errors) {
          auto& re = out.record_errors.emplace_back();
          re.batch_index = e.batch_index;
          re.batch_index_error_message = e.message;
        }
        spdlog::debug("produce to {}-{} from {} failed: {} {}", topic.name, partition.index,
                      ctx->peer, static_cast<int>(result.error), result.error_message);
        continue;
      }
      out.base_offset = result.base_offset;
      out.log_start_offset = log->log_start_offset();
      out.log_append_time_ms = result.log_append_time;
      if (!result.duplicate) {
        services.watch.notify(topic.name, partition.index);
        if (auto* m = topic_metrics()) {
          m->bytes_in.inc(partition.records.view.size());
          m->records_in.inc(static_cast<uint64_t>(result.last_offset - result.base_offset + 1));
        }
      }
      if (acks == -1 && services.config.log_fsync_on_ack &&
          log->flushed_offset() <= result.last_offset)
        waits.push_back({log, result.last_offset, &out});
    }
  }

  if (acks == 0) {
    if (any_error) {
      spdlog::info("closing connection from {}: acks=0 produce failed", ctx->peer);
      ctx->responder.close_connection();
    } else {
      ctx->respond_nothing();
    }
    return;
  }
  if (waits.empty()) {
    ctx->respond(response);
    return;
  }
  // Slots point into response, which lives in `pending` and no longer changes shape.
  pending->ctx = std::move(ctx);
  pending->outstanding = waits.size();
  for (const auto& wait : waits) {
    auto* slot = wait.slot;
    wait.log->when_flushed(wait.last_offset, [pending, slot](ErrorCode error) {
      if (error != ErrorCode::NONE) {
        slot->error_code = to_wire(error);
        slot->base_offset = -1;
      }
      pending->done();
    });
  }
}

}  // namespace

// Transactions v2: the partitions of this produce that are not yet in the producer's
// transaction join it first (durably, through the coordinator), then the batches are
// appended as any other produce. The produces of one transactional id go one after
// the other (services.transactional_produce_order), so a request that waits for its add
// keeps the ones pipelined behind it from being appended first.
void handle_produce(ContextPtr ctx, protocol::ProduceRequest request) {
  auto& services = ctx->services;
  if (ctx->version() < 12 || !request.transactional_id || !services.transactions)
    return produce(std::move(ctx), std::move(request), {});
  auto held = std::make_shared<protocol::ProduceRequest>(std::move(request));
  const std::string id = *held->transactional_id;
  services.transactional_produce_order.run(
      id, [ctx = std::move(ctx), held](KeyedSequencer::Done done) mutable {
        auto& services = ctx->services;
        std::vector<coordinator::TopicPartition> missing;
        std::optional<storage::BatchHeader> producer;
        for (const auto& topic : held->topic_data) {
          if (admin::is_internal_topic(topic.name)) continue;
          for (const auto& partition : topic.partition_data) {
            if (partition.records.null || !services.logs.partition(topic.name, partition.index))
              continue;
            const auto header = transactional_header(partition.records.view);
            if (!header) continue;
            if (!producer) producer = header;
            if (header->producer_id != producer->producer_id ||
                header->producer_epoch != producer->producer_epoch)
              continue;  // not one producer: the verification refuses these
            // Not in the transaction yet, or the previous one still ending: the add sorts it
            // out (and waits for the end); a fenced or unknown producer is refused by it too.
            if (services.transactions->verify(*held->transactional_id, header->producer_id,
                                              header->producer_epoch,
                                              {topic.name, partition.index}) != ErrorCode::NONE)
              missing.push_back({topic.name, partition.index});
          }
        }
        if (missing.empty()) {
          produce(std::move(ctx), std::move(*held), {});
          return done();
        }
        add_to_transaction(
            services, *held->transactional_id, producer->producer_id, producer->producer_epoch,
            missing, [ctx, held, missing, done = std::move(done)](ErrorCode error) {
              Refused refused;
              if (error != ErrorCode::NONE)
                for (const auto& tp : missing)
                  refused[tp] = produce_error_from_coordinator(error, ctx->version());
              produce(ctx, std::move(*held), refused);
              done();
            });
      });
}

}  // namespace samsa::broker
