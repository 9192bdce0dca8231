// A blocking Kafka client connection for the load generator: framing, request
// encoding with samsa's generated codecs, and response-header parsing. Deliberately
// plain sockets (no Asio): one thread per connection keeps the client cheap to build
// and cheap per request, so the broker, not the client, is what gets measured.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "clock.h"
#include "samsa/protocol/header.h"
#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"
#include "totals.h"

namespace samsa::bench {

// A network failure or an unexpected answer: the run cannot continue.
class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Connection {
 public:
  // Connects to host:port, retrying refused connections for up to `retry_for` (the
  // broker may still be starting). Sets TCP_NODELAY.
  Connection(const std::string& host, uint16_t port, std::chrono::milliseconds retry_for);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send_all(std::span<const uint8_t> bytes);
  // Reads one frame and leaves its body (everything after the 4-byte size) in `out`.
  void read_frame(std::vector<uint8_t>& out);

 private:
  void read_exact(uint8_t* into, size_t n);
  int fd_ = -1;
};

// Offset of the correlation id in an encoded request frame (size, key, version).
inline constexpr size_t kCorrelationIdOffset = 8;

// A whole request frame: size prefix, header, body.
template <class Request>
std::vector<uint8_t> encode_request(const Request& request, int16_t version,
                                    int32_t correlation_id) {
  return protocol::encode_request(request, version, correlation_id, "samsa-loadgen").bytes;
}

// Overwrites the correlation id of an encoded request frame.
void patch_correlation_id(std::vector<uint8_t>& frame, int32_t correlation_id);

// Reads the response header at the start of `body` (correlation id, plus tagged
// fields for flexible versions) and returns the correlation id.
int32_t read_response_header(protocol::Reader& reader, int16_t api_key, int16_t version);

// Sends `request` and decodes the answer; one request in flight.
template <class Response, class Request>
Response round_trip(Connection& conn, const Request& request, int16_t version) {
  static int32_t next_correlation_id = 1'000'000;
  const int32_t correlation_id = next_correlation_id++;
  conn.send_all(encode_request(request, version, correlation_id));
  std::vector<uint8_t> body;
  conn.read_frame(body);
  protocol::Reader reader(body);
  if (read_response_header(reader, Request::api_key, version) != correlation_id) {
    throw WireError("response with an unexpected correlation id");
  }
  Response response;
  response.decode(reader, version);
  return response;
}

// Runs `run(index, result)` on `connections` threads, one per connection, and returns
// their results once all are done; the first failure a connection recorded is thrown.
template <class Result, class Run>
std::vector<Result> run_connections(int connections, Run&& run) {
  std::vector<Result> results(static_cast<size_t>(connections));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&run, &results, i] { run(i, results[static_cast<size_t>(i)]); });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) {
    if (!r.failure.empty()) throw WireError(r.failure);
  }
  return results;
}

// One request on its way: when it was sent, its correlation id, and a number the
// caller attached to it (e.g. the offset a commit carried).
struct SentRequest {
  int64_t sent_ns;
  int32_t correlation_id;
  int64_t tag;
};

// Keeps up to `depth` requests in flight on `conn`. `next(correlation_id, tag)` returns
// the next whole frame (already carrying that correlation id), or an empty span when
// there is nothing more to send; `on_answer(response, sent, answered_ns)` gets every
// answer, decoded, in order. Returns once nothing is left in flight.
template <class Response, class Next, class OnAnswer>
void run_pipeline(Connection& conn, int depth, int16_t version, Next&& next, OnAnswer&& on_answer) {
  std::deque<SentRequest> in_flight;
  int32_t correlation_id = 0;
  std::vector<uint8_t> body;
  for (;;) {
    while (static_cast<int>(in_flight.size()) < depth) {
      int64_t tag = 0;
      const std::span<const uint8_t> frame = next(correlation_id, tag);
      if (frame.empty()) break;
      in_flight.push_back({now_ns(), correlation_id, tag});
      conn.send_all(frame);
      ++correlation_id;
    }
    if (in_flight.empty()) return;

    conn.read_frame(body);
    const int64_t answered_ns = now_ns();
    const SentRequest sent = in_flight.front();
    in_flight.pop_front();
    protocol::Reader reader(body);
    if (read_response_header(reader, Response::api_key, version) != sent.correlation_id) {
      throw WireError("answer out of order");
    }
    Response response;
    response.decode(reader, version);
    on_answer(response, sent, answered_ns);
  }
}

}  // namespace samsa::bench
