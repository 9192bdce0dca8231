// Logging: spdlog, one process-wide logger. Keep this header light.
#pragma once

#include <spdlog/spdlog.h>
