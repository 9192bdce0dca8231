// samsa: a Kafka-compatible single-node broker, and the tools to use one.
//
//   samsa serve [--config server.properties] [--override key=value ...]
//   samsa health | cluster | ...   (the cli module; `samsa --help` lists them)
//
// Configuration layers, lowest first: Kafka's defaults, the file, KAFKA_* environment
// variables (the apache/kafka image convention), --override.
#include <utility>

#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <tuple>

#include "samsa/broker/broker.h"
#include "samsa/cli/cli.h"
#include "samsa/config/config.h"
#include "samsa/http/console.h"
#include "samsa/util/fd_limit.h"
#include "samsa/util/log.h"

namespace {

int serve(const std::optional<std::string>& config_file,
          const std::vector<std::string>& overrides) {
  const auto started = std::chrono::steady_clock::now();
  samsa::config::LoadOptions load;
  if (config_file) load.config_file = *config_file;
  load.overrides = overrides;
  load.environment = samsa::config::process_environment();
  samsa::config::BrokerConfig config;
  try {
    config = samsa::config::load_broker_config(load);
  } catch (const std::exception& e) {
    spdlog::critical("invalid configuration: {}", e.what());
    return 2;
  }
  samsa::config::log_config_summary(config);
  // The usual soft limit of 1,024 is far below the hard one: raise it, as Go and the JVM
  // do. The log manager sizes its cache of open segment files from the result and logs
  // both.
  const auto fds = samsa::raise_fd_limit();
  if (fds.before != fds.soft) {
    spdlog::info("open-file soft limit raised from {} to {} (the hard limit)", fds.before,
                 fds.soft);
  }

  boost::asio::io_context io(1);
  samsa::broker::Broker broker(io, config);
  try {
    broker.start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }

  // The console, JSON API and /metrics (samsa.http.listener; empty turns them off).
  std::unique_ptr<samsa::http::Console> console;
  if (!config.http_listener.empty()) {
    samsa::http::ConsoleOptions options;
    options.listener_text = config.http_listener;
    try {
      std::tie(options.server.host, options.server.port) =
          samsa::http::parse_listener(config.http_listener);
      options.server.max_connections = static_cast<uint32_t>(config.http_max_connections);
      options.server.max_body_bytes = static_cast<uint32_t>(config.http_request_max_bytes);
      if (config.http_max_loop_percent < 100) {
        // A burst of 100 ms lets one large answer (a full /metrics scrape of 10,000
        // partitions, a long producer list) through at full speed, in 1 ms slices that
        // alternate with Kafka requests; sustained use pays the share.
        options.server.loop_share = std::make_shared<samsa::http::LoopShare>(
            config.http_max_loop_percent / 100.0, std::chrono::milliseconds(100));
      }
      console = std::make_unique<samsa::http::Console>(io, broker, options);
      console->start();
    } catch (const std::system_error& e) {
      if (!config.http_listener_explicit && e.code() == std::errc::address_in_use) {
        spdlog::warn(
            "console and metrics off: {} is in use (another broker?); set "
            "samsa.http.listener to another host:port, or 127.0.0.1:0 for any free port",
            config.http_listener);
        console.reset();
      } else {
        spdlog::critical("cannot start the HTTP listener (samsa.http.listener={}): {}",
                         config.http_listener, e.what());
        broker.stop();
        return 1;
      }
    } catch (const std::exception& e) {
      spdlog::critical("cannot start the HTTP listener (samsa.http.listener={}): {}",
                       config.http_listener, e.what());
      broker.stop();
      return 1;
    }
  }

  const auto ports = broker.bound_ports();
  std::string listeners;
  for (size_t i = 0; i < config.listeners.size() && i < ports.size(); ++i) {
    const auto& l = config.listeners[i];
    if (!listeners.empty()) listeners += ", ";
    listeners += fmt::format("{}://{}:{} (advertised {}:{})", l.bind.listener_name,
                             l.bind.host.empty() ? "0.0.0.0" : l.bind.host, ports[i],
                             l.advertised.host, l.advertised.port ? l.advertised.port : ports[i]);
  }
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("samsa {} started in {:.1f} ms: node {} cluster {} listening on {}; {}; data in {}",
               SAMSA_VERSION, elapsed, config.node_id, broker.cluster_id(), listeners,
               console ? "console and metrics on http://" + console->address() : "HTTP off",
               config.log_dir.string());

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("signal {} received: shutting down", signal_number);
    if (console) console->stop();
    broker.stop();
    io.stop();
  });
  io.run();
  if (console) console->stop();
  broker.stop();
  return broker.failed() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // sendfile(2) cannot be told MSG_NOSIGNAL: a client that goes away must not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  if (const char* level = std::getenv("SAMSA_LOG_LEVEL"))
    spdlog::set_level(spdlog::level::from_str(level));

  CLI::App app{"samsa: a Kafka-compatible single-node message broker"};
  app.require_subcommand(1);
  app.set_version_flag("--version", SAMSA_VERSION);

  auto* serve_cmd = app.add_subcommand("serve", "run the broker");
  std::optional<std::string> config_file;
  std::vector<std::string> overrides;
  std::string log_level;
  serve_cmd
      ->add_option("-c,--config", config_file, "server.properties file (default: $SAMSA_CONFIG)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("-o,--override", overrides, "key=value, wins over file and environment");
  serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error");

  samsa::cli::Tools tools(app);
  // The container image names its file here, so `serve` with other arguments keeps it.
  if (const char* env = std::getenv("SAMSA_CONFIG"); env != nullptr && *env != '\0')
    config_file = env;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // CLI11's own codes (105, 106, ...) mean "bad usage"; scripts get the tools' 2.
    return code == 0 ? 0 : samsa::cli::kExitUsage;
  }
  if (!log_level.empty()) spdlog::set_level(spdlog::level::from_str(log_level));
  if (*serve_cmd) return serve(config_file, overrides);
  if (const auto code = tools.run()) return *code;
  return 0;
}
