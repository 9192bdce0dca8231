#!/usr/bin/env python3
"""What a test pays for a fresh samsa: `samsa serve --ephemeral --print-ready` spawned,
its ready line read, one record produced (idempotent, acks=all) and consumed back
(assign, no group) with librdkafka (Debian's python3-confluent-kafka), then SIGTERM
until the process is gone with its data directory. For RUNS brokers one after another,
then the same number PARALLEL at a time (each in its own thread), as test classes would.

    /usr/bin/python3 bench/ephemeral.py [--samsa build-bench/samsa] [--runs 20] [--parallel 4]

Prints medians and maxima (ms) of: spawn -> ready line, ready -> record consumed,
SIGTERM -> exit, the whole; and the broker's RSS once the record went through (MB).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one(binary, root):
    t0 = time.monotonic()
    proc = subprocess.Popen([binary, "serve", "--ephemeral", "--print-ready"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, TMPDIR=root))
    info = json.loads(proc.stdout.readline())
    t_ready = time.monotonic()
    bootstrap = info["bootstrap_servers"]
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 0})
    producer.produce("first", key=b"k", value=b"v")
    if producer.flush(30) != 0:
        raise RuntimeError("record not delivered")
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 10})
    consumer.assign([TopicPartition("first", 0, 0)])
    msg = None
    deadline = time.monotonic() + 30
    while msg is None or msg.error():
        if time.monotonic() > deadline:
            raise RuntimeError("record not consumed")
        msg = consumer.poll(0.05)
    t_consumed = time.monotonic()
    rss = rss_mb(proc.pid)
    consumer.close()
    proc.terminate()
    proc.wait()
    proc.stdout.close()
    t_end = time.monotonic()
    if os.path.exists(info["data_dir"]):
        raise RuntimeError(f"{info['data_dir']} left behind")
    return {"ready": (t_ready - t0) * 1000, "first record": (t_consumed - t_ready) * 1000,
            "stop": (t_end - t_consumed) * 1000, "whole": (t_end - t0) * 1000, "rss": rss}


def summary(label, results, wall):
    print(f"{label}: {len(results)} brokers in {wall:.2f} s")
    for key in ("ready", "first record", "stop", "whole"):
        values = [r[key] for r in results]
        print(f"  {key:13s} median {statistics.median(values):7.1f} ms   max {max(values):7.1f} ms")
    print(f"  RSS after the first record: median {statistics.median(r['rss'] for r in results):.1f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samsa", default=os.environ.get("SAMSA_BIN", "build-bench/samsa"))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()
    binary = os.path.abspath(args.samsa)
    root = tempfile.mkdtemp(prefix="samsa-ephemeral-bench-")
    try:
        one(binary, root)  # warm the page cache
        t = time.monotonic()
        serial = [one(binary, root) for _ in range(args.runs)]
        summary("one after another", serial, time.monotonic() - t)

        results, lock = [], threading.Lock()
        todo = list(range(args.runs))

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    todo.pop()
                r = one(binary, root)
                with lock:
                    results.append(r)

        t = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(args.parallel)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        summary(f"{args.parallel} at a time", results, time.monotonic() - t)
        left = os.listdir(root)
        if left:
            raise RuntimeError(f"left under {root}: {left}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
