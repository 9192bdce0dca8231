#!/usr/bin/env bash
# The log cleaner: its throughput on a compacted log of BYTES (default 1 GB) over KEYS
# keys (default 1,000,000), and what a clean running inside the broker costs the produce
# latency of a Kafka load beside it.
#   1. samsa-cleaner-bench fill: keyed records of VALUE_SIZE bytes (default 200) in a
#      scattered key order, in 100 MB segments (so about 90 % of the log is sealed and
#      cleanable), into a seed log directory;
#   2. samsa-cleaner-bench clean on a copy: full cleans until nothing is dirty, the code
#      the cleaner threads run, alone: MB of log and records per second;
#   3. a broker on a copy with log.cleaner.enable=false: samsa-loadgen acks=all
#      (16 KiB batches, 8 in flight) and --rtt (1 record in flight, acks=1) on another
#      topic, DURATION s each: the baseline;
#   4. a broker on a fresh copy with the cleaner on (log.cleaner.backoff.ms=100, so the
#      1 GB clean starts at once): the same two loads, started with the clean; the
#      broker's clean line tells how long the clean ran, to compare with the load window.
#
#   bench/cleaner.sh    env: BYTES=1000000000 KEYS=1000000 VALUE_SIZE=200 DURATION=10
#                            SKIP_BUILD=0 BENCH_NICE=<-20..19>
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BYTES="${BYTES:-1000000000}"
KEYS="${KEYS:-1000000}"
VALUE_SIZE="${VALUE_SIZE:-200}"
DURATION="${DURATION:-10}"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa samsa-loadgen samsa-cleaner-bench -j2 >/dev/null
fi

SEED="$(mktemp -d /tmp/samsa-cleaner-seed.XXXXXX)"
cleanup() {
  stop_broker
  rm -rf "$SEED"
  bench_priority_restore
}
trap cleanup EXIT
bench_priority

echo "# samsa log cleaner benchmark $(date -Is)"
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git $(git -C "$BENCH_ROOT" rev-parse --short HEAD); $BYTES bytes, $KEYS keys," \
  "values of $VALUE_SIZE B; duration=${DURATION}s nice=${BENCH_NICE:-none}"

echo
echo "## Fill"
"$CLEANER_BENCH" fill "$SEED/data" --bytes "$BYTES" --keys "$KEYS" --value-size "$VALUE_SIZE" \
  --segment-bytes 104857600 | grep -v '\[info\]'

echo
echo "## The clean alone (samsa-cleaner-bench clean, on a copy)"
cp -a "$SEED/data" "$SEED/copy"
"$CLEANER_BENCH" clean "$SEED/copy" >"$SEED/clean.log" 2>&1
awk '/^RESULT/ {
  for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
  printf "%.0f MB of log in %.1f s: %.0f MB/s, %.0f records/s; %.0f of %.0f records removed; %.0f MB -> %.0f MB (%d pass(es))\n",
    r["bytes_read"] / 1e6, r["seconds"], r["mb_per_s"], r["records_per_s"], r["records_removed"],
    r["records_read"], r["size_before"] / 1e6, r["size_after"] / 1e6, r["passes"] }' "$SEED/clean.log"
grep "cleaned" "$SEED/clean.log" | sed 's/^.*\] //' | head -3 || true
rm -rf "$SEED/copy"

produce_run() {  # produce_run LABEL LOADGEN-ARGS...
  local label="$1"
  shift
  "$LOADGEN" --bootstrap "$BOOTSTRAP" --topic "load-$RANDOM" --duration "$DURATION" --warmup 1 "$@" |
    awk -v label="$label" '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
      printf "%-40s %9.0f msgs/s  p50 %7.1f us  p99 %7.1f us  p999 %8.1f us  errors %s\n",
        label, r["msgs_per_s"], r["p50_us"], r["p99_us"], r["p999_us"], r["errors"] }'
}

run_shape() {  # run_shape SHAPE CLEANER(true|false)
  local shape="$1" cleaner="$2" args
  if [[ $shape == rtt ]]; then args=(--rtt); else args=(--acks all --batch-bytes 16384 --in-flight 8); fi
  BROKER_SEED_DIR="$SEED/data" start_broker --override "log.cleaner.enable=$cleaner" \
    --override log.cleaner.backoff.ms=100
  local t0
  t0=$(date +%s.%N)
  produce_run "$shape, cleaner $([[ $cleaner == true ]] && echo cleaning || echo off)" "${args[@]}"
  local t1
  t1=$(date +%s.%N)
  if [[ $cleaner == true ]]; then
    for _ in $(seq 1 600); do grep -q "compacted-0: cleaned" "$BROKER_DIR/broker.log" && break; sleep 0.1; done
    grep "compacted-0: cleaned" "$BROKER_DIR/broker.log" | sed 's/^.*\] /    broker: /' | head -2 || true
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "    (load window %.1f s from the broker start)\n", b - a }'
  fi
  stop_broker
}

echo
echo "## Kafka produce beside the clean (samsa-loadgen, ${DURATION} s each, another topic)"
for shape in pipelined rtt; do
  run_shape "$shape" false
  run_shape "$shape" true
done
