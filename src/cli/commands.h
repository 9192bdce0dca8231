// One registration function per tool; each adds its subcommands to the app and, when
// one of them is chosen, sets `chosen` to the function that runs it.
#pragma once

#include <functional>

#include "common.h"

namespace samsa::cli {

void add_health(CLI::App& app, std::function<int()>& chosen);
void add_cluster(CLI::App& app, std::function<int()>& chosen);
void add_topic(CLI::App& app, std::function<int()>& chosen);
void add_produce(CLI::App& app, std::function<int()>& chosen);
void add_consume(CLI::App& app, std::function<int()>& chosen);
void add_group(CLI::App& app, std::function<int()>& chosen);
void add_reset(CLI::App& app, std::function<int()>& chosen);

}  // namespace samsa::cli
