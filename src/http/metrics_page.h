// The /metrics page (add_metrics_route in api.h), and its text on its own for tests and
// measurements.
#pragma once

#include <string>

#include "api.h"

namespace samsa::http {

// Every family of a scrape in the Prometheus text format 0.0.4; `per_partition` false
// leaves out the per-partition series (the route's ?partitions=false).
std::string render_metrics(ApiContext& api, bool per_partition);

}  // namespace samsa::http
