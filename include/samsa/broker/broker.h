// The broker: the Kafka API on top of the network layer, the log store and the
// coordinators. It owns the dispatch of requests to the handlers listed in
// handlers.h (one file per API in src/broker/handlers/), the event-loop scheduler,
// the periodic jobs (retention, flush.ms) and the order of startup and shutdown.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "samsa/net/request.h"

namespace boost::asio {
class io_context;
}
namespace samsa::config {
struct BrokerConfig;
}

namespace samsa::broker {

struct BrokerServices;

// An API as advertised in ApiVersions.
struct ServedApi {
  int16_t key;
  int16_t min_version;
  int16_t max_version;
};
// Every API with a handler, ascending by key.
std::span<const ServedApi> served_apis();

class Broker final : public net::RequestHandler {
 public:
  // The broker keeps its own copy of `config`.
  Broker(boost::asio::io_context& io, config::BrokerConfig config);
  ~Broker() override;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Opens the log directory (recovering it if needed), binds every listener and
  // starts the periodic jobs. Throws on failure (bad data dir, port in use). The
  // durable steps of start-up (meta.properties, the clean-shutdown marker's removal)
  // wait for the first write; if one fails, failed() turns true and the broker stops
  // itself and the io_context.
  void start();
  bool failed() const;
  // Graceful shutdown: stops accepting, closes connections, closes the logs cleanly
  // (indexes, producer snapshots, clean-shutdown marker). Idempotent.
  void stop();

  std::vector<uint16_t> bound_ports() const;
  const std::string& cluster_id() const;
  // What the handlers share (for the HTTP module's reads); valid after start().
  BrokerServices& services();
  // Open Kafka connections.
  size_t connection_count() const;

  void on_request(net::InboundRequest request) override;

 private:
  struct State;
  void create_initial_topics();
  std::unique_ptr<State> state_;
};

}  // namespace samsa::broker
