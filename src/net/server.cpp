#include "samsa/net/server.h"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include "connection.h"
#include "samsa/metrics/broker_metrics.h"
#include "samsa/util/log.h"

namespace samsa::net {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io, ServerOptions opts, RequestHandler& h)
      : io(io), options(std::move(opts)), handler(h) {}

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, uint32_t listener) {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        // EMFILE and friends: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer pause(io, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::use_awaitable);
        continue;
      }
      if (connections.size() >= static_cast<size_t>(options.max_connections)) {
        spdlog::warn("refusing connection: max.connections={} reached", options.max_connections);
        if (options.metrics) options.metrics->connection_refused();
        socket.close(ec);
        continue;
      }
      const uint64_t id = next_id++;
      std::weak_ptr<Impl> weak = self;
      auto conn = std::make_shared<Connection>(std::move(socket), options, handler, id, listener,
                                               [weak](uint64_t closed) {
                                                 if (auto impl = weak.lock()) {
                                                   impl->connections.erase(closed);
                                                   if (impl->options.metrics)
                                                     impl->options.metrics->connection_closed();
                                                 }
                                               });
      connections.emplace(id, conn);
      if (options.metrics) options.metrics->connection_accepted();
      conn->start();
    }
  }

  asio::io_context& io;
  ServerOptions options;
  RequestHandler& handler;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;
  uint64_t next_id = 1;
};

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

Server::~Server() {
  stop();
}

void Server::start() {
  for (const auto& listener : impl_->options.listeners) {
    const std::string host = listener.host.empty() ? std::string("0.0.0.0") : listener.host;
    tcp::resolver resolver(impl_->io);
    auto results = resolver.resolve(host, std::to_string(listener.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service);
    tcp::endpoint endpoint = results.begin()->endpoint();
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    boost::system::error_code ec;
    acceptor->bind(endpoint, ec);
    if (ec)
      throw std::system_error(ec.value(), std::generic_category(),
                              "cannot listen on " + host + ":" + std::to_string(listener.port));
    acceptor->listen(asio::socket_base::max_listen_connections);
    impl_->acceptors.push_back(std::move(acceptor));
  }
  for (size_t i = 0; i < impl_->acceptors.size(); ++i) {
    auto impl = impl_;
    tcp::acceptor* raw = impl_->acceptors[i].get();
    const auto listener = static_cast<uint32_t>(i);
    asio::co_spawn(
        impl_->io, [impl, raw, listener] { return impl->accept_loop(*raw, listener); },
        asio::detached);
  }
}

void Server::stop() {
  if (!impl_) return;
  boost::system::error_code ec;
  for (auto& acceptor : impl_->acceptors) acceptor->close(ec);
  auto connections = std::move(impl_->connections);
  impl_->connections.clear();
  for (auto& [id, conn] : connections) conn->close();
}

std::vector<uint16_t> Server::bound_ports() const {
  std::vector<uint16_t> ports;
  for (const auto& acceptor : impl_->acceptors) {
    boost::system::error_code ec;
    ports.push_back(acceptor->local_endpoint(ec).port());
  }
  return ports;
}

size_t Server::connection_count() const {
  return impl_->connections.size();
}

}  // namespace samsa::net
