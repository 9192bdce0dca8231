#!/usr/bin/env bash
# Builds samsa and the benchmarks in Release (build-bench/) and runs the whole matrix,
# each run against a fresh broker in a temp dir that is removed afterwards:
#   * pre-built 16 KiB batches: 100 B and 1 KiB records x acks=1/all x 1/16 partitions
#   * pre-built 1 MiB batches: 100 B and 1 KiB records x acks=1/all, 1 partition
#   * produce round trip, one 1-record batch in flight, acks=1
#   * group commit: 16 KiB / 100 B / 1 partition, acks=1 against acks=all, with 1, 4, 8
#     and 16 connections x 8 in flight (the more requests wait, the more one fsync serves)
#   * OffsetCommit (admin-style commits, answered once fsynced): 1x1, 1x8, 16x8, 64x8
#     connections x in flight, with 1 and 10 partitions per request, and 64x8 to one group
#   * fetch of ~1 GB from offset 0
#   * librdkafka producer: 1M x 100 B and 200k x 1 KiB (acks=1, and acks=all + idempotence)
#   * startup to first Metadata and idle RSS
#   * the machine: what memory touched for the first time costs (samsa-memprobe), which
#     bounds every append on a VM that backs guest memory lazily
# Load runs are repeated REPEATS times (default 3); the table shows the median run.
#
#   bench/run-all.sh    env: REPEATS=3 DURATION=5 SKIP_BUILD=0 OUT=<file> BENCH_NICE=<-20..19>
#                            SECTIONS="produce groupcommit commit fetch rdkafka startup machine"
#                            (a subset runs less)
# BENCH_NICE (root only) raises the priority of the measured processes; see lib.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REPEATS="${REPEATS:-3}"
DURATION="${DURATION:-5}"
OUT="${OUT:-$BENCH_BUILD/bench-results-$(date +%Y%m%d-%H%M%S).txt}"
SECTIONS="${SECTIONS:-produce groupcommit commit fetch rdkafka startup machine}"
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa samsa-loadgen samsa-startup samsa-memprobe \
    librdkafka-producer -j2 >/dev/null
fi

trap 'stop_broker; bench_priority_restore' EXIT
bench_priority
mkdir -p "$(dirname "$OUT")"
: >"$OUT"
log() { echo "$*" | tee -a "$OUT"; }

log "# samsa benchmark run $(date -Is)"
log "# cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc); kernel $(uname -r)"
log "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
log "# git: $(git -C "$BENCH_ROOT" rev-parse --short HEAD) repeats=$REPEATS duration=${DURATION}s nice=${BENCH_NICE:-none}"

ROWS=()

