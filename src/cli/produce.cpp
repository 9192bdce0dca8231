// samsa produce: being written (registers no subcommand yet).
#include "commands.h"

namespace samsa::cli {

void add_produce(CLI::App&, std::function<int()>&) {}

}  // namespace samsa::cli
