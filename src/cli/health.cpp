// samsa health: is a Kafka listener up and answering? For container healthchecks
// (Docker's HEALTHCHECK, compose's healthcheck:), which need 0 or 1 and no shell.
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "samsa/config/config.h"

namespace samsa::cli {

namespace {

// With no -b and no $SAMSA_BROKERS: the first listener of the broker configured in this
// environment (the same file and KAFKA_* variables `samsa serve` reads), on loopback
// when it binds every interface.
std::string local_listener(const std::string& config_file) {
  config::LoadOptions load;
  std::string file = config_file;
  if (file.empty()) {
    const char* env = std::getenv("SAMSA_CONFIG");
    if (env != nullptr) file = env;
  }
  if (!file.empty()) load.config_file = file;
  load.environment = config::process_environment();
  const auto broker = config::load_broker_config(load);
  if (broker.listeners.empty()) return "localhost:9092";
  const auto& bind = broker.listeners.front().bind;
  std::string host = bind.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  client::Address a{host, bind.port != 0 ? bind.port : client::kDefaultPort};
  return a.to_string();
}

}  // namespace

void add_health(CLI::App& app, std::function<int()>& chosen) {
  struct Options {
    CommonOptions common;
    std::string config_file;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  o->common.timeout_ms = 5'000;
  auto* cmd = app.add_subcommand(
      "health", "exit 0 if the broker answers ApiVersions, else 1 (for container healthchecks)");
  add_common_options(*cmd, o->common);
  cmd->add_option("-c,--config", o->config_file,
                  "server.properties whose first listener to check when no broker is given "
                  "(default: $SAMSA_CONFIG)");
  cmd->add_flag("-q,--quiet", o->quiet, "print nothing");
  cmd->callback([o, &chosen] {
    chosen = [o] {
      const int code = guarded([&] {
        if (o->common.brokers.empty() && std::getenv("SAMSA_BROKERS") == nullptr)
          o->common.brokers = local_listener(o->config_file);
        const auto options = o->common.client_options();
        client::Connection c(options.bootstrap.front(), options.connection);
        if (o->common.output_format() == Format::kJson) {
          Json j;
          j.begin_object().key("healthy").value(true).key("broker").value(c.address().to_string());
          j.key("apis").value(static_cast<int64_t>(c.api_versions().api_keys.size())).end_object();
          std::printf("%s\n", j.str().c_str());
        } else if (!o->quiet) {
          std::printf("healthy: %s answers ApiVersions (%zu APIs)\n",
                      c.address().to_string().c_str(), c.api_versions().api_keys.size());
        }
        return kExitOk;
      });
      // Docker reads 0 as healthy and 1 as unhealthy (2 is reserved).
      return code == kExitOk ? kExitOk : 1;
    };
  });
}

}  // namespace samsa::cli
