// An in-process broker on an ephemeral loopback port, and a blocking client that
// speaks our own codecs: for tests of the dispatch path without external clients.
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <filesystem>
#include <thread>

#include "samsa/broker/broker.h"
#include "samsa/config/config.h"
#include "samsa/protocol/error_code.h"
#include "samsa/protocol/header.h"
#include "samsa/protocol/messages/all.h"

namespace samsa::testing {

class BrokerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("samsa-broker-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    config::LoadOptions load;
    load.overrides = {"log.dirs=" + dir_.string(), "listeners=PLAINTEXT://127.0.0.1:0",
                      "advertised.listeners=PLAINTEXT://127.0.0.1:0"};
    for (auto& o : extra_overrides()) load.overrides.push_back(o);
    config_ = config::load_broker_config(load);
    broker_ = std::make_unique<broker::Broker>(io_, config_);
    broker_->start();
    port_ = broker_->bound_ports().at(0);
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    boost::asio::post(io_, [this] { broker_->stop(); });
    work_.reset();
    io_.stop();
    thread_.join();
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }

  virtual std::vector<std::string> extra_overrides() const { return {}; }

  boost::asio::ip::tcp::socket connect() {
    boost::asio::ip::tcp::socket s(client_io_);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_});
    return s;
  }

  template <class Request>
  static void send(boost::asio::ip::tcp::socket& s, const Request& request, int16_t version,
                   int32_t correlation_id = 1) {
    const auto out = protocol::encode_request(request, version, correlation_id, "broker-test");
    ASSERT_TRUE(out.splices.empty());
    boost::asio::write(s, boost::asio::buffer(out.bytes));
  }

  // Reads one response frame; returns its body after the correlation id (and, for
  // flexible responses, the header's tagged fields) via `decode`.
  static std::vector<uint8_t> read_frame(boost::asio::ip::tcp::socket& s) {
    uint8_t size[4];
    boost::asio::read(s, boost::asio::buffer(size));
    const uint32_t n =
        (uint32_t(size[0]) << 24) | (uint32_t(size[1]) << 16) | (uint32_t(size[2]) << 8) | size[3];
    std::vector<uint8_t> body(n);
    boost::asio::read(s, boost::asio::buffer(body));
    return body;
  }

  // A decoded response and the frame its Records views point into.
  template <class Response>
  struct Received {
    std::vector<uint8_t> frame;
    Response response;
    int32_t correlation_id = 0;
  };

  template <class Response>
  static Received<Response> receive(boost::asio::ip::tcp::socket& s, int16_t version) {
    Received<Response> out;
    out.frame = read_frame(s);
    protocol::Reader reader{std::span<uint8_t>(out.frame)};
    out.correlation_id = reader.read_int32();
    if (protocol::response_header_version(Response::api_key, version) >= 1) {
      const uint32_t tags = reader.read_uvarint();
      for (uint32_t i = 0; i < tags; ++i) {
        reader.read_uvarint();
        reader.read_span(reader.read_uvarint());
      }
    }
    out.response.decode(reader, version);
    EXPECT_TRUE(reader.at_end());
    return out;
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  boost::asio::io_context client_io_;
  std::filesystem::path dir_;
  config::BrokerConfig config_;
  std::unique_ptr<broker::Broker> broker_;
  uint16_t port_ = 0;
  std::thread thread_;
  static inline int counter_ = 0;
};

}  // namespace samsa::testing
