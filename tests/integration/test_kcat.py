"""kcat (librdkafka 2.0) against samsa.

  test_kcat.py metadata        -L metadata lists the broker and an auto-created topic
  test_kcat.py CODEC           produces 100,000 keyed records with two headers using
                               compression CODEC (none/gzip/snappy/lz4/zstd) into a
                               3-partition topic, reads them back with -C -e -o beginning,
                               and compares exactly: every record once, offsets 0..n-1 per
                               partition, produce order kept per partition.
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, TestSkipped, check, log, main  # noqa: E402

RECORDS = int(os.environ.get("SAMSA_IT_KCAT_RECORDS", "100000"))
PARTITIONS = 3
HEADERS = [("trace", "abc-123"), ("source", "kcat")]


def kcat(args, stdin=None, timeout=120):
    cmd = ["kcat"] + args
    try:
        res = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        err = (e.stderr or b"").decode(errors="replace")[-2000:]
        raise TestFailure(f"{' '.join(cmd[:8])} ... did not finish in {timeout}s; "
                          f"stderr: {err}")
    if res.returncode != 0:
        raise TestFailure(f"{' '.join(cmd)} exited {res.returncode}: "
                             f"{res.stderr.decode(errors='replace')[-2000:]}")
    return res


def run_metadata(broker):
    topic = "kcat-meta"
    # Producing one record auto-creates the topic (auto.create.topics.enable=true).
    kcat(["-b", broker.bootstrap, "-P", "-t", topic, "-X", "message.timeout.ms=15000"],
         stdin=b"hello\n", timeout=30)
    res = kcat(["-b", broker.bootstrap, "-L", "-J", "-m", "10"], timeout=20)
    meta = json.loads(res.stdout)
    brokers = meta.get("brokers", [])
    check(len(brokers) == 1, f"one broker in metadata, got {brokers}")
    check(brokers[0]["name"] == broker.bootstrap,
          f"advertised {brokers[0]['name']}, expected {broker.bootstrap}")
    topics = {t["topic"]: t for t in meta.get("topics", [])}
    check(topic in topics, f"{topic} listed, got {list(topics)}")
    parts = topics[topic]["partitions"]
    check(len(parts) == PARTITIONS, f"{len(parts)} partitions, expected {PARTITIONS}")
    for p in parts:
        check(p["leader"] == brokers[0]["id"], f"partition {p['partition']} leader {p['leader']}")
    log(f"kcat -L: broker {brokers[0]['id']} at {brokers[0]['name']}, "
        f"{len(topics)} topic(s), {topic} with {len(parts)} partitions")


def run_roundtrip(broker, codec):
    topic = f"kcat-{codec}"
    lines = []
    for i in range(RECORDS):
        value = f"value-{i:07d}-" + "x" * (i % 97)
        lines.append(f"key-{i}\t{value}")
    payload = ("\n".join(lines) + "\n").encode()
    produce = ["-b", broker.bootstrap, "-P", "-t", topic, "-K", "\t", "-z", codec,
               "-X", "linger.ms=20", "-X", "batch.num.messages=5000",
               "-X", "message.timeout.ms=60000"]
    for k, v in HEADERS:
        produce += ["-H", f"{k}={v}"]
    kcat(produce, stdin=payload, timeout=120)
    log(f"kcat -P: sent {RECORDS} records with compression {codec}")

    fmt = "%p\t%o\t%k\t%h\t%s\n"
    res = kcat(["-b", broker.bootstrap, "-C", "-t", topic, "-e", "-o", "beginning", "-q",
                "-f", fmt], timeout=120)
    out = res.stdout.decode().split("\n")
    check(out[-1] == "", "output ends with a newline")
    got = [line.split("\t", 4) for line in out[:-1]]
    check(len(got) == RECORDS, f"read {len(got)} records, produced {RECORDS}")

    want_headers = ",".join(f"{k}={v}" for k, v in HEADERS)
    by_partition = {}
    seen_keys = set()
    for part, offset, key, headers, value in got:
        by_partition.setdefault(int(part), []).append((int(offset), key, value))
        check(headers == want_headers, f"headers {headers!r}, expected {want_headers!r}")
        check(key not in seen_keys, f"key {key} read twice")
        seen_keys.add(key)
        i = int(key[4:])
        check(value == f"value-{i:07d}-" + "x" * (i % 97), f"value for {key}: {value!r}")
    check(len(seen_keys) == RECORDS, "every key read back")
    for part, recs in sorted(by_partition.items()):
        offsets = [r[0] for r in recs]
        check(offsets == list(range(len(recs))),
              f"partition {part}: offsets not 0..{len(recs) - 1} in order")
        seq = [int(r[1][4:]) for r in recs]
        check(seq == sorted(seq), f"partition {part}: produce order not kept")
    counts = {p: len(r) for p, r in sorted(by_partition.items())}
    log(f"kcat -C: {len(got)} records, per partition {counts}; keys, values, headers "
        f"and offsets exact, order kept ({codec})")


def run(factory, args):
    if shutil.which("kcat") is None:
        raise TestSkipped("kcat is not installed (scripts/install-deps.sh installs it)")
    what = args.rest[0] if args.rest else "metadata"
    with factory(overrides={"num.partitions": str(PARTITIONS)}) as broker:
        if what == "metadata":
            run_metadata(broker)
        else:
            run_roundtrip(broker, what)


if __name__ == "__main__":
    main(run)
