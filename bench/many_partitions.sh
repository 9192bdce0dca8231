#!/usr/bin/env bash
# Many partitions under a small open-file limit: one topic of PARTITIONS partitions
# (default 10,000) on a broker started with `ulimit -n` = FD_LIMIT (default 1,024,
# soft and hard, so it cannot raise it), then RECORDS keyed records (default
# 1,000,000 of ~100 B, spread over every partition by murmur2) produced with samsa's
# own CLI (acks=all, idempotent) and read back from every partition.
#
# Prints the time of each phase, records/s and MB/s, the broker's peak descriptor
# count (sampled from /proc every 20 ms), its peak RSS, and whether it logged an error.
#   bench/many_partitions.sh      env: PARTITIONS FD_LIMIT RECORDS SAMSA_BIN SKIP_BUILD=1
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PARTITIONS="${PARTITIONS:-10000}"
FD_LIMIT="${FD_LIMIT:-1024}"
RECORDS="${RECORDS:-1000000}"
ACKS="${ACKS:-all}"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa -j2 >/dev/null
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

BROKER_DIR="$(mktemp -d /tmp/samsa-bench.XXXXXX)"
BROKER_PORT="$(free_port)"
BOOTSTRAP="127.0.0.1:$BROKER_PORT"
SAMPLER_PID=""
cleanup() {
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null || true
  stop_broker
}
trap cleanup EXIT
[[ -n "${KEEP_LOG:-}" ]] && trap 'cp "$BROKER_DIR/broker.log" "$KEEP_LOG" 2>/dev/null; cleanup' EXIT

# The limit applies to the broker alone: the subshell lowers it, then becomes samsa.
(
  ulimit -n "$FD_LIMIT"
  exec "$SAMSA_BIN" serve --override "log.dirs=$BROKER_DIR/data" \
    --override "listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT" \
    --override "advertised.listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT" \
    --override "num.partitions=1" >"$BROKER_DIR/broker.log" 2>&1
) &
BROKER_PID=$!
for _ in $(seq 1 500); do
  "$SAMSA_BIN" health -b "$BOOTSTRAP" --timeout-ms 200 >/dev/null 2>&1 && break
  kill -0 "$BROKER_PID" 2>/dev/null || { cat "$BROKER_DIR/broker.log" >&2; exit 1; }
  sleep 0.01
done

# Peak descriptors of the broker, sampled until the end.
(
  peak=0
  while kill -0 "$BROKER_PID" 2>/dev/null; do
    n=$(ls "/proc/$BROKER_PID/fd" 2>/dev/null | wc -l)
    ((n > peak)) && peak=$n && echo "$peak" >"$BROKER_DIR/fd-peak"
    sleep 0.02
  done
) &
SAMPLER_PID=$!

export SAMSA_BROKERS="$BOOTSTRAP"
echo "samsa: $("$SAMSA_BIN" --version 2>/dev/null || echo "$SAMSA_BIN")"
grep -o "open-file limit.*" "$BROKER_DIR/broker.log" | head -1

t0=$(now)
"$SAMSA_BIN" topic create many -p "$PARTITIONS" --timeout-ms 600000 >/dev/null
t1=$(now)
echo "create ${PARTITIONS} partitions: $(elapsed "$t0" "$t1") s"

# Lines "k<i>|<padding to ~100 B>": keys spread the records over every partition.
input="$BROKER_DIR/records.txt"
awk -v n="$RECORDS" 'BEGIN { pad = sprintf("%090d", 0); for (i = 0; i < n; i++) printf "k%d|%s\n", i, pad }' >"$input"
bytes=$(stat -c %s "$input")

t0=$(now)
"$SAMSA_BIN" produce many -k '|' --acks "$ACKS" <"$input" 2>/dev/null
t1=$(now)
echo "produce ${RECORDS} records over ${PARTITIONS} partitions (acks=${ACKS}): $(elapsed "$t0" "$t1") s," \
  "$(rate "$RECORDS" "$t0" "$t1") records/s, $(awk -v b="$bytes" -v a="$t0" -v c="$t1" 'BEGIN { printf "%.1f", b / 1e6 / (c - a) }') MB/s"

t0=$(now)
read_count=$("$SAMSA_BIN" consume many -o start -n "$RECORDS" -e 2>/dev/null | wc -l)
t1=$(now)
echo "fetch ${read_count} records from ${PARTITIONS} partitions: $(elapsed "$t0" "$t1") s," \
  "$(rate "$read_count" "$t0" "$t1") records/s"

t0=$(now)
"$SAMSA_BIN" topic describe many --format json >/dev/null
t1=$(now)
echo "describe (ListOffsets over every partition): $(elapsed "$t0" "$t1") s"

sleep 0.1
echo "broker peak descriptors: $(cat "$BROKER_DIR/fd-peak" 2>/dev/null || echo '?') (limit ${FD_LIMIT})"
echo "broker peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$BROKER_PID/status")"
errors=$(grep -c -E "\[(error|critical)\]" "$BROKER_DIR/broker.log" || true)
echo "broker log lines at error level: ${errors}"
[[ "$read_count" == "$RECORDS" ]] || { echo "read ${read_count} of ${RECORDS}" >&2; exit 1; }
