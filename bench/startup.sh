#!/usr/bin/env bash
# Startup time (spawn of `samsa serve` to the first Metadata answer) and idle RSS.
#   bench/startup.sh [RUNS] [--reuse-dir]   (uses build-bench/samsa, or $SAMSA_BIN)
# Builds the probe (bench/startup.cpp) in build-bench/ unless SKIP_BUILD=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa samsa-startup -j2 >/dev/null
fi
exec "$STARTUP_PROBE" --samsa "$SAMSA_BIN" --runs "${1:-20}" "${@:2}"
