// Listening sockets and the set of open connections.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace samsa::metrics {
class RequestMetrics;
}

namespace samsa::net {

class RequestHandler;

struct Endpoint {
  std::string host;   // empty or "0.0.0.0" binds every IPv4 address
  uint16_t port = 0;  // 0 picks an ephemeral port
};

struct ServerOptions {
  std::vector<Endpoint> listeners;
  int32_t socket_request_max_bytes = 104857600;  // socket.request.max.bytes
  int32_t max_connections = 2147483647;          // max.connections
  int32_t send_buffer_bytes = 102400;            // socket.send.buffer.bytes (-1: OS default)
  int32_t receive_buffer_bytes = 102400;         // socket.receive.buffer.bytes (-1: OS default)
  // Requests read ahead of their responses per connection before reading pauses.
  uint32_t max_in_flight_per_connection = 64;
  // Told about connections and about each request (its frame's API key and version, the
  // time from reading it to its response slot completing); optional. Names are the
  // metrics' business: the listener passes numbers. Must outlive the server.
  metrics::RequestMetrics* metrics = nullptr;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, RequestHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener (throws std::system_error naming the address on failure)
  // and starts accepting.
  void start();
  // Stops accepting and closes every connection.
  void stop();
  // The bound port of each listener, in the order given.
  std::vector<uint16_t> bound_ports() const;
  size_t connection_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace samsa::net
