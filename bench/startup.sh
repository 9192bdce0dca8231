#!/usr/bin/env bash
# Startup time (exec of `samsa serve` to the first Metadata answer) and idle RSS.
#   bench/startup.sh [RUNS]        (uses build-bench/samsa, or $SAMSA_BIN)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
exec /usr/bin/python3 "$BENCH_ROOT/bench/startup.py" --samsa "$SAMSA_BIN" --runs "${1:-20}"
