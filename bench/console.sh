#!/usr/bin/env bash
# The console and /metrics on a large broker, and what using them costs the Kafka side.
#
# Builds a broker with TOPICS topics of PARTS partitions each (default 1,000 x 10 =
# 10,000 partitions) holding keyed JSON records with a __TypeId__ header, one topic "big"
# whose single partition holds BIG_RECORDS x 1 KB (default 1,000,000: ~1 GB), and CONSUMER_GROUPS
# consumer groups (default 100) with committed offsets on 10 topics each plus one on
# "big". Then:
#   1. times every JSON API call the console's pages make, and /metrics, REPEATS times
#      each over one keep-alive connection (as a browser does), 4 calls a second (a
#      person clicking: within the console's loop share): median, p95, max, size; then
#      /metrics back to back, where the share (samsa.http.max.loop.percent) slows the
#      console down to protect the Kafka side;
#   2. measures the Kafka produce round trip (samsa-loadgen --rtt: 1 connection, 1 record
#      in flight, acks=1) and a pipelined acks=all load (16 KiB batches, 8 in flight),
#      each with the console idle, used as a person and Prometheus use it (a page every
#      second, a full scrape every 5 s), and hammered (the page mix and full scrapes
#      back to back, one at a time).
#
#   bench/console.sh    env: TOPICS=1000 PARTS=10 BIG_RECORDS=1000000 CONSUMER_GROUPS=100
#                            REPEATS=20 DURATION=10 SKIP_BUILD=0 BENCH_NICE=<-20..19>
set -euo pipefail
source "$(dirname "$0")/lib.sh"

TOPICS="${TOPICS:-1000}"
PARTS="${PARTS:-10}"
BIG_RECORDS="${BIG_RECORDS:-1000000}"
CONSUMER_GROUPS="${CONSUMER_GROUPS:-100}"
REPEATS="${REPEATS:-20}"
DURATION="${DURATION:-10}"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  cmake -S "$BENCH_ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMSA_BUILD_TESTS=OFF \
    -DSAMSA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BENCH_BUILD" --target samsa samsa-loadgen librdkafka-producer -j2 >/dev/null
fi
command -v curl >/dev/null || { echo "bench/console.sh needs curl (apt-get install curl)" >&2; exit 1; }

LOAD_PID=""
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null && wait "$LOAD_PID" 2>/dev/null
  stop_broker
  bench_priority_restore
}
trap cleanup EXIT
bench_priority

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

HTTP_PORT="$(free_port)"
HTTP="http://127.0.0.1:$HTTP_PORT"
start_broker --override "samsa.http.listener=127.0.0.1:$HTTP_PORT" --override num.partitions=1
export SAMSA_BROKERS="$BOOTSTRAP"
for _ in $(seq 1 200); do curl -sf "$HTTP/api/overview" >/dev/null && break; sleep 0.02; done

echo "# samsa console benchmark $(date -Is)"
echo "# cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git $(git -C "$BENCH_ROOT" rev-parse --short HEAD); $TOPICS topics x $PARTS partitions," \
  "big: $BIG_RECORDS x 1 KB, $CONSUMER_GROUPS groups; repeats=$REPEATS duration=${DURATION}s nice=${BENCH_NICE:-none}"

