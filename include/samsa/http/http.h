// The HTTP module: one HTTP/1.1 listener in the broker process (samsa.http.listener)
// that serves the web console's assets (web/, compiled into the binary), the JSON API
// behind it (/api/...) and Prometheus metrics (/metrics).
//
// It runs on the broker's event loop and reads broker state through the same services
// the Kafka handlers use; changes (create a topic, reset a group's offsets, produce)
// go through the Kafka handlers themselves (broker::LocalClient), so the console obeys
// exactly what a Kafka client would. It must never endanger the Kafka listener: reads
// are asynchronous with deadlines, request heads and bodies are bounded, connections
// are capped, and every route does bounded work per request.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "samsa/http/loop_share.h"

namespace boost::asio {
class io_context;
}

namespace samsa::http {

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded, without the query string
  std::map<std::string, std::string> query;   // decoded; a repeated key keeps the last
  std::map<std::string, std::string> params;  // {name} segments of the matched route
  std::string body;
  std::string peer;  // "ip:port", for logs

  // The query value of `key`, or `fallback` when absent.
  std::string query_or(const std::string& key, std::string fallback = {}) const {
    auto it = query.find(key);
    return it == query.end() ? std::move(fallback) : it->second;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static Response json(int status, std::string body) {
    return Response{status, "application/json", std::move(body), {}};
  }
  // {"error": code, "message": message}: what every API failure looks like. `code` is a
  // Kafka error name (e.g. TOPIC_DELETION_DISABLED) or an HTTP-level one (NOT_FOUND,
  // BAD_REQUEST).
  static Response error(int status, std::string_view code, std::string_view message);
};

// Called exactly once per request, on the loop, possibly after the route returned (an
// answer that waits for a Kafka handler, e.g. an acks=all produce).
using Reply = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Reply)>;

// Routes by method and path. A pattern's segments are literal or `{name}` (one
// non-empty segment, decoded into Request::params); `{name...}` as the last segment
// takes the rest of the path.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  // Finds the handler for `request` and fills its params. Null with `status` 404 (no
  // path matches) or 405 (the path matches for another method).
  const Handler* match(Request& request, int& status) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9080;                   // 0: ephemeral
  uint32_t max_header_bytes = 16 * 1024;  // request line + headers
  uint32_t max_body_bytes = 1024 * 1024;  // 413 beyond
  uint32_t max_connections = 64;          // further connections are closed at once
  // A whole request (from its first byte, or from the end of the previous response on
  // a kept-alive connection) must arrive within this, so a slow client holds a slot for
  // a bounded time; the response must be taken within the write timeout.
  uint32_t read_timeout_ms = 10'000;
  uint32_t write_timeout_ms = 10'000;
  // When set, requests are charged to it and wait while it is spent (the handlers share
  // it for work they do in later turns of the loop).
  std::shared_ptr<LoopShare> loop_share;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (throws std::system_error naming the address) and starts accepting.
  void start();
  // Stops accepting and closes every connection; answers still pending are dropped.
  void stop();
  uint16_t bound_port() const;
  size_t connection_count() const;

  struct Impl;  // public so the connections (server.cpp) can reach their server

 private:
  std::shared_ptr<Impl> impl_;
};

// "host:port" as samsa.http.listener takes it (host may be empty or "0.0.0.0" for every
// interface, "[::1]" for IPv6); throws std::invalid_argument.
std::pair<std::string, uint16_t> parse_listener(std::string_view text);

}  // namespace samsa::http
