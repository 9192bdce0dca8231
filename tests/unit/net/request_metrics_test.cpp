// The listener's metrics (ServerOptions::metrics): connections accepted and closed, and
// each request under its frame's API key and version, timed from its frame being read
// to its response slot completing, whatever way it completes.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "samsa/metrics/broker_metrics.h"
#include "samsa/net/net.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using samsa::metrics::ApiName;
using samsa::metrics::RequestMetrics;

// A frame's body: api key (2 bytes), version (2), then what the handler does: a delay in
// ms and 0 answer, 1 answer nothing, 2 close the connection.
class ScriptedHandler : public samsa::net::RequestHandler {
 public:
  explicit ScriptedHandler(asio::io_context& io) : io_(io) {}
  void on_request(samsa::net::InboundRequest req) override {
    const uint8_t delay = req.frame.size() > 4 ? req.frame[4] : 0;
    const uint8_t mode = req.frame.size() > 5 ? req.frame[5] : 0;
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(delay));
    auto shared = std::make_shared<samsa::net::InboundRequest>(std::move(req));
    timer->async_wait([timer, shared, mode](boost::system::error_code) {
      if (mode == 1) return shared->responder.respond_nothing();
      if (mode == 2) return shared->responder.close_connection();
      samsa::protocol::OutboundMessage out;
      out.bytes = {0, 0, 0, 1, 'k'};
      shared->responder.respond(std::move(out));
    });
  }

 private:
  asio::io_context& io_;
};

std::vector<uint8_t> frame(int16_t key, int16_t version, uint8_t delay_ms, uint8_t mode) {
  return {0,
          0,
          0,
          6,
          uint8_t(uint16_t(key) >> 8),
          uint8_t(key),
          uint8_t(uint16_t(version) >> 8),
          uint8_t(version),
          delay_ms,
          mode};
}

constexpr ApiName kApis[] = {{0, "Produce", 3, 12}, {1, "Fetch", 4, 17}};

TEST(RequestMetrics, ListenerReportsRequestsAndConnections) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  RequestMetrics metrics(kApis);
  ScriptedHandler handler(io);
  samsa::net::ServerOptions opts;
  opts.listeners.push_back({"127.0.0.1", 0});
  opts.metrics = &metrics;
  samsa::net::Server server(io, opts, handler);
  server.start();
  const uint16_t port = server.bound_ports().at(0);
  std::thread loop([&] { io.run(); });

  {
    asio::io_context client_io;
    tcp::socket s(client_io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    std::vector<uint8_t> wire;
    for (const auto& f : {frame(0, 9, 40, 0), frame(1, 4, 0, 1), frame(1, 99, 0, 0),
                          frame(42, 0, 0, 0), frame(0, 9, 0, 2)}) {
      wire.insert(wire.end(), f.begin(), f.end());
    }
    asio::write(s, asio::buffer(wire));
    // Three answers (one request answers nothing), then the close.
    std::vector<uint8_t> got(15);
    asio::read(s, asio::buffer(got));
    uint8_t byte;
    boost::system::error_code ec;
    asio::read(s, asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, asio::error::eof);
  }

  // Read the metrics on the loop, once the server has seen the close.
  std::promise<void> checked;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::function<void()> check = [&] {
    if (metrics.connections_closed() < 1 && std::chrono::steady_clock::now() < deadline) {
      asio::post(io, check);
      return;
    }
    EXPECT_EQ(metrics.connections_accepted(), 1u);
    EXPECT_EQ(metrics.connections_closed(), 1u);
    const auto* produce = metrics.latency(0, 9);
    if (produce == nullptr) {
      ADD_FAILURE() << "no Produce series";
      return checked.set_value();
    }
    EXPECT_EQ(produce->count(), 2u);  // the slow one and the one that closed
    // The first waited 40 ms in the handler: its time counts from the frame's read.
    EXPECT_GE(produce->sum(), 0.035);
    EXPECT_LT(produce->sum(), 5.0);
    EXPECT_EQ(metrics.latency(1, 4)->count(), 1u);   // answered with nothing: still counted
    EXPECT_EQ(metrics.latency(1, 99)->count(), 1u);  // the "unsupported" series
    std::string out;
    samsa::metrics::TextWriter w(out);
    metrics.write(w);
    EXPECT_NE(out.find("samsa_request_failures_total{api=\"Produce\",version=\"9\"} 1\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("samsa_requests_total{api=\"unknown\",version=\"unknown\"} 1\n"),
              std::string::npos);
    checked.set_value();
  };
  asio::post(io, check);
  checked.get_future().wait();

  asio::post(io, [&] { server.stop(); });
  work.reset();
  io.stop();
  loop.join();
}

}  // namespace
