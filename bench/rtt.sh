#!/usr/bin/env bash
# Produce round trip at acks=1 with exactly one 1-record batch in flight, against a
# fresh broker: p50/p99/p999 per request (send to answer).
#   bench/rtt.sh [SECONDS]      (uses build-bench; $SAMSA_BIN / $LOADGEN override)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
trap stop_broker EXIT
start_broker
"$LOADGEN" --bootstrap "$BOOTSTRAP" --topic rtt --rtt --duration "${1:-10}" --warmup 1
