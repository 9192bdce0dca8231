// What a request handler sees: the decoded header, the services of the broker, and
// the way to answer. Asio-free: every handler includes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "samsa/broker/keyed_sequencer.h"
#include "samsa/net/request.h"
#include "samsa/protocol/error_code.h"
#include "samsa/protocol/header.h"
#include "samsa/util/scheduler.h"

namespace samsa::config {
struct BrokerConfig;
}
namespace samsa::storage {
class LogManager;
}
namespace samsa::metrics {
class BrokerMetrics;
}
namespace samsa::coordinator {
class ProducerIdManager;
class GroupCoordinator;
class TransactionCoordinator;
}  // namespace samsa::coordinator

namespace samsa::broker {

class PartitionWatch;

// A listener as clients must be told about it (Metadata, FindCoordinator,
// DescribeCluster): advertised host, and the port actually bound when the configured
// one was 0.
struct AdvertisedListener {
  std::string name;
  std::string host;
  int32_t port = 0;
};

// Everything handlers share; owned by Broker, outlives every request.
struct BrokerServices {
  const config::BrokerConfig& config;
  std::string cluster_id;
  Scheduler& scheduler;
  storage::LogManager& logs;
  PartitionWatch& watch;
  coordinator::ProducerIdManager& producer_ids;
  coordinator::GroupCoordinator* groups = nullptr;  // null until groups exist
  // In the order of `listeners`; filled once the listeners are bound. Use these, not
  // config.listeners[i].advertised, whose port may be 0 (ephemeral).
  std::vector<AdvertisedListener> advertised;
  coordinator::TransactionCoordinator* transactions = nullptr;  // null until it exists
  // The epoch of the finalized features in ApiVersions: the start time, so a restart
  // with other levels is newer to clients that remember the last epoch they saw.
  int64_t features_epoch = 0;
  // Transactional produces of one transactional id, appended in arrival order.
  KeyedSequencer transactional_produce_order{};
  // Counters and histograms the handlers feed (request latency, bytes per topic, ...);
  // never null once the broker started.
  metrics::BrokerMetrics* metrics = nullptr;
};

class RequestContext {
 public:
  RequestContext(BrokerServices& services, protocol::RequestHeader header, util::FrameBytes frame,
                 net::Responder responder, std::string peer)
      : services(services),
        header(std::move(header)),
        frame(std::move(frame)),
        responder(std::move(responder)),
        peer(std::move(peer)) {}

  int16_t version() const { return header.api_version; }
  const std::string& client_id() const {
    static const std::string none;
    return header.client_id ? *header.client_id : none;
  }

  // Encodes `response` at the request's version and queues it; answers exactly once.
  template <class Response>
  void respond(const Response& response) {
    responder.respond(
        protocol::encode_response(header.correlation_id, response, header.api_version));
  }
  void respond_nothing() { responder.respond_nothing(); }
  bool connection_open() const { return responder.connection_open(); }

  BrokerServices& services;
  protocol::RequestHeader header;
  util::FrameBytes frame;  // owns the bytes that decoded Records views point into
  net::Responder responder;
  std::string peer;
  uint32_t listener = 0;  // index into BrokerServices::advertised it arrived on
};

using ContextPtr = std::shared_ptr<RequestContext>;

}  // namespace samsa::broker
