#include "samsa/http/console.h"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "api.h"
#include "samsa/broker/broker.h"
#include "samsa/util/log.h"

namespace samsa::http {

struct Console::State {
  State(boost::asio::io_context& io, broker::Broker& broker, ConsoleOptions options)
      : options(std::move(options)),
        kafka(broker, "samsa-console"),
        api{broker.services(),
            kafka,
            broker.services().metrics,
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count(),
            {},
            [&broker] { return broker.connection_count(); },
            this->options.server.loop_share},
        server(io, this->options.server, router) {}

  ConsoleOptions options;
  broker::LocalClient kafka;
  ApiContext api;
  Router router;
  Server server;
};

Console::Console(boost::asio::io_context& io, broker::Broker& broker, ConsoleOptions options)
    : state_(std::make_unique<State>(io, broker, std::move(options))) {
  auto& router = state_->router;
  auto& api = state_->api;
  add_overview_routes(router, api);
  add_topic_routes(router, api);
  add_message_routes(router, api);
  add_group_routes(router, api);
  add_transaction_routes(router, api);
  add_metrics_route(router, api);
  add_asset_routes(router);
}

Console::~Console() {
  stop();
}

void Console::start() {
  state_->server.start();
  state_->api.http_address = address();
}

void Console::stop() {
  state_->server.stop();
}

std::string Console::address() const {
  const auto& host = state_->options.server.host;
  const std::string shown = host.empty() ? "0.0.0.0" : host;
  const bool v6 = shown.find(':') != std::string::npos;
  return (v6 ? "[" + shown + "]" : shown) + ":" + std::to_string(state_->server.bound_port());
}

}  // namespace samsa::http
