// samsa: a Kafka-compatible single-node broker, and the tools to use one.
//
//   samsa serve [--config server.properties] [--override key=value ...] [--ephemeral]
//               [--ready-file PATH] [--print-ready] [--parent-pid PID] [--watch-stdin]
//               [--await-config PATH [--await-config-timeout-ms MS]]
//   samsa health | cluster | ...   (the cli module; `samsa --help` lists them)
//
// Configuration layers, lowest first: Kafka's defaults, --ephemeral's defaults, the file,
// KAFKA_* environment variables (the apache/kafka image convention), the --await-config
// file, --override. The
// serve module (src/serve) runs the broker; the cli module the tools.
#include <signal.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "samsa/cli/cli.h"
#include "samsa/serve/serve.h"
#include "samsa/util/log.h"

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
  samsa::serve::ServeOptions serve;
  std::string log_level;
  serve_cmd
      ->add_option("-c,--config", serve.config_file,
                   "server.properties file (default: $SAMSA_CONFIG)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("-o,--override", serve.overrides,
                        "key=value, wins over file and environment");
  serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error");
  serve_cmd->add_flag("--ephemeral", serve.ephemeral,
                      "data in a fresh temporary directory removed at exit; defaults for "
                      "tests (free loopback ports, no rebalance delay, no fsync wait)");
  serve_cmd->add_option("--ready-file", serve.ready_file,
                        "write what was bound (JSON) to this file once the broker answers");
  serve_cmd->add_flag("--print-ready", serve.print_ready,
                      "print the same JSON as one line on stdout (the log goes to stderr)");
  serve_cmd->add_option("--parent-pid", serve.parent_pid, "shut down when this process exits");
  serve_cmd->add_flag("--watch-stdin", serve.watch_stdin, "shut down when stdin reaches its end");
  // Through the environment too: a container's users set variables more easily than they
  // replace its command (Testcontainers' SamsaContainer does).
  serve_cmd
      ->add_option("--await-config", serve.await_config,
                   "wait until this server.properties file exists, then read it over the "
                   "file and environment (under --override)")
      ->envname("SAMSA_AWAIT_CONFIG");
  serve_cmd
      ->add_option("--await-config-timeout-ms", serve.await_config_timeout_ms,
                   "how long --await-config waits before giving up (exit 1)")
      ->capture_default_str()
      ->envname("SAMSA_AWAIT_CONFIG_TIMEOUT_MS")
      ->check(CLI::NonNegativeNumber);

  samsa::cli::Tools tools(app);
  // The container image names its file here, so `serve` with other arguments keeps it.
  if (const char* env = std::getenv("SAMSA_CONFIG"); env != nullptr && *env != '\0')
    serve.config_file = env;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // CLI11's own codes (105, 106, ...) mean "bad usage"; scripts get the tools' 2.
    return code == 0 ? 0 : samsa::cli::kExitUsage;
  }
  if (*serve_cmd && serve.print_ready) {
    // stdout carries the ready line alone: the log goes to stderr.
    const auto level = spdlog::get_level();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(
        "samsa", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
    spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
    spdlog::set_level(level);
  }
  if (!log_level.empty()) spdlog::set_level(spdlog::level::from_str(log_level));
  if (*serve_cmd) return samsa::serve::serve(serve);
  if (const auto code = tools.run()) return *code;
  return 0;
}
