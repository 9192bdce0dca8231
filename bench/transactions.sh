#!/usr/bin/env bash
# Transactional producer throughput with librdkafka (bench/librdkafka_producer.cpp):
# RECORDS records of SIZE bytes committed every 10, 100 and 1,000 records (each commit
# waits for the records, the EndTxn decision and the markers), next to the same
# producer idempotent without transactions; then a read_committed and a
# read_uncommitted full read of the topic with kcat.
#
# Runs against a fresh samsa; with KAFKA_BOOTSTRAP=host:port it also runs the same
# cases against that broker (e.g. a real Kafka on this machine: the oracle's
# `dev.samsa.oracle.KafkaBroker` main prints one), so both are measured in one run.
#   bench/transactions.sh     env: RECORDS (50000) SIZE (100) KAFKA_BOOTSTRAP SKIP_BUILD=1
set -euo pipefail
source "$(dirname "$0")/lib.sh"

RECORDS="${RECORDS:-50000}"
SIZE="${SIZE:-100}"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa librdkafka-producer -j2 >/dev/null
fi
command -v kcat >/dev/null || { echo "kcat is needed (apt-get install kcat)" >&2; exit 1; }
trap stop_broker EXIT

# run_cases NAME BOOTSTRAP [PID]: one table row per case.
run_cases() {
  local name=$1 bootstrap=$2 pid=${3:-0} n topic line
  for n in 0 10 100 1000; do
    topic="txn-bench-$n-$$"
    local args=(--bootstrap "$bootstrap" --topic "$topic" --count "$RECORDS" --size "$SIZE"
                --broker-pid "$pid" --set "linger.ms=5")
    ((n > 0)) && args+=(--transaction-records "$n")
    line="$("$RDKAFKA_PRODUCER" "${args[@]}" | grep '^RESULT')" || { echo "$name: case $n failed" >&2; continue; }
    local msgs txns
    msgs=$(sed -n 's/.* msgs_per_s=\([0-9]*\).*/\1/p' <<<"$line")
    txns=$(sed -n 's/.* txns_per_s=\([0-9]*\).*/\1/p' <<<"$line")
    if ((n == 0)); then
      printf '| %s | idempotent, no transactions | %s | – |\n' "$name" "$msgs"
    else
      printf '| %s | %s records per transaction | %s | %s |\n' "$name" "$n" "$msgs" "$txns"
    fi
  done
  # Reads of the last topic (1,000 records per transaction): records/s per isolation level.
  for level in read_committed read_uncommitted; do
    local start end
    start=$(date +%s.%N)
    kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -X isolation.level="$level" \
      -f '%o\n' | wc -l >/tmp/txn-bench-count.$$
    end=$(date +%s.%N)
    printf '| %s | kcat full read, %s | %s | – |\n' "$name" "$level" \
      "$(awk -v n="$(cat /tmp/txn-bench-count.$$)" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')"
  done
  rm -f /tmp/txn-bench-count.$$
}

echo "| broker | case | records/s | transactions/s |"
echo "|---|---|---:|---:|"
start_broker
run_cases samsa "$BOOTSTRAP" "$BROKER_PID"
stop_broker
if [[ -n "${KAFKA_BOOTSTRAP:-}" ]]; then
  run_cases kafka "$KAFKA_BOOTSTRAP"
fi
