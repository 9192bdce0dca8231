// samsa consume: being written (registers no subcommand yet).
#include "commands.h"

namespace samsa::cli {

void add_consume(CLI::App&, std::function<int()>&) {}

}  // namespace samsa::cli
