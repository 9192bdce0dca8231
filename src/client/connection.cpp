#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <charconv>

#include "samsa/client/client.h"

namespace samsa::client {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string Address::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Address parse_address(std::string_view text) {
  const auto bad = [&](const char* why) {
    return std::invalid_argument("bad broker address '" + std::string(text) + "': " + why);
  };
  Address a;
  std::string_view port;
  const size_t colons = std::count(text.begin(), text.end(), ':');
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) throw bad("no closing ']'");
    a.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':' || close + 2 == text.size()) throw bad("expected ':port' after ']'");
      port = text.substr(close + 2);
    }
  } else if (colons == 1) {
    const size_t colon = text.find(':');
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (port.empty()) throw bad("no port after ':'");
  } else {
    a.host = std::string(text);  // a host name, or a bare IPv6 address
  }
  if (a.host.empty()) throw bad("no host");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535)
      throw bad("port must be 1-65535");
    a.port = static_cast<uint16_t>(value);
  }
  return a;
}

std::vector<Address> parse_addresses(std::string_view text) {
  std::vector<Address> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.push_back(parse_address(item));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.empty()) throw std::invalid_argument("no broker address given");
  return out;
}

// Blocking calls with a deadline: every operation is asynchronous and the context runs
// until it completes, the deadline passes or `interrupted` says so; then the socket is
// closed.
struct Connection::Impl {
  asio::io_context io{1};
  tcp::socket socket{io};

