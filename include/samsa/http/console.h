// The console as the broker process runs it: the HTTP server, the routes of the JSON
// API and /metrics, and the in-process Kafka client the routes change things through.
// Created by main once the broker has started; stopped before the broker.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "samsa/http/http.h"

namespace samsa::broker {
class Broker;
}

namespace samsa::http {

struct ConsoleOptions {
  ServerOptions server;
  std::string listener_text;  // samsa.http.listener as configured, for the start-up line
};

class Console {
 public:
  Console(boost::asio::io_context& io, broker::Broker& broker, ConsoleOptions options);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // Binds and serves; throws std::system_error naming the address.
  void start();
  void stop();
  // "host:port" bound (the port resolved when 0 was asked for).
  std::string address() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace samsa::http
