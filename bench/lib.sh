# Shared by the bench scripts (source it): start a fresh samsa broker in a temp dir,
# stop it and remove the dir, read a process's CPU time.
#
#   SAMSA_BIN   the broker binary (default: build-bench/samsa)
#   start_broker [--override k=v ...]   sets BROKER_PID, BROKER_PORT, BROKER_DIR, BOOTSTRAP
#                                       (BROKER_SEED_DIR: start from a copy of that log dir)
#   stop_broker

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_BUILD="${BENCH_BUILD:-$BENCH_ROOT/build-bench}"
SAMSA_BIN="${SAMSA_BIN:-$BENCH_BUILD/samsa}"
LOADGEN="${LOADGEN:-$BENCH_BUILD/bench/samsa-loadgen}"
STARTUP_PROBE="${STARTUP_PROBE:-$BENCH_BUILD/bench/samsa-startup}"
MEMPROBE="${MEMPROBE:-$BENCH_BUILD/bench/samsa-memprobe}"
RDKAFKA_PRODUCER="${RDKAFKA_PRODUCER:-$BENCH_BUILD/bench/librdkafka-producer}"
CLEANER_BENCH="${CLEANER_BENCH:-$BENCH_BUILD/bench/samsa-cleaner-bench}"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_broker() {
  BROKER_DIR="$(mktemp -d /tmp/samsa-bench.XXXXXX)"
  # BROKER_SEED_DIR: a log directory to start from (copied).
  if [[ -n "${BROKER_SEED_DIR:-}" ]]; then cp -a "$BROKER_SEED_DIR" "$BROKER_DIR/data"; fi
  BROKER_PORT="$(free_port)"
  BOOTSTRAP="127.0.0.1:$BROKER_PORT"
  "$SAMSA_BIN" serve --override "log.dirs=$BROKER_DIR/data" \
    --override "listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT" \
    --override "advertised.listeners=PLAINTEXT://127.0.0.1:$BROKER_PORT" \
    "$@" >"$BROKER_DIR/broker.log" 2>&1 &
  BROKER_PID=$!
  # Ready when the port accepts connections (the load generators retry anyway).
  for _ in $(seq 1 500); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null; then return 0; fi
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then break; fi
    sleep 0.01
  done
  echo "broker did not start; log:" >&2
  cat "$BROKER_DIR/broker.log" >&2
  return 1
}

stop_broker() {
  if [[ -n "${BROKER_PID:-}" ]] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill -TERM "$BROKER_PID"
    for _ in $(seq 1 200); do
      kill -0 "$BROKER_PID" 2>/dev/null || break
      sleep 0.02
    done
    kill -KILL "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  [[ -n "${BROKER_DIR:-}" ]] && rm -rf "$BROKER_DIR"
  BROKER_PID="" BROKER_DIR=""
}

# With BENCH_NICE=N (e.g. -15, needs root), raise this shell's scheduling priority,
# and that of everything it starts, for the rest of the script: the session's autogroup
# (which is what the kernel balances against other sessions' work) and the shell.
# Used to approximate a quiet machine when others are compiling on the same cores.
bench_priority() {
  [[ -n "${BENCH_NICE:-}" ]] || return 0
  BENCH_OLD_AUTOGROUP_NICE="$(sed -n 's/.* nice //p' /proc/self/autogroup 2>/dev/null || true)"
  echo "$BENCH_NICE" >/proc/self/autogroup 2>/dev/null || echo "cannot set autogroup nice" >&2
  renice -n "$BENCH_NICE" -p $$ >/dev/null || echo "cannot renice" >&2
}
bench_priority_restore() {
  if [[ -n "${BENCH_OLD_AUTOGROUP_NICE:-}" ]]; then
    echo "$BENCH_OLD_AUTOGROUP_NICE" >/proc/self/autogroup 2>/dev/null || true
  fi
}

# utime+stime of a process in seconds.
cpu_seconds() {
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print ($12 + $13) / tck }' "/proc/$1/stat"
}