# --- the data -------------------------------------------------------------------------
topic_name() { printf 't%04d' "$1"; }
t0=$(now)
names=()
for ((i = 0; i < TOPICS; i++)); do
  names+=("$(topic_name "$i")")
  if ((${#names[@]} == 100 || i == TOPICS - 1)); then
    "$SAMSA_BIN" topic create -p "$PARTS" --timeout-ms 600000 "${names[@]}" >/dev/null
    names=()
  fi
done
t1=$(now)
echo "setup: created $TOPICS topics x $PARTS partitions in $(elapsed "$t0" "$t1") s"

# 20 keyed JSON records per partition (keys spread by murmur2), as a Spring producer
# with JsonSerializer writes them; two producers at a time.
records="$BROKER_DIR/records.txt"
awk -v n=$((PARTS * 20)) 'BEGIN { for (i = 0; i < n; i++)
  printf "order-%d|{\"id\":%d,\"customer\":\"c%d\",\"amount\":%d.5,\"items\":[\"a\",\"b\"]}\n", i, i, i % 97, i }' >"$records"
t0=$(now)
for ((i = 0; i < TOPICS; i += 2)); do
  pids=()
  for ((j = i; j < i + 2 && j < TOPICS; j++)); do
    "$SAMSA_BIN" produce "$(topic_name "$j")" -k '|' -H __TypeId__=com.example.Order <"$records" >/dev/null 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
done
t1=$(now)
echo "setup: produced $((TOPICS * PARTS * 20)) JSON records in $(elapsed "$t0" "$t1") s"

t0=$(now)
"$SAMSA_BIN" topic create big -p 1 >/dev/null
"$RDKAFKA_PRODUCER" --bootstrap "$BOOTSTRAP" --topic big --count "$BIG_RECORDS" --size 1000 \
  --acks 1 >/dev/null
t1=$(now)
big_bytes=$(du -sb "$BROKER_DIR/data/big-0" | cut -f1)
echo "setup: big-0 holds $BIG_RECORDS records, $((big_bytes / 1000000)) MB on disk ($(elapsed "$t0" "$t1") s)"

t0=$(now)
for ((g = 0; g < CONSUMER_GROUPS; g++)); do
  args=()
  for ((k = 0; k < 10; k++)); do args+=(--topic "$(topic_name $(((g * 10 + k) % TOPICS)))"); done
  "$SAMSA_BIN" group reset-offsets "$(printf 'g%03d' "$g")" "${args[@]}" --to-offset 5 --execute >/dev/null 2>&1
done
"$SAMSA_BIN" group reset-offsets big-reader --topic big --to-offset $((BIG_RECORDS / 2)) --execute >/dev/null 2>&1
t1=$(now)
echo "setup: $CONSUMER_GROUPS groups x 10 topics + big-reader committed in $(elapsed "$t0" "$t1") s"
echo "broker RSS after setup: $(awk '/VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$BROKER_PID/status")"

# --- 1. the console's calls -----------------------------------------------------------
# Middle of big-0: a timestamp of a record halfway in, read from the API itself.
mid_ts=$(curl -sf "$HTTP/api/topics/big/messages?partition=0&from=offset&offset=$((BIG_RECORDS / 2))&order=oldest&limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"][0]["timestamp"])')

# time_calls LABEL URL [CURL-ARGS...]: REPEATS calls on one connection, RATE of them a
# second at most.
time_calls() {
  local label="$1" url="$2"
  shift 2
  local urls=()
  for ((r = 0; r < REPEATS; r++)); do urls+=(-o /dev/null "$url"); done
  curl -s --rate "${RATE:-4/s}" -w '%{http_code} %{time_total} %{size_download}\n' "$@" "${urls[@]}" |
    sort -k2,2 -g |
    awk -v label="$label" '
      { if ($1 >= 400) bad++; t[NR] = $2 * 1000; size = $3 }
      END {
        printf "%-46s median %7.2f ms  p95 %7.2f ms  max %7.2f ms  %8.1f KB%s\n", label,
          t[int((NR + 1) / 2)], t[int(NR * 0.95 + 0.5)], t[NR], size / 1000, bad ? "  HTTP ERRORS " bad : ""
      }'
}

echo
echo "## console API and /metrics ($REPEATS calls each, 4 a second, one keep-alive connection)"
time_calls "GET / (the page shell)" "$HTTP/"
time_calls "GET /api/overview" "$HTTP/api/overview"
time_calls "GET /api/topics ($((TOPICS + 1)) topics)" "$HTTP/api/topics"
time_calls "GET /api/topics/t0000 ($PARTS partitions)" "$HTTP/api/topics/t0000"
time_calls "GET /api/topics/big (1 GB partition)" "$HTTP/api/topics/big"
time_calls "browse big-0: latest 50, newest first" "$HTTP/api/topics/big/messages?partition=0&from=latest"
time_calls "browse big-0: earliest 50, oldest first" "$HTTP/api/topics/big/messages?partition=0&from=earliest&order=oldest"
time_calls "browse big-0: 50 from the middle offset" "$HTTP/api/topics/big/messages?partition=0&from=offset&offset=$((BIG_RECORDS / 2))&order=oldest"
time_calls "browse big-0: 50 from a timestamp" "$HTTP/api/topics/big/messages?partition=0&from=timestamp&timestamp=$mid_ts&order=oldest"
time_calls "browse big-0: latest 500" "$HTTP/api/topics/big/messages?partition=0&from=latest&limit=500"
time_calls "browse big-0: text filter, no match (bounded)" "$HTTP/api/topics/big/messages?partition=0&from=latest&q=no-such-text"
time_calls "browse t0000, all partitions, JSON values" "$HTTP/api/topics/t0000/messages?partition=all&from=latest"
time_calls "GET /api/groups ($((CONSUMER_GROUPS + 1)) groups)" "$HTTP/api/groups"
time_calls "GET /api/groups/g000 (100 partitions, lag)" "$HTTP/api/groups/g000"
time_calls "POST reset-offsets preview (skip, big-0)" "$HTTP/api/groups/big-reader/reset-offsets" \
  -H 'Content-Type: application/json' \
  --data '{"topic":"big","partitions":[0],"to":"skip","dry_run":true}'
