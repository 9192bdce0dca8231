#!/usr/bin/env bash
# Installs build dependencies, builds, and runs samsa on localhost:9092 in the foreground
# with config/server.properties. Ctrl-C (SIGINT) or SIGTERM shuts it down cleanly.
#   scripts/run-broker.sh [--override key=value ...]
# Environment: SAMSA_DATA_DIR (default ./data) is passed as log.dirs; KAFKA_* variables
# override the file (see docs/configuration.md); SKIP_DEPS=1 skips the apt step.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${SKIP_DEPS:-0}" != 1 ]]; then scripts/install-deps.sh --build; fi
TARGETS=samsa scripts/build.sh

DATA_DIR=${SAMSA_DATA_DIR:-./data}
mkdir -p "$DATA_DIR"
exec ./build/samsa serve --config config/server.properties \
  --override "log.dirs=$DATA_DIR" "$@"
