#!/usr/bin/env bash
# Configures and builds samsa (broker, unit tests) into ./build.
#   scripts/build.sh [extra cmake -D options]
# Environment: BUILD_DIR (default ./build), BUILD_TYPE (default RelWithDebInfo),
#              JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DSAMSA_BUILD_BENCH=OFF "$@"
cmake --build "$BUILD_DIR" -j "$JOBS"