  template <class Start>
  void run(Start&& start, std::chrono::milliseconds timeout, const std::string& what,
           const std::function<bool()>& interrupted = {}) {
    using Clock = std::chrono::steady_clock;
    boost::system::error_code result = asio::error::would_block;
    start([&](const boost::system::error_code& ec, auto&&...) { result = ec; });
    io.restart();
    const auto deadline = Clock::now() + timeout;
    bool gave_up = false;
    for (;;) {
      const Clock::duration left = deadline - Clock::now();
      if (left <= Clock::duration::zero()) break;
      const Clock::duration slice = std::chrono::milliseconds(100);
      io.run_for(interrupted ? std::min(left, slice) : left);
      if (result != asio::error::would_block) break;
      if (interrupted && interrupted()) {
        gave_up = true;
        break;
      }
    }
    if (result == asio::error::would_block) {
      boost::system::error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run();
      if (gave_up) throw Interrupted(what + ": interrupted");
      throw NetworkError(what + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    if (result) throw NetworkError(what + ": " + result.message());
  }
};

Connection::Connection(const Address& address, const ConnectionOptions& options)
    : address_(address), options_(options), impl_(std::make_unique<Impl>()) {
  const std::string where = "cannot connect to " + address_.to_string();
  tcp::resolver resolver(impl_->io);
  boost::system::error_code ec;
  const auto endpoints = resolver.resolve(address_.host, std::to_string(address_.port), ec);
  if (ec) throw NetworkError(where + ": " + ec.message());
  impl_->run(
      [&](auto handler) {
        asio::async_connect(impl_->socket, endpoints,
                            [handler](const boost::system::error_code& e, const tcp::endpoint&) {
                              handler(e);
                            });
      },
      options_.timeout, where);
  impl_->socket.set_option(tcp::no_delay(true), ec);
  negotiate();
}

Connection::~Connection() = default;

void Connection::negotiate() {
  // v3 first (flexible, with the client's name); a broker that does not know v3
  // answers UNSUPPORTED_VERSION with a v0 body listing what it speaks.
  protocol::ApiVersionsRequest request;
  request.client_software_name = "samsa";
  request.client_software_version = SAMSA_VERSION;
  const int16_t version = 3;
  auto frame = exchange(
      protocol::encode_request(request, version, next_correlation_id(), options_.client_id),
      protocol::ApiVersionsRequest::api_key, version, true, Wait{});
  decode_body(frame, protocol::ApiVersionsRequest::api_key, version, [&](protocol::Reader& r) {
    protocol::Reader peek = r;
    const int16_t error = peek.read_int16();
    versions_.decode(r, error == to_wire(ErrorCode::UNSUPPORTED_VERSION) ? 0 : version);
  });
  check(versions_.error_code, "ApiVersions");
  for (const auto& api : versions_.api_keys)
    broker_ranges_[api.api_key] = {api.min_version, api.max_version};
}

int16_t Connection::version_for(int16_t api_key) const {
  const auto* ours = protocol::find_api(api_key);
  const auto theirs = broker_ranges_.find(api_key);
  if (ours == nullptr || theirs == broker_ranges_.end()) return -1;
  const int16_t low = std::max(ours->min_version, theirs->second.first);
  const int16_t high = std::min(ours->max_version, theirs->second.second);
  return low <= high ? high : -1;
}

int16_t Connection::pick_version(int16_t api_key, int16_t requested) const {
  if (requested >= 0) return requested;
  const int16_t v = version_for(api_key);
  if (v < 0) {
    const auto* api = protocol::find_api(api_key);
    throw KafkaError(ErrorCode::UNSUPPORTED_VERSION,
                     std::string(api ? api->name : "request") + " to " + address_.to_string());
  }
  return v;
}

std::vector<uint8_t> Connection::exchange(const protocol::OutboundMessage& frame, int16_t api_key,
                                          int16_t version, bool expect_response, const Wait& wait) {
  const std::chrono::milliseconds timeout = wait.timeout.value_or(options_.timeout);
  const auto* api = protocol::find_api(api_key);
  const std::string what = std::string(api ? api->name : "request") + " v" +
                           std::to_string(version) + " to " + address_.to_string();
  if (!impl_->socket.is_open()) throw NetworkError(what + ": the connection was closed");
  impl_->run(
      [&](auto handler) {
        asio::async_write(impl_->socket, asio::buffer(frame.bytes),
                          [handler](const boost::system::error_code& e, size_t) { handler(e); });
      },
      timeout, what);
  expected_correlation_id_ = correlation_id_;
  if (!expect_response) return {};

  uint8_t size_bytes[4];
  impl_->run(
      [&](auto handler) {
        asio::async_read(impl_->socket, asio::buffer(size_bytes),
                         [handler](const boost::system::error_code& e, size_t) { handler(e); });
      },
      timeout, what, wait.interrupted);
  const uint32_t size = (uint32_t(size_bytes[0]) << 24) | (uint32_t(size_bytes[1]) << 16) |
                        (uint32_t(size_bytes[2]) << 8) | size_bytes[3];
  // A Fetch answer is bounded by the request's max bytes; anything near 2 GiB is a
  // peer that does not speak Kafka.
  if (size < 4 || size > (1u << 30)) {
    impl_->socket.close();
    throw NetworkError(what + ": answer of " + std::to_string(size) +
                       " bytes; is this a Kafka listener?");
  }
  std::vector<uint8_t> body(size);
  impl_->run(
      [&](auto handler) {
        asio::async_read(impl_->socket, asio::buffer(body),
                         [handler](const boost::system::error_code& e, size_t) { handler(e); });
      },
      timeout, what, wait.interrupted);
  return body;
}

void Connection::skip_response_header(protocol::Reader& reader, int16_t api_key,
                                      int16_t version) const {
  const int32_t correlation_id = reader.read_int32();
  if (correlation_id != expected_correlation_id_)
    throw protocol::DecodeError("correlation id " + std::to_string(correlation_id) +
                                " answers no request in flight (expected " +
                                std::to_string(expected_correlation_id_) + ")");
  if (protocol::response_header_version(api_key, version) >= 1) {
    const uint32_t tags = reader.read_uvarint();
    for (uint32_t i = 0; i < tags; ++i) {
      reader.read_uvarint();
      reader.read_span(reader.read_uvarint());
    }
  }
}

}  // namespace samsa::client
