// The dispatch path end to end over a real socket: ApiVersions and its fallback,
// unknown APIs, malformed frames, ordering of pipelined responses.
#include "broker_fixture.h"

namespace samsa::testing {
namespace {

using protocol::ApiVersionsRequest;
using protocol::ApiVersionsResponse;

class Dispatch : public BrokerFixture {};

TEST_F(Dispatch, ApiVersionsListsEveryServedApi) {
  auto s = connect();
  ApiVersionsRequest request;
  request.client_software_name = "samsa-test";
  request.client_software_version = "1.0";
  send(s, request, 3);
  auto got = receive<ApiVersionsResponse>(s, 3);
  EXPECT_EQ(got.response.error_code, 0);
  ASSERT_EQ(got.response.api_keys.size(), broker::served_apis().size());
  for (size_t i = 0; i < got.response.api_keys.size(); ++i) {
    EXPECT_EQ(got.response.api_keys[i].api_key, broker::served_apis()[i].key);
    EXPECT_EQ(got.response.api_keys[i].max_version, broker::served_apis()[i].max_version);
  }
}

TEST_F(Dispatch, ApiVersionsResponseHeaderIsNeverFlexible) {
  auto s = connect();
  ApiVersionsRequest request;
  request.client_software_name = "x";
  request.client_software_version = "1";
  send(s, request, 3, 77);
  std::vector<uint8_t> frame = read_frame(s);
  // correlation id, then directly the v3 body: int16 error code 0, then a compact
  // array length (count + 1), not a header tagged-field byte.
  ASSERT_GE(frame.size(), 7u);
  EXPECT_EQ(frame[3], 77);
  EXPECT_EQ(frame[4], 0);
  EXPECT_EQ(frame[5], 0);
  EXPECT_EQ(frame[6], broker::served_apis().size() + 1);
}

TEST_F(Dispatch, UnsupportedApiVersionsVersionGetsErrorAndV0Body) {
  auto s = connect();
  // A v9 ApiVersions request: header v2 with an empty body we cannot know.
  const std::vector<uint8_t> frame = {0, 0, 0, 12, 0, 18, 0, 9, 0, 0, 0, 5, 0, 1, 'c', 0};
  boost::asio::write(s, boost::asio::buffer(frame));
  auto got = receive<ApiVersionsResponse>(s, 0);
  EXPECT_EQ(got.correlation_id, 5);
  EXPECT_EQ(got.response.error_code, samsa::to_wire(samsa::ErrorCode::UNSUPPORTED_VERSION));
  // As Kafka (KIP-511): only ApiVersions' own range, from which the client picks its retry.
  ASSERT_EQ(got.response.api_keys.size(), 1u);
  EXPECT_EQ(got.response.api_keys[0].api_key, 18);
  EXPECT_EQ(got.response.api_keys[0].min_version, 0);
  EXPECT_EQ(got.response.api_keys[0].max_version, protocol::ApiVersionsRequest::max_version);
}

TEST_F(Dispatch, UnknownApiKeyClosesTheConnection) {
  auto s = connect();
  const std::vector<uint8_t> frame = {0, 0, 0, 10, 0, 120, 0, 0, 0, 0, 0, 9, 0xFF, 0xFF};
  boost::asio::write(s, boost::asio::buffer(frame));
  uint8_t byte;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST_F(Dispatch, TruncatedBodyClosesTheConnection) {
  auto s = connect();
  // Produce v9 header, then a body that ends inside the transactional id.
  const std::vector<uint8_t> frame = {0, 0, 0, 12, 0, 0, 0, 9, 0, 0, 0, 1, 0xFF, 0xFF, 0, 5};
  boost::asio::write(s, boost::asio::buffer(frame));
  uint8_t byte;
  boost::system::error_code ec;
  boost::asio::read(s, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST_F(Dispatch, PipelinedRequestsAreAnsweredInOrder) {
  auto s = connect();
  ApiVersionsRequest request;
  for (int i = 0; i < 20; ++i) send(s, request, i % 3, 1000 + i);
  for (int i = 0; i < 20; ++i) {
    auto got = receive<ApiVersionsResponse>(s, i % 3);
    EXPECT_EQ(got.correlation_id, 1000 + i);
  }
}

// Docker-style INTERNAL/EXTERNAL listeners: each connection is told the address of the
// listener it came in on, or clients on the other network could not reach the broker.
class TwoListeners : public BrokerFixture {
  std::vector<std::string> extra_overrides() const override {
    return {"listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0",
            "advertised.listeners=INTERNAL://kafka:0,EXTERNAL://127.0.0.1:0",
            "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT",
            "inter.broker.listener.name=INTERNAL"};
  }
};

TEST_F(TwoListeners, MetadataAdvertisesTheListenerOfTheConnection) {
  const auto ports = broker_->bound_ports();
  ASSERT_EQ(ports.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    boost::asio::ip::tcp::socket s(client_io_);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), ports[i]});
    protocol::MetadataRequest request;
    send(s, request, 12);
    auto got = receive<protocol::MetadataResponse>(s, 12);
    ASSERT_EQ(got.response.brokers.size(), 1u);
    EXPECT_EQ(got.response.brokers[0].host, i == 0 ? "kafka" : "127.0.0.1");
    EXPECT_EQ(got.response.brokers[0].port, ports[i]);
  }
}

}  // namespace
}  // namespace samsa::testing
