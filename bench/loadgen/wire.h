// A blocking Kafka client connection for the load generator: framing, request
// encoding with samsa's generated codecs, and response-header parsing. Deliberately
// plain sockets (no Asio): one thread per connection keeps the client cheap to build
// and cheap per request, so the broker, not the client, is what gets measured.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "samsa/protocol/header.h"
#include "samsa/protocol/reader.h"
#include "samsa/protocol/writer.h"

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

}  // namespace samsa::bench
