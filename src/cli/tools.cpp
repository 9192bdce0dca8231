#include "commands.h"

namespace samsa::cli {

Tools::Tools(CLI::App& app) {
  add_health(app, chosen_);
  add_cluster(app, chosen_);
  add_topic(app, chosen_);
  add_produce(app, chosen_);
  add_consume(app, chosen_);
  add_group(app, chosen_);
  add_reset(app, chosen_);
}

std::optional<int> Tools::run() const {
  if (!chosen_) return std::nullopt;
  return chosen_();
}

}  // namespace samsa::cli
