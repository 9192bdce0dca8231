#!/usr/bin/env bash
# Configures and builds samsa (broker, unit tests) into ./build.
#   scripts/build.sh [extra cmake -D options]
# Environment: BUILD_DIR (default ./build), BUILD_TYPE (default RelWithDebInfo),
#              JOBS (default: number of cores), TARGETS (default: all; e.g. "samsa" for
#              the broker alone, as scripts/run-broker.sh builds).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

# -g1: line tables only. Backtraces and sanitizer reports still name files and lines,
# and the build takes about a fifth less time than with full debug information.
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DSAMSA_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" "$@"
targets=()
for t in ${TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j "$JOBS" "${targets[@]}"