# Picks the median (by KEY, default msgs_per_s) of RESULT lines on stdin.
median_result() {
  awk -v key="${1:-msgs_per_s}" \
    '{ for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) { split($i, a, "="); print a[2], $0 } }' |
    sort -n | awk '{ lines[NR] = $0 } END { n = int((NR + 1) / 2); sub(/^[^ ]+ /, "", lines[n]); print lines[n] }'
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# measured_runs NAME PARTITIONS BROKER-ARGS... -- LOADGEN-ARGS...: REPEATS times, a fresh
# broker (started with BROKER-ARGS), topic "bench" with PARTITIONS, one load run. Leaves
# each run's RESULT line, with the broker's CPU seconds appended, in RUN_RESULTS (one per
# line) and logs it to $OUT. Runs in this shell, so the EXIT trap can stop the broker.
RUN_RESULTS=""
measured_runs() {
  local name="$1" partitions="$2"
  shift 2
  local broker_args=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    broker_args+=("$1")
    shift
  done
  shift  # the "--"
  local cpu0 line
  RUN_RESULTS=""
  for _ in $(seq 1 "$REPEATS"); do
    start_broker "${broker_args[@]}"
    "$LOADGEN" --bootstrap "$BOOTSTRAP" --topic bench --partitions "$partitions" --mode create >/dev/null
    cpu0="$(cpu_seconds "$BROKER_PID")"
    line="$("$LOADGEN" --bootstrap "$BOOTSTRAP" --topic bench --partitions "$partitions" "$@" | grep '^RESULT')" || true
    line="$line broker_cpu_s=$(awk -v a="$cpu0" -v b="$(cpu_seconds "$BROKER_PID")" 'BEGIN { printf "%.2f", b - a }')"
    stop_broker
    echo "$name $line" >>"$OUT"
    RUN_RESULTS+="$line"$'\n'
  done
}

# run_case TABLE NAME PARTITIONS LOADGEN-ARGS...: produce against a fresh broker REPEATS
# times; the median's row goes to the array named TABLE (ROWS or GC_ROWS).
run_case() {
  local -n table="$1"
  local name="$2" partitions="$3"
  shift 3
  measured_runs "$name" "$partitions" --override "num.partitions=$partitions" -- "$@"
  local m
  m="$(printf '%s' "$RUN_RESULTS" | median_result)"
  table+=("$(printf '%-34s %12s %9s %9s %9s %9s %6s %7s' "$name" "$(field "$m" msgs_per_s)" \
    "$(field "$m" mb_per_s)" "$(field "$m" p50_us)" "$(field "$m" p99_us)" "$(field "$m" p999_us)" \
    "$(field "$m" errors)" "$(field "$m" broker_cpu_s)")")
  echo "${table[-1]}"
}

header='%-34s %12s %9s %9s %9s %9s %6s %7s'
produce_section() {
  echo "produce, pre-built batches, 1 connection x 8 in flight, ${DURATION}s after 1s warm-up:"
  printf "$header\n" case msgs/s MB/s p50_us p99_us p999_us errors brkCPU
  for size in 100 1024; do
    for acks in 1 all; do
      for parts in 1 16; do
        run_case ROWS "16KiB ${size}B acks=$acks p=$parts" "$parts" --record-size "$size" \
          --batch-bytes 16384 --acks "$acks" --duration "$DURATION"
      done
    done
  done
  for size in 100 1024; do
    for acks in 1 all; do
      run_case ROWS "1MiB ${size}B acks=$acks p=1" 1 --record-size "$size" --batch-bytes 1048576 \
        --acks "$acks" --duration "$DURATION"
    done
  done
  run_case ROWS "rtt 1x100B acks=1 1-in-flight" 1 --rtt --duration $((DURATION * 2))
}

# Group commit: the same load at growing depth, acks=1 against acks=all.
GC_ROWS=()
groupcommit_section() {
  echo
  echo "group commit, 16 KiB batches of 100 B, 1 partition, connections x 8 in flight:"
  printf "$header\n" case msgs/s MB/s p50_us p99_us p999_us errors brkCPU
  for conns in 1 4 8 16; do
    for acks in 1 all; do
      run_case GC_ROWS "16KiB 100B acks=$acks ${conns}x8" 1 --record-size 100 --batch-bytes 16384 \
        --acks "$acks" --connections "$conns" --in-flight 8 --duration "$DURATION"
    done
  done
}

machine_line=""
machine_section() {
  echo
  machine_line="$("$MEMPROBE" --dir "${TMPDIR:-/tmp}" | tee -a "$OUT" | grep '^RESULT')"
  echo "$machine_line"
}

# commit_case NAME PARTITIONS LOADGEN-ARGS...: OffsetCommit against a fresh broker REPEATS
# times; every request commits PARTITIONS offsets of topic "bench".
COMMIT_ROWS=()
commit_header='%-34s %10s %10s %9s %9s %9s %6s %8s %7s'
commit_case() {
  local name="$1" partitions="$2"
  shift 2
  measured_runs "$name" "$partitions" -- --mode commit --duration "$DURATION" "$@"
  local m
  m="$(printf '%s' "$RUN_RESULTS" | median_result commits_per_s)"
  COMMIT_ROWS+=("$(printf "$commit_header" "$name" "$(field "$m" commits_per_s)" \
    "$(field "$m" requests_per_s)" "$(field "$m" p50_us)" "$(field "$m" p99_us)" \
    "$(field "$m" p999_us)" "$(field "$m" errors)" "$(field "$m" verified)" \
    "$(field "$m" broker_cpu_s)")")
  echo "${COMMIT_ROWS[-1]}"
}
commit_section() {
  echo
  echo "OffsetCommit v8, admin-style (generation -1), ${DURATION}s after 1s warm-up:"
  printf "$commit_header\n" case commits/s req/s p50_us p99_us p999_us errors verified brkCPU
  for parts in 1 10; do
    for shape in 1x1 1x8 16x8 64x8; do
      commit_case "commit ${shape} p=$parts" "$parts" --connections "${shape%x*}" \
        --in-flight "${shape#*x}"
    done
  done
  commit_case "commit 64x8 p=1 shared group" 1 --connections 64 --in-flight 8 --shared-group
}

# Fetch: ~1 GB written in 1 MiB batches of 1 KiB records, then read from offset 0.
fetch_median=""
fetch_section() {
  local rows=() line
  for _ in $(seq 1 "$REPEATS"); do
    start_broker
    "$LOADGEN" --bootstrap "$BOOTSTRAP" --topic fetch --record-size 1024 --batch-bytes 1048576 \
      --messages 1000000 >/dev/null
    line="$("$LOADGEN" --bootstrap "$BOOTSTRAP" --topic fetch --mode fetch --verify-crc | grep '^RESULT')"
    stop_broker
    echo "fetch $line" >>"$OUT"
    rows+=("$line")
  done
  fetch_median="$(printf '%s\n' "${rows[@]}" | median_result)"
}

# librdkafka: one producer with the library's own batching.
RD_ROWS=()
rd_case() {
  local name="$1" count="$2" size="$3" acks="$4" results=""
  for _ in $(seq 1 "$REPEATS"); do
    start_broker
    "$LOADGEN" --bootstrap "$BOOTSTRAP" --topic rd --mode create >/dev/null
    line="$("$RDKAFKA_PRODUCER" --bootstrap "$BOOTSTRAP" --topic rd --count "$count" --size "$size" \
      --acks "$acks" --broker-pid "$BROKER_PID" | grep '^RESULT')" || true
    stop_broker
    echo "$name $line" >>"$OUT"
    results+="$line"$'\n'
  done
  local m
  m="$(printf '%s' "$results" | median_result)"
  RD_ROWS+=("$(printf '%-34s %12s %9s %10s %10s %6s' "$name" "$(field "$m" msgs_per_s)" \
    "$(field "$m" mb_per_s)" "$(field "$m" client_cpu_s)" "$(field "$m" broker_cpu_s)" \
    "$(field "$m" failed)")")
  echo "${RD_ROWS[-1]}"
}
rdkafka_section() {
  echo
  echo "librdkafka $(pkg-config --modversion rdkafka) producer, 1 partition (payload MB/s):"
  printf '%-34s %12s %9s %10s %10s %6s\n' case msgs/s MB/s clientCPU brokerCPU failed
  rd_case "rdkafka 1M x 100B acks=1" 1000000 100 1
  rd_case "rdkafka 200k x 1KiB acks=1" 200000 1024 1
  rd_case "rdkafka 1M x 100B acks=all idem" 1000000 100 all
  rd_case "rdkafka 200k x 1KiB acks=all idem" 200000 1024 all
}

startup_line="" restart_line="" shared_line=""
startup_section() {
  echo
  startup_line="$("$STARTUP_PROBE" --samsa "$SAMSA_BIN" --runs 20 |
    tee -a "$OUT" | grep '^RESULT')"
  restart_line="$("$STARTUP_PROBE" --samsa "$SAMSA_BIN" --runs 20 \
    --reuse-dir | tee -a "$OUT" | grep '^RESULT')"
  # The probe's retries on the broker's own CPU, for comparison with older figures.
  shared_line="$("$STARTUP_PROBE" --samsa "$SAMSA_BIN" --runs 20 --same-cpu |
    tee -a "$OUT" | grep '^RESULT')"
}

