// Fetch (key 1), v4-17, for consumers (replica fetches are not expected on a single
// node and are served like consumer fetches).
//
// Record data is never copied: each partition's answer is a list of file slices that
// the connection sends with sendfile. Limits as in Kafka (KIP-74): partition_max_bytes
// per partition and max_bytes for the whole response, except that the first
// non-empty partition always returns at least one whole batch so that a batch larger
// than the limits cannot stall a consumer.
//
// Long polling: when fewer than min_bytes are available and nothing failed, the
// request waits up to max_wait_ms and is re-evaluated after each append to one of its
// partitions. Fetch sessions (KIP-227) are declined by answering session id 0, which
// every client treats as "full fetch each time".
// Topic ids (v13+) identify topics; an unknown id is UNKNOWN_TOPIC_ID.
//
// Isolation (KIP-98): read_committed reads stop at the last stable offset (the first
// offset of the oldest ongoing transaction) and list the aborted transactions that
// overlap what is served; read_uncommitted answers a null list. Both report the real
// last stable offset, as Kafka does.
#include "samsa/broker/handlers.h"
#include "samsa/broker/partition_watch.h"
#include "samsa/broker/topic_ids.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/storage/log_manager.h"
#include "samsa/util/log.h"

namespace samsa::broker {

namespace {

using Response = protocol::FetchResponse;

// Per topic of the answer being sent: the record bytes out and the partitions in error.
// Topics the broker does not know get no counters.
void count_fetch(BrokerServices& services, const Response& response, bool by_id) {
  if (services.metrics == nullptr) return;
  for (const auto& topic : response.responses) {
    uint64_t bytes = 0, errors = 0;
    for (const auto& partition : topic.partitions) {
      bytes += partition.records.size();
      if (partition.error_code != 0) ++errors;
    }
    if (bytes == 0 && errors == 0) continue;
    const storage::TopicMetadata* meta = by_id
                                             ? services.logs.find_topic(to_topic_id(topic.topic_id))
                                             : services.logs.find_topic(topic.topic);
    if (meta == nullptr) continue;
    metrics::TopicMetrics& counters = services.metrics->topic(meta->name);
    counters.bytes_out.inc(bytes);
    counters.fetch_errors.inc(errors);
  }
}

class FetchOperation : public std::enable_shared_from_this<FetchOperation> {
 public:
  FetchOperation(ContextPtr ctx, protocol::FetchRequest request)
      : ctx_(std::move(ctx)), request_(std::move(request)) {}

  void start() {
    const Evaluation first = evaluate();
    if (first.ready || request_.max_wait_ms <= 0 ||
        first.bytes >= static_cast<uint64_t>(min_bytes())) {
      count_fetch(ctx_->services, first.response, ctx_->version() >= 13);
      ctx_->respond(first.response);
      return;
    }
    auto self = shared_from_this();
    timer_ = ctx_->services.scheduler.schedule_after(request_.max_wait_ms, [self] {
      self->timer_ = 0;
      self->finish();
    });
    subscribe();
  }

 private:
  struct Evaluation {
    Response response;
    uint64_t bytes = 0;
    bool ready = false;  // an error or a topology change: answer now
  };

  int32_t min_bytes() const { return std::max(request_.min_bytes, 1); }

