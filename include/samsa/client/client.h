// The client module: a small blocking Kafka client on samsa's own generated codecs,
// for the command-line tools in the same binary (samsa health, topic, produce,
// consume, group, cluster). It talks to any Kafka broker, samsa or Apache Kafka.
//
// A Connection is one TCP connection with one request in flight; it negotiates
// versions with ApiVersions when it opens and every exchange has a deadline, so a
// tool never hangs on a broker that stopped answering. A Client holds the bootstrap
// list and one Connection per broker it needs (leaders, the group coordinator).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "samsa/protocol/error_code.h"
#include "samsa/protocol/header.h"
#include "samsa/protocol/messages/all.h"

namespace samsa::client {

inline constexpr uint16_t kDefaultPort = 9092;

struct Address {
  std::string host;
  uint16_t port = kDefaultPort;

  std::string to_string() const;
};

// "host", "host:port" or "[v6-address]:port"; throws std::invalid_argument.
Address parse_address(std::string_view text);
// A comma-separated list of addresses, as bootstrap.servers takes it.
std::vector<Address> parse_addresses(std::string_view text);

// The broker could not be reached, closed the connection, did not answer in time or
// answered something that does not decode.
class NetworkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A call given up because its Wait::interrupted said so; the connection is closed.
class Interrupted : public NetworkError {
 public:
  using NetworkError::NetworkError;
};

// The broker answered with an error code.
class KafkaError : public std::runtime_error {
 public:
  KafkaError(ErrorCode code, const std::string& context,
             const std::optional<std::string>& broker_message = std::nullopt);
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// A plain sentence saying what an error code means to the user of a tool.
std::string_view error_sentence(ErrorCode code);
// Throws KafkaError unless `wire_code` is NONE.
void check(int16_t wire_code, const std::string& context,
           const std::optional<std::string>& broker_message = std::nullopt);

struct ConnectionOptions {
  std::chrono::milliseconds timeout{10'000};  // connect, and each request's answer
  std::string client_id = "samsa-cli";
};

// How long one call waits for its answer.
struct Wait {
  std::optional<std::chrono::milliseconds> timeout;  // default: the connection's
  // Asked every 100 ms while waiting; true gives up: the connection is closed and the
  // call throws Interrupted. For answers a broker may hold for long (JoinGroup), so
  // that Ctrl-C is not ignored meanwhile.
  std::function<bool()> interrupted;
};

// A decoded response and the frame its Records views point into.
template <class Response>
struct Reply {
  std::vector<uint8_t> frame;
  Response body;
  int16_t version = 0;
};

class Connection {
 public:
  // Connects and negotiates API versions. Throws NetworkError.
  Connection(const Address& address, const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Address& address() const noexcept { return address_; }

  // The highest version of `api_key` both this client and the broker speak, or -1.
  int16_t version_for(int16_t api_key) const;

  // Sends `request` at `version` (default: the negotiated one) and waits for the
  // answer as `wait` says (default: up to the connection's timeout; JoinGroup, which the
  // broker holds for a whole rebalance, needs longer). Throws
  // KafkaError(UNSUPPORTED_VERSION) if no version is shared and NetworkError on
  // transport failures.
  template <class Response, class Request>
  Reply<Response> call(const Request& request, int16_t version = -1, const Wait& wait = {}) {
    static_assert(Response::api_key == Request::api_key);
    Reply<Response> reply;
    reply.version = pick_version(Request::api_key, version);
    reply.frame = exchange(
        protocol::encode_request(request, reply.version, next_correlation_id(), options_.client_id),
        Request::api_key, reply.version, true, wait);
    decode_body(reply.frame, Request::api_key, reply.version,
                [&](protocol::Reader& reader) { reply.body.decode(reader, reply.version); });
    return reply;
  }

  // Sends a request that gets no answer (Produce with acks=0).
  template <class Request>
  void send_only(const Request& request, int16_t version = -1) {
    const int16_t v = pick_version(Request::api_key, version);
    exchange(protocol::encode_request(request, v, next_correlation_id(), options_.client_id),
             Request::api_key, v, false, Wait{});
  }

  // What ApiVersions answered when the connection opened.
  const protocol::ApiVersionsResponse& api_versions() const noexcept { return versions_; }

 private:
  struct Impl;

  int16_t pick_version(int16_t api_key, int16_t requested) const;
  int32_t next_correlation_id() noexcept { return ++correlation_id_; }
  std::vector<uint8_t> exchange(const protocol::OutboundMessage& frame, int16_t api_key,
                                int16_t version, bool expect_response, const Wait& wait);
  template <class Decode>
  void decode_body(std::vector<uint8_t>& frame, int16_t api_key, int16_t version,
                   Decode&& decode) {
    try {
      protocol::Reader reader{std::span<uint8_t>(frame)};
      skip_response_header(reader, api_key, version);
      decode(reader);
    } catch (const protocol::DecodeError& e) {
      throw NetworkError("malformed response from " + address_.to_string() + ": " + e.what());
    }
  }
  void skip_response_header(protocol::Reader& reader, int16_t api_key, int16_t version) const;
  void negotiate();

  Address address_;
  ConnectionOptions options_;
  std::unique_ptr<Impl> impl_;
  int32_t correlation_id_ = 0;
  int32_t expected_correlation_id_ = 0;
  protocol::ApiVersionsResponse versions_;
  std::map<int16_t, std::pair<int16_t, int16_t>> broker_ranges_;  // key -> [min, max]
};

struct ClientOptions {
  std::vector<Address> bootstrap{{"localhost", kDefaultPort}};
  ConnectionOptions connection;
};

// One broker of the cluster as Metadata describes it.
struct BrokerInfo {
  int32_t node_id = -1;
  Address address;
  std::optional<std::string> rack;
};

class Client {
 public:
  explicit Client(ClientOptions options);

  // A connection to the first bootstrap broker that answers. Throws NetworkError
  // listing every address tried.
  Connection& any();
  // A connection to a broker by node id (learnt from Metadata).
  Connection& node(int32_t node_id);

  // Metadata for `topics` (nullopt: every topic), without creating any. Refreshes the
  // broker list used by node().
  Reply<protocol::MetadataResponse> metadata(
      const std::optional<std::vector<std::string>>& topics);
  // The controller (for admin requests), the leader of a partition, the coordinator
  // of a consumer group.
  Connection& controller();
  Connection& leader(const std::string& topic, int32_t partition);
  Connection& group_coordinator(const std::string& group);

  const std::vector<BrokerInfo>& brokers() const noexcept { return brokers_; }
  const ClientOptions& options() const noexcept { return options_; }

 private:
  void remember(const protocol::MetadataResponse& metadata);

  ClientOptions options_;
  std::unique_ptr<Connection> bootstrap_;
  std::map<int32_t, std::unique_ptr<Connection>> nodes_;
  std::vector<BrokerInfo> brokers_;
  int32_t controller_id_ = -1;
  std::map<std::pair<std::string, int32_t>, int32_t> leaders_;
};

}  // namespace samsa::client
