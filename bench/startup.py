#!/usr/bin/env python3
"""Startup time and idle memory of `samsa serve`.

For each run: a fresh data dir and port, then the time from starting the process to
the first successful Metadata v1 answer (a raw-socket request, so no client library
start-up is counted), then VmRSS after that answer and after a short idle pause.
Prints every run, the median and p90, and a `RESULT ...` line. With --reuse-dir every
run after the first restarts on the same data dir (a restart, not a first start, so
the one-time meta.properties and directory fsyncs are not counted).
"""
import argparse
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metadata_v1_request(correlation_id):
    client = b"samsa-startup"
    # api_key 3, version 1, correlation id, client id, topics = null (all topics).
    body = struct.pack(">hhih", 3, 1, correlation_id, len(client)) + client + struct.pack(">i", -1)
    return struct.pack(">i", len(body)) + body


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def metadata_ok(port, correlation_id):
    """True when the broker answers Metadata v1 naming at least one broker."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(metadata_v1_request(correlation_id))
            (size,) = struct.unpack(">i", read_exact(s, 4))
            body = read_exact(s, size)
    except OSError:
        return False
    corr, brokers = struct.unpack_from(">ii", body, 0)
    return corr == correlation_id and brokers >= 1


def proc_kb(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def memory(pid):
    """VmRSS, the private anonymous part of it, and PSS (shared pages divided)."""
    return (proc_kb(f"/proc/{pid}/status", "VmRSS"), proc_kb(f"/proc/{pid}/status", "RssAnon"),
            proc_kb(f"/proc/{pid}/smaps_rollup", "Pss"))


def one_run(binary, idle_s, data_dir):
    port = free_port()
    args = [binary, "serve", "--override", f"log.dirs={data_dir}/data",
            "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}",
            "--override", f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}"]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 10
        while not metadata_ok(port, 7):
            if proc.poll() is not None:
                raise RuntimeError(f"broker exited with {proc.returncode}")
            if time.perf_counter() > deadline:
                raise RuntimeError("no Metadata answer within 10 s")
            time.sleep(0.0002)
        elapsed_ms = (time.perf_counter() - started) * 1000
        rss_first = memory(proc.pid)[0]
        time.sleep(idle_s)
        return elapsed_ms, rss_first, memory(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(values, q):
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samsa", required=True, help="path to the samsa binary")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--idle", type=float, default=0.5, help="seconds before the idle RSS")
    parser.add_argument("--reuse-dir", action="store_true",
                        help="restart on one data dir (first run excluded from the figures)")
    opts = parser.parse_args()

    times, rss_first, rss_idle, anon_idle, pss_idle = [], [], [], [], []
    shared_dir = tempfile.mkdtemp(prefix="samsa-startup.") if opts.reuse_dir else None
    try:
        runs = opts.runs + (1 if opts.reuse_dir else 0)
        for i in range(runs):
            data_dir = shared_dir or tempfile.mkdtemp(prefix="samsa-startup.")
            try:
                ms, first, (idle, anon, pss) = one_run(opts.samsa, opts.idle, data_dir)
            finally:
                if not shared_dir:
                    shutil.rmtree(data_dir, ignore_errors=True)
            print(f"run {i + 1:2d}: {ms:7.2f} ms to first Metadata, VmRSS {first} kB; "
                  f"after {opts.idle:g} s idle VmRSS {idle} kB (RssAnon {anon} kB, PSS {pss} kB)"
                  + (" [first start, not counted]" if shared_dir and i == 0 else ""))
            if shared_dir and i == 0:
                continue
            times.append(ms)
            rss_first.append(first)
            rss_idle.append(idle)
            anon_idle.append(anon)
            pss_idle.append(pss)
    finally:
        if shared_dir:
            shutil.rmtree(shared_dir, ignore_errors=True)
    kind = "restart" if opts.reuse_dir else "first start"
    med = statistics.median
    print(f"startup ({kind}) to first Metadata: median {med(times):.2f} ms, "
          f"p90 {percentile(times, 0.9):.2f} ms over {opts.runs} runs")
    print(f"VmRSS after first Metadata: median {med(rss_first):.0f} kB; idle: median "
          f"{med(rss_idle):.0f} kB (RssAnon {med(anon_idle):.0f} kB, PSS {med(pss_idle):.0f} kB)")
    print(f"RESULT mode=startup kind={kind.replace(' ', '_')} runs={opts.runs} "
          f"median_ms={med(times):.2f} p90_ms={percentile(times, 0.9):.2f} "
          f"rss_first_kb={med(rss_first):.0f} rss_idle_kb={med(rss_idle):.0f} "
          f"rss_anon_kb={med(anon_idle):.0f} pss_kb={med(pss_idle):.0f}")


if __name__ == "__main__":
    sys.exit(main())
