#!/usr/bin/env bash
# Transactional producer throughput with librdkafka (bench/librdkafka_producer.cpp):
# RECORDS records of SIZE bytes committed every 10, 100 and 1,000 records (each commit
# waits for the records, the EndTxn decision and the markers), next to the same
# producer idempotent without transactions; then a read_committed and a
# read_uncommitted full read of the topic with kcat.
#
# Then transactions v2 (KIP-890) with the Java client 4.4 (kafka-producer-perf-test
# --transactional-id, from the tools test module's classpath, when it is built): the
# producer commits every 1 and 10 ms; transactions/s is the epoch it reached (v2 bumps
# it at every commit) over the run.
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

TOOLS_CLASSPATH="$BENCH_ROOT/tests/java/tools/target/kafka-tools.classpath"
JAVA_RECORDS="${JAVA_RECORDS:-20000}"

# run_java_v2 NAME BOOTSTRAP: kafka-producer-perf-test with a transactional id.
run_java_v2() {
  local name=$1 bootstrap=$2 ms cp out epoch
  [[ -f "$TOOLS_CLASSPATH" ]] || { echo "($TOOLS_CLASSPATH missing: no Java client case)" >&2; return; }
  cp=$(cat "$TOOLS_CLASSPATH")
  for ms in 1 10; do
    local id="txn-bench-java-$ms-$$"
    out=$(java -Xmx256m -cp "$cp" org.apache.kafka.tools.ProducerPerformance --topic "txn-bench-java-$$" \
      --num-records "$JAVA_RECORDS" --record-size "$SIZE" --throughput -1 \
      --command-property bootstrap.servers="$bootstrap" --transactional-id "$id" \
      --transaction-duration-ms "$ms" 2>/dev/null | grep 'records sent') || { echo "$name: java case $ms failed" >&2; continue; }
    epoch=$(java -Xmx256m -cp "$cp" org.apache.kafka.tools.TransactionsCommand --bootstrap-server "$bootstrap" \
      describe --transactional-id "$id" 2>/dev/null | awk 'NR == 2 { print $4 }')
    # The tool's own rate covers the sending only (not the JVM start): the run lasted
    # records / rate seconds.
    local rate
    rate=$(sed -n 's/.*records sent, \([0-9]*\).*/\1/p' <<<"$out")
    printf '| %s | Java 4.4 (transactions v2), a commit every %s ms | %s | %s |\n' "$name" "$ms" \
      "$rate" "$(awk -v e="$epoch" -v r="$rate" -v n="$JAVA_RECORDS" 'BEGIN { printf "%.0f", e * r / n }')"
  done
}

echo "| broker | case | records/s | transactions/s |"
echo "|---|---|---:|---:|"
start_broker
run_cases samsa "$BOOTSTRAP" "$BROKER_PID"
run_java_v2 samsa "$BOOTSTRAP"
stop_broker
if [[ -n "${KAFKA_BOOTSTRAP:-}" ]]; then
  run_cases kafka "$KAFKA_BOOTSTRAP"
  run_java_v2 kafka "$KAFKA_BOOTSTRAP"
fi
