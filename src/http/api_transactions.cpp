// Transactions and producers: the transactional ids the coordinator knows (as
// ListTransactions and DescribeTransactions show them) and the producers each partition
// keeps state for (as DescribeProducers shows them). Read-only, straight from the
// transaction coordinator and the partition logs.
#include "api_support.h"
#include "samsa/coordinator/transaction_coordinator.h"
#include "samsa/storage/log_manager.h"

namespace samsa::http {

namespace {

// Producers shown per call at most; a partition is shown whole or not at all.
constexpr size_t kMaxProducers = 10'000;

void list_transactions(ApiContext& api, const Request&, const Reply& reply) {
  Json out = Json::array();
  if (const coordinator::TransactionCoordinator* txns = api.services.transactions) {
    std::vector<std::string> unknown_states;
    for (const auto& l : txns->list({}, {}, -1, unknown_states)) {
      const coordinator::TransactionDescription d = txns->describe(l.transactional_id);
      if (d.error != ErrorCode::NONE) continue;  // gone since the listing
      Json partitions = Json::array();
      for (const auto& tp : d.partitions)
        partitions.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
      out.push_back({{"transactional_id", d.transactional_id},
                     {"producer_id", d.producer_id},
                     {"producer_epoch", d.producer_epoch},
                     {"state", d.state},
                     {"timeout_ms", d.timeout_ms},
                     {"start_time_ms", d.start_ms},
                     {"partitions", std::move(partitions)}});
    }
  }
  reply(ok({{"transactions", std::move(out)}}));
}

// One partition per step (run_sliced); a partition is shown whole or not at all.
void list_producers(ApiContext& api, const Request& request, const Reply& reply) {
  struct Listing {
    std::vector<std::pair<std::string, int32_t>> topics;  // name, partitions
    size_t topic = 0;
    int32_t partition = 0;
    bool truncated = false;
    JsonArrayBody body{"producers"};
  };
  auto listing = std::make_shared<Listing>();
  if (const auto it = request.query.find("topic");
      it != request.query.end() && !it->second.empty()) {
    const storage::TopicMetadata* meta = api.services.logs.find_topic(it->second);
    if (!meta)
      return reply(kafka_error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                               fmt::format("topic {} does not exist", it->second)));
    listing->topics.emplace_back(meta->name, meta->partition_count);
  } else {
    for (const storage::TopicMetadata* meta : api.services.logs.topics())
      listing->topics.emplace_back(meta->name, meta->partition_count);
  }
  auto step = [&api, listing] {
    Listing& l = *listing;
    if (l.truncated || l.topic == l.topics.size()) return true;
    const auto& [name, partitions] = l.topics[l.topic];
    const int32_t p = l.partition;
    if (++l.partition >= partitions) {
      ++l.topic;
      l.partition = 0;
    }
    if (p >= partitions) return false;
    const storage::PartitionLog* log = api.services.logs.partition(name, p);
    if (!log) return false;
    const auto entries = log->producer_state().entries();
    if (l.body.size() + entries.size() > kMaxProducers) {
      l.truncated = true;
      return true;
    }
    for (const storage::ProducerEntry& e : entries) {
      const storage::ProducerBatchMeta* last = e.last();
      l.body.add({{"topic", name},
                  {"partition", p},
                  {"producer_id", e.producer_id},
                  {"producer_epoch", e.epoch},
                  {"last_sequence", last ? last->last_seq : -1},
                  {"last_timestamp", e.last_timestamp},
                  {"current_txn_start_offset", e.current_txn_first_offset}});
    }
    return false;
  };
  run_sliced(
      api, step,
      [listing, reply] {
        reply(listing->truncated ? listing->body.finish({{"truncated", true}})
                                 : listing->body.finish());
      },
      reply);
}

}  // namespace

void add_transaction_routes(Router& router, ApiContext& api) {
  router.add("GET", "/api/transactions", bind_route(api, list_transactions));
  router.add("GET", "/api/producers", bind_route(api, list_producers));
}

}  // namespace samsa::http
