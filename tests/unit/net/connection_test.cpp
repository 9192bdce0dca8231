// The connection contract: responses leave in request order whatever order they
// complete in, acks=0-style empty answers keep their place, and oversized frames
// close the connection without allocating.
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <thread>

#include "samsa/net/net.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Answers each request with its own body, after a delay given by the body's first
// byte (in ms), so later requests can complete before earlier ones. A first byte of
// 0xFF means "answer nothing".
class DelayedEcho : public samsa::net::RequestHandler {
 public:
  explicit DelayedEcho(asio::io_context& io) : io_(io) {}
  void on_request(samsa::net::InboundRequest req) override {
    ++requests;
    auto timer = std::make_shared<asio::steady_timer>(io_);
    const uint8_t first = req.frame.empty() ? 0 : req.frame[0];
    if (first == 0xFF) {
      req.responder.respond_nothing();
      return;
    }
    timer->expires_after(std::chrono::milliseconds(first));
    auto shared = std::make_shared<samsa::net::InboundRequest>(std::move(req));
    timer->async_wait([timer, shared](boost::system::error_code) {
      samsa::protocol::OutboundMessage out;
      const uint32_t n = static_cast<uint32_t>(shared->frame.size());
      out.bytes = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
      out.bytes.insert(out.bytes.end(), shared->frame.begin(), shared->frame.end());
      shared->responder.respond(std::move(out));
    });
  }
  int requests = 0;

 private:
  asio::io_context& io_;
};

struct Fixture : ::testing::Test {
  void SetUp() override {
    samsa::net::ServerOptions opts;
    opts.listeners.push_back({"127.0.0.1", 0});
    opts.socket_request_max_bytes = 1024;
    server = std::make_unique<samsa::net::Server>(io, opts, handler);
    server->start();
    port = server->bound_ports().at(0);
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    asio::post(io, [this] { server->stop(); });
    work.reset();
    io.stop();
    thread.join();
  }

  static std::vector<uint8_t> frame(std::vector<uint8_t> body) {
    const uint32_t n = static_cast<uint32_t>(body.size());
    std::vector<uint8_t> out = {uint8_t(n >> 24), uint8_t(n >> 16), uint8_t(n >> 8), uint8_t(n)};
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }

  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      asio::make_work_guard(io)};
  DelayedEcho handler{io};
  std::unique_ptr<samsa::net::Server> server;
  uint16_t port = 0;
  std::thread thread;
};

TEST_F(Fixture, ResponsesLeaveInRequestOrder) {
  asio::io_context client_io;
  tcp::socket s(client_io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  // Slow first, fast later, and one silent request in between.
  std::vector<uint8_t> wire;
  for (auto body : std::vector<std::vector<uint8_t>>{
           {60, 'a'}, {0xFF, 'x'}, {20, 'b', 'b'}, {0, 'c', 'c', 'c'}}) {
    auto f = frame(body);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  asio::write(s, asio::buffer(wire));

  std::vector<std::vector<uint8_t>> got;
  for (int i = 0; i < 3; ++i) {
    uint8_t size[4];
    asio::read(s, asio::buffer(size));
    const uint32_t n =
        (uint32_t(size[0]) << 24) | (uint32_t(size[1]) << 16) | (uint32_t(size[2]) << 8) | size[3];
    std::vector<uint8_t> body(n);
    asio::read(s, asio::buffer(body));
    got.push_back(body);
  }
  EXPECT_EQ(got[0], (std::vector<uint8_t>{60, 'a'}));
  EXPECT_EQ(got[1], (std::vector<uint8_t>{20, 'b', 'b'}));
  EXPECT_EQ(got[2], (std::vector<uint8_t>{0, 'c', 'c', 'c'}));
}

// Sends `bytes` and expects the server to close the connection without answering.
void expect_closed_after(uint16_t port, const std::vector<uint8_t>& bytes) {
  asio::io_context client_io;
  tcp::socket s(client_io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(bytes));
  uint8_t byte;
  boost::system::error_code ec;
  asio::read(s, asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(Fixture, OversizedFrameClosesTheConnection) {
  expect_closed_after(port, {0x7F, 0xFF, 0xFF, 0xFF});
}

TEST_F(Fixture, NegativeSizeClosesTheConnection) {
  expect_closed_after(port, {0xFF, 0xFF, 0xFF, 0xFE});
}

TEST_F(Fixture, FileSlicesAreSpliced) {
  // A handler-independent check of sendfile: serve a temp file's middle bytes.
  char path[] = "/tmp/samsa-net-test-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  const std::string content = "0123456789abcdef";
  ASSERT_EQ(::write(fd, content.data(), content.size()), ssize_t(content.size()));
  auto file = std::make_shared<samsa::FileHandle>(fd);

  struct SliceHandler : samsa::net::RequestHandler {
    std::shared_ptr<samsa::FileHandle> file;
    void on_request(samsa::net::InboundRequest req) override {
      samsa::protocol::OutboundMessage out;
      out.bytes = {0, 0, 0, 6, 'H', 'T'};
      out.splices.push_back({4, samsa::FileSlice{file, 10, 4, nullptr}});
      req.responder.respond(std::move(out));
    }
  } slice_handler;
  slice_handler.file = file;

  asio::io_context io2;
  samsa::net::ServerOptions opts;
  opts.listeners.push_back({"127.0.0.1", 0});
  samsa::net::Server server2(io2, opts, slice_handler);
  server2.start();
  std::thread t([&] { io2.run_for(std::chrono::seconds(5)); });

  asio::io_context client_io;
  tcp::socket s(client_io);
  s.connect({asio::ip::make_address("127.0.0.1"), server2.bound_ports().at(0)});
  auto f = frame({1});
  asio::write(s, asio::buffer(f));
  std::vector<uint8_t> got(10);
  asio::read(s, asio::buffer(got));
  EXPECT_EQ(std::string(got.begin() + 4, got.end()), "abcdHT");
  asio::post(io2, [&] { server2.stop(); });
  io2.stop();
  t.join();
}

}  // namespace
