#include "samsa/serve/serve.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "samsa/broker/broker.h"
#include "samsa/config/config.h"
#include "samsa/http/console.h"
#include "samsa/serve/await_file.h"
#include "samsa/serve/ephemeral_dir.h"
#include "samsa/serve/parent_watch.h"
#include "samsa/serve/ready_file.h"
#include "samsa/util/fd_limit.h"
#include "samsa/util/log.h"

namespace samsa::serve {

config::KeyValues ephemeral_defaults() {
  return {
      {"listeners", "PLAINTEXT://127.0.0.1:0"},
      {"samsa.http.listener", "127.0.0.1:0"},
      {"group.initial.rebalance.delay.ms", "0"},
      {"log.segment.bytes", "16777216"},
      {"transaction.state.log.segment.bytes", "16777216"},
      {"samsa.log.fsync.on.ack", "false"},
  };
}

namespace {

// The console, JSON API and /metrics (samsa.http.listener; empty turns them off).
// Answers null when they are off; throws on a failure to start that must stop the broker.
std::unique_ptr<http::Console> start_console(boost::asio::io_context& io, broker::Broker& broker,
                                             const config::BrokerConfig& config) {
  if (config.http_listener.empty()) return nullptr;
  http::ConsoleOptions options;
  options.listener_text = config.http_listener;
  std::tie(options.server.host, options.server.port) = http::parse_listener(config.http_listener);
  options.server.max_connections = static_cast<uint32_t>(config.http_max_connections);
  options.server.max_body_bytes = static_cast<uint32_t>(config.http_request_max_bytes);
  if (config.http_max_loop_percent < 100) {
    // A burst of 100 ms lets one large answer (a full /metrics scrape of 10,000
    // partitions, a long producer list) through at full speed, in 1 ms slices that
    // alternate with Kafka requests; sustained use pays the share.
    options.server.loop_share = std::make_shared<http::LoopShare>(
        config.http_max_loop_percent / 100.0, std::chrono::milliseconds(100));
  }
  auto console = std::make_unique<http::Console>(io, broker, options);
  try {
    console->start();
  } catch (const std::system_error& e) {
    if (config.http_listener_explicit || e.code() != std::errc::address_in_use) throw;
    spdlog::warn(
        "console and metrics off: {} is in use (another broker?); set "
        "samsa.http.listener to another host:port, or 127.0.0.1:0 for any free port",
        config.http_listener);
    return nullptr;
  }
  return console;
}

// --await-config: nullopt once the file is there; else the exit code of a broker that must
// not start (the file never came, or a stop signal arrived meanwhile).
std::optional<int> await_config(const ServeOptions& options) {
  const std::filesystem::path path = *options.await_config;
  const std::chrono::milliseconds timeout(options.await_config_timeout_ms);
  spdlog::info("waiting up to {} ms for the configuration file {} (--await-config)",
               timeout.count(), path.string());
  const AwaitResult result = await_file(path, timeout);
  switch (result.outcome) {
    case AwaitOutcome::kArrived:
      spdlog::info("configuration file {} arrived after {} ms", path.string(),
                   result.waited.count());
      return std::nullopt;
    case AwaitOutcome::kInterrupted:
      spdlog::info("stop signal received while waiting for {}: not starting", path.string());
      return 0;
    case AwaitOutcome::kTimedOut:
      break;
  }
  spdlog::critical(
      "--await-config: {} did not appear within {} ms (--await-config-timeout-ms); whoever "
      "starts this broker must write it there",
      path.string(), timeout.count());
  return 1;
}

ReadyInfo ready_info(const config::BrokerConfig& config, const std::vector<uint16_t>& ports,
                     const http::Console* console, bool ephemeral) {
  ReadyInfo info;
  info.version = SAMSA_VERSION;
  info.pid = static_cast<long>(::getpid());
  for (size_t i = 0; i < config.listeners.size() && i < ports.size(); ++i) {
    const auto& l = config.listeners[i];
    std::string host = l.advertised.host;
    if (host.empty()) host = l.bind.host.empty() ? "127.0.0.1" : l.bind.host;
    const int port = l.advertised.port ? l.advertised.port : ports[i];
    info.listeners.emplace_back(l.bind.listener_name, fmt::format("{}:{}", host, port));
  }
  if (console) info.http = console->address();
  info.data_dir = config.log_dir.string();
  info.ephemeral = ephemeral;
  return info;
}

// The broker's configuration, from every layer; with --ephemeral, `ephemeral` gets the
// fresh data directory the profile points log.dirs at. nullopt after logging why the
// broker cannot start; `exit_code` says how (2 for a configuration error).
std::optional<config::BrokerConfig> load_config(const ServeOptions& options,
                                                std::optional<EphemeralDir>& ephemeral,
                                                int& exit_code) {
  config::LoadOptions load;
  if (options.config_file) load.config_file = *options.config_file;
  if (options.await_config) load.late_file = *options.await_config;
  load.overrides = options.overrides;
  load.environment = config::process_environment();
  if (options.ephemeral) {
    try {
      ephemeral.emplace(EphemeralDir::create());
    } catch (const std::exception& e) {
      spdlog::critical("--ephemeral: cannot create a data directory: {}", e.what());
      exit_code = 1;
      return std::nullopt;
    }
    load.profile = ephemeral_defaults();
    load.profile.emplace_back("log.dirs", ephemeral->path().string());
  }
  config::BrokerConfig config;
  try {
    config = config::load_broker_config(load);
  } catch (const std::exception& e) {
    spdlog::critical("invalid configuration: {}", e.what());
    exit_code = 2;
    return std::nullopt;
  }
  if (ephemeral && config.log_dir != ephemeral->path()) {
    // Never remove a directory the user named: an ephemeral broker keeps its own.
    spdlog::critical(
        "--ephemeral keeps its data in a fresh temporary directory: log.dirs / log.dir "
        "cannot be set with it (they name {})",
        config.log_dir.string());
    exit_code = 2;
    return std::nullopt;
  }
  return config;
}

// "PLAINTEXT://0.0.0.0:9092 (advertised host:9092), ...", for the start-up line.
std::string describe_listeners(const config::BrokerConfig& config,
                               const std::vector<uint16_t>& ports, const ReadyInfo& info) {
  std::string listeners;
  for (size_t i = 0; i < info.listeners.size(); ++i) {
    const auto& l = config.listeners[i];
    if (!listeners.empty()) listeners += ", ";
    listeners += fmt::format("{}://{}:{} (advertised {})", l.bind.listener_name,
                             l.bind.host.empty() ? "0.0.0.0" : l.bind.host, ports[i],
                             info.listeners[i].second);
  }
  return listeners;
}

}  // namespace

int serve(const ServeOptions& options) {
  if (options.await_config) {
    if (const auto exit_code = await_config(options)) return *exit_code;
  }
  // Start-up time counts from here: the wait is the starter's, not the broker's.
  const auto started = std::chrono::steady_clock::now();
  std::optional<EphemeralDir> ephemeral;
  int exit_code = 0;
  const std::optional<config::BrokerConfig> loaded = load_config(options, ephemeral, exit_code);
  if (!loaded) return exit_code;
  const config::BrokerConfig& config = *loaded;
  config::log_config_summary(config);
  // The usual soft limit of 1,024 is far below the hard one: raise it, as Go and the JVM
  // do. The log manager sizes its cache of open segment files from the result and logs
  // both.
  const auto fds = raise_fd_limit();
  if (fds.before != fds.soft) {
    spdlog::info("open-file soft limit raised from {} to {} (the hard limit)", fds.before,
                 fds.soft);
  }

  boost::asio::io_context io(1);
  broker::Broker broker(io, config);
  try {
    broker.start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  std::unique_ptr<http::Console> console;
  // Every way out once the broker started: the console first, as it reads the broker.
  auto stop_services = [&] {
    if (console) console->stop();
    broker.stop();
  };
  try {
    console = start_console(io, broker, config);
  } catch (const std::exception& e) {
    spdlog::critical("cannot start the HTTP listener (samsa.http.listener={}): {}",
                     config.http_listener, e.what());
    stop_services();
    return 1;
  }

  const auto ports = broker.bound_ports();
  const ReadyInfo info = ready_info(config, ports, console.get(), options.ephemeral);
  const auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  spdlog::info(
      "samsa {} started in {:.1f} ms: node {} cluster {} listening on {}; {}; data in {}{}",
      SAMSA_VERSION, elapsed, config.node_id, broker.cluster_id(),
      describe_listeners(config, ports, info),
      console ? "console and metrics on http://" + console->address() : "HTTP off",
      config.log_dir.string(), ephemeral ? " (ephemeral: removed at exit)" : "");

  bool stopping = false;
  auto shut_down = [&](const std::string& why) {
    if (stopping) return;
    stopping = true;
    spdlog::info("{}: shutting down", why);
    stop_services();
    io.stop();
  };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (!ec) shut_down(fmt::format("signal {} received", signal_number));
  });
  ParentWatch watch(io, shut_down);
  if (options.parent_pid && !watch.watch_process(*options.parent_pid)) {
    spdlog::critical("--parent-pid {}: no such process", *options.parent_pid);
    stop_services();
    return 1;
  }
  if (options.watch_stdin && !watch.watch_stdin()) {
    spdlog::critical("--watch-stdin: stdin is closed");
    stop_services();
    return 1;
  }
  // Once the loop runs, the broker answers: only then is it announced.
  bool announce_failed = false;
  bool ready_file_written = false;
  boost::asio::post(io, [&] {
    const std::string json = ready_json(info);
    if (options.print_ready) {
      std::fputs((json + "\n").c_str(), stdout);
      std::fflush(stdout);
    }
    if (options.ready_file) {
      try {
        write_ready_file(*options.ready_file, json);
        ready_file_written = true;
      } catch (const std::exception& e) {
        spdlog::critical("--ready-file: {}", e.what());
        announce_failed = true;
        shut_down("the ready file cannot be written");
      }
    }
  });
  io.run();
  watch.stop();
  stop_services();
  // What it announced is gone: a harness must not find it and connect to nothing.
  if (ready_file_written) ::unlink(options.ready_file->c_str());
  return broker.failed() || announce_failed ? 1 : 0;
}

}  // namespace samsa::serve