time_calls "GET /api/transactions" "$HTTP/api/transactions"
time_calls "GET /api/producers" "$HTTP/api/producers"
time_calls "POST /api/topics/t0001/messages (produce)" "$HTTP/api/topics/t0001/messages" \
  -H 'Content-Type: application/json' --data '{"key":"k","value":"{\"id\":1}","headers":[{"key":"__TypeId__","value":"com.example.Order"}]}'
time_calls "GET /metrics (every series)" "$HTTP/metrics"
time_calls "GET /metrics?partitions=false" "$HTTP/metrics?partitions=false"

t0=$(now)
curl -sf -X POST -H 'Content-Type: application/json' --data '{"name":"made-in-console","partitions":12}' \
  "$HTTP/api/topics" >/dev/null
t1=$(now)
curl -sf -X DELETE "$HTTP/api/topics/made-in-console" >/dev/null
t2=$(now)
echo "create a 12-partition topic from the console: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms;" \
  "delete it: $(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms (curl process included)"

RATE=1000/s time_calls "GET /metrics, back to back (loop share spent)" "$HTTP/metrics"
sleep 1  # the share refills

# --- 2. Kafka produce latency while the console is used -------------------------------
page_mix=("$HTTP/api/overview" "$HTTP/api/topics" "$HTTP/api/groups" "$HTTP/api/topics/t0000"
  "$HTTP/api/topics/big/messages?partition=0&from=latest" "$HTTP/api/groups/g000" "$HTTP/metrics")
# curl writes only the first URL's body to -o: every URL gets its own.
discard_each() { for u in "$@"; do printf '%s\n' -o /dev/null "$u"; done; }
mapfile -t page_args < <(discard_each "${page_mix[@]:0:6}")
mapfile -t mix_args < <(discard_each "${page_mix[@]}")

console_person() {  # a page (its calls) every second, a full Prometheus scrape every 5 s
  local n=0
  while :; do
    curl -s "${page_args[@]}"
    ((n++ % 5 == 0)) && curl -s -o /dev/null "$HTTP/metrics"
    sleep 1
  done
}
console_hammer() {  # the mix back to back, one request at a time, counted
  local urls=()
  for ((r = 0; r < 20; r++)); do urls+=("${mix_args[@]}"); done
  while :; do curl -s -w '.\n' "${urls[@]}" >>"$BROKER_DIR/hammer.count"; done
}

LOADGEN_TOPIC_SEQ=0
produce_run() {  # produce_run LABEL LOADGEN-ARGS...
  local label="$1"
  shift
  LOADGEN_TOPIC_SEQ=$((LOADGEN_TOPIC_SEQ + 1))
  "$LOADGEN" --bootstrap "$BOOTSTRAP" --topic "load-$LOADGEN_TOPIC_SEQ" --duration "$DURATION" --warmup 1 "$@" |
    awk -v label="$label" '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
      printf "%-44s %9.0f msgs/s  p50 %7.1f us  p99 %7.1f us  p999 %8.1f us  errors %s\n",
        label, r["msgs_per_s"], r["p50_us"], r["p99_us"], r["p999_us"], r["errors"] }'
}

echo
echo "## Kafka produce while the console is used (samsa-loadgen, ${DURATION} s each)"
for shape in rtt pipelined; do
  if [[ $shape == rtt ]]; then args=(--rtt); else args=(--acks all --batch-bytes 16384 --in-flight 8); fi
  produce_run "$shape, console idle" "${args[@]}"
  console_person &
  LOAD_PID=$!
  produce_run "$shape, a person + scrape every 5 s" "${args[@]}"
  kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null || true
  : >"$BROKER_DIR/hammer.count"
  console_hammer &
  LOAD_PID=$!
  t0=$(now)
  produce_run "$shape, console hammered" "${args[@]}"
  t1=$(now)
  kill "$LOAD_PID"; wait "$LOAD_PID" 2>/dev/null || true
  pkill -P $$ curl 2>/dev/null || true
  LOAD_PID=""
  echo "    (hammer: $(awk -v n="$(wc -l <"$BROKER_DIR/hammer.count")" -v a="$t0" -v b="$t1" \
    'BEGIN { printf "%.0f", n / (b - a) }') console requests/s, 1 in 7 a full /metrics)"
done

echo
echo "broker peak RSS: $(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$BROKER_PID/status")"
errors=$(grep -c -E "\[(error|critical)\]" "$BROKER_DIR/broker.log" || true)
echo "broker log lines at error level: ${errors}"