  Evaluation evaluate() {
    auto& logs = ctx_->services.logs;
    const bool by_id = ctx_->version() >= 13;
    const bool read_committed = request_.isolation_level == 1;
    Evaluation eval;
    Response& response = eval.response;
    int64_t budget = request_.max_bytes > 0 ? request_.max_bytes : INT32_MAX;
    response.responses.reserve(request_.topics.size());
    for (const auto& topic : request_.topics) {
      auto& topic_out = response.responses.emplace_back();
      topic_out.topic = topic.topic;
      topic_out.topic_id = topic.topic_id;
      const storage::TopicMetadata* meta =
          by_id ? logs.find_topic(to_topic_id(topic.topic_id)) : logs.find_topic(topic.topic);
      for (const auto& partition : topic.partitions) {
        auto& out = topic_out.partitions.emplace_back();
        out.partition_index = partition.partition;
        // A partition in error carries only its code, with every offset -1, as Kafka
        // answers it; its aborted-transactions list is empty for a partition the broker
        // does not know and null for a read that failed (Kafka's two error paths).
        auto fail = [&](ErrorCode error) {
          out.error_code = to_wire(error);
          out.high_watermark = -1;
          out.last_stable_offset = -1;
          out.log_start_offset = -1;
          eval.ready = true;
        };
        storage::PartitionLog* log =
            meta ? logs.partition(meta->name, partition.partition) : nullptr;
        if (log == nullptr) {
          fail(by_id && !meta ? ErrorCode::UNKNOWN_TOPIC_ID
                              : ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
          continue;
        }
        const int32_t limit =
            static_cast<int32_t>(std::min<int64_t>(partition.partition_max_bytes, budget));
        storage::ReadResult read =
            log->read(partition.fetch_offset, std::max(limit, 0), eval.bytes == 0,
                      read_committed ? storage::IsolationLevel::kReadCommitted
                                     : storage::IsolationLevel::kReadUncommitted);
        if (read.error != ErrorCode::NONE) {
          fail(read.error);
          out.aborted_transactions.reset();
          continue;
        }
        if (read_committed) {
          auto& aborted = out.aborted_transactions.emplace();
          aborted.reserve(read.aborted.size());
          for (const storage::AbortedTransaction& a : read.aborted) {
            auto& entry = aborted.emplace_back();
            entry.producer_id = a.producer_id;
            entry.first_offset = a.first_offset;
          }
        } else {
          out.aborted_transactions.reset();
        }
        out.high_watermark = read.high_watermark;
        out.last_stable_offset = read.last_stable_offset;
        out.log_start_offset = read.log_start_offset;
        eval.bytes += read.bytes;
        budget -= static_cast<int64_t>(read.bytes);
        out.records = protocol::Records::from_slices(std::move(read.slices));
      }
    }
    return eval;
  }

  void subscribe() {
    std::vector<std::pair<std::string, int32_t>> partitions;
    auto& logs = ctx_->services.logs;
    const bool by_id = ctx_->version() >= 13;
    for (const auto& topic : request_.topics) {
      const storage::TopicMetadata* meta =
          by_id ? logs.find_topic(to_topic_id(topic.topic_id)) : logs.find_topic(topic.topic);
      if (!meta) continue;
      for (const auto& partition : topic.partitions)
        partitions.emplace_back(meta->name, partition.partition);
    }
    std::weak_ptr<FetchOperation> weak = shared_from_this();
    subscription_ = ctx_->services.watch.watch(partitions, [weak] {
      if (auto self = weak.lock()) self->on_append();
    });
  }

  void on_append() {
    if (done_) return;
    if (!ctx_->connection_open()) {
      finish();
      return;
    }
    Evaluation eval = evaluate();
    if (eval.ready || eval.bytes >= static_cast<uint64_t>(min_bytes())) {
      respond(std::move(eval.response));
      return;
    }
    subscribe();
  }

  void finish() {
    if (done_) return;
    respond(evaluate().response);
  }

  void respond(Response response) {
    done_ = true;
    subscription_.cancel();
    if (timer_ != 0) ctx_->services.scheduler.cancel(timer_);
    timer_ = 0;
    count_fetch(ctx_->services, response, ctx_->version() >= 13);
    ctx_->respond(response);
  }

  ContextPtr ctx_;
  protocol::FetchRequest request_;
  PartitionWatch::Subscription subscription_;
  Scheduler::TaskId timer_ = 0;
  bool done_ = false;
};

}  // namespace

void handle_fetch(ContextPtr ctx, protocol::FetchRequest request) {
  if (request.session_epoch > 0 && request.session_id != 0) {
    // We never hand out sessions, so an incremental fetch names one we do not know.
    protocol::FetchResponse response;
    response.error_code = to_wire(ErrorCode::FETCH_SESSION_ID_NOT_FOUND);
    ctx->respond(response);
    return;
  }
  std::make_shared<FetchOperation>(std::move(ctx), std::move(request))->start();
}

}  // namespace samsa::broker