for section in produce groupcommit commit fetch rdkafka startup machine; do
  if want "$section"; then "${section}_section"; fi
done

{
  echo
  echo "================ summary (medians of $REPEATS; load average now $(cut -d' ' -f1-3 /proc/loadavg)) ================"
  if want produce; then
    printf "$header\n" case msgs/s MB/s p50_us p99_us p999_us errors brkCPU
    printf '%s\n' "${ROWS[@]}"
    echo
  fi
  if want groupcommit; then
    printf "$header\n" case msgs/s MB/s p50_us p99_us p999_us errors brkCPU
    printf '%s\n' "${GC_ROWS[@]}"
    echo
  fi
  if want commit; then
    printf "$commit_header\n" case commits/s req/s p50_us p99_us p999_us errors verified brkCPU
    printf '%s\n' "${COMMIT_ROWS[@]}"
    echo
  fi
  if want fetch; then
    echo "fetch from offset 0 (1 KiB records in 1 MiB batches, CRC checked): $(field "$fetch_median" mb_per_s) MB/s, $(field "$fetch_median" msgs_per_s) msgs/s, errors $(field "$fetch_median" errors), bad CRCs $(field "$fetch_median" bad_crc)"
    echo
  fi
  if want rdkafka; then
    printf '%-34s %12s %9s %10s %10s %6s\n' case msgs/s MB/s clientCPU brokerCPU failed
    printf '%s\n' "${RD_ROWS[@]}"
    echo
  fi
  if want machine; then
    echo "machine (samsa-memprobe, MB/s): file append into fresh pages $(field "$machine_line" append_fresh_mb_s), overwrite in cache $(field "$machine_line" overwrite_mb_s); anonymous memory first touch $(field "$machine_line" anon_first_mb_s), again $(field "$machine_line" anon_again_mb_s)"
  fi
  if want startup; then
    echo "first start to first Metadata: median $(field "$startup_line" median_ms) ms, p90 $(field "$startup_line" p90_ms) ms (20 runs)"
    echo "restart to first Metadata: median $(field "$restart_line" median_ms) ms, p90 $(field "$restart_line" p90_ms) ms (20 runs)"
    echo "first start, probe retrying on the broker's CPU (--same-cpu): median $(field "$shared_line" median_ms) ms, p90 $(field "$shared_line" p90_ms) ms (20 runs)"
    echo "VmRSS after first Metadata: $(field "$startup_line" rss_first_kb) kB; after 0.5 s idle: $(field "$startup_line" rss_idle_kb) kB (RssAnon $(field "$startup_line" rss_anon_kb) kB, PSS $(field "$startup_line" pss_kb) kB)"
  fi
} | tee -a "$OUT"
echo "raw results: $OUT"
