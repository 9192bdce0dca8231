"""samsa produce / samsa consume (the console producer and consumer in the binary).

Checked against other clients: kcat reads what `samsa produce` wrote and writes what
`samsa consume` reads; librdkafka's murmur2_random partitioner (the Java producer's
placement) and an independent murmur2 in this file, itself checked against the vectors of
Kafka's UtilsTest, agree with samsa on where each key goes. Then every codec, exact
content and order per partition, headers, binary data in JSON, the idempotent batches on
disk, a broker restart while producing, -n / -e / -o / --idle-timeout-ms / SIGINT, the
error exit codes, and 100,000 lines through produce and consume with their rates.
"""
import base64
import glob
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_tool import CliTool  # noqa: E402
from harness import TestFailure, TestSkipped, check, log, main  # noqa: E402
from clients import create_topic, require_confluent  # noqa: E402

MASK = 0xFFFFFFFF


def murmur2(data):
    """Kafka's Utils.murmur2, written from its description (signed 32-bit result)."""
    m, r = 0x5BD1E995, 24
    length = len(data)
    h = (0x9747B28C ^ length) & MASK
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & MASK
        k ^= k >> r
        k = (k * m) & MASK
        h = (h * m) & MASK
        h ^= k
    base, rest = length & ~3, length % 4
    if rest == 3:
        h ^= data[base + 2] << 16
    if rest >= 2:
        h ^= data[base + 1] << 8
    if rest >= 1:
        h ^= data[base]
        h = (h * m) & MASK
    h ^= h >> 13
    h = (h * m) & MASK
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key, partitions):
    return (murmur2(key) & 0x7FFFFFFF) % partitions


# From Kafka's clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java.
MURMUR2_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


class Cli(CliTool):
    default_timeout = 30

    def produce(self, topic, lines, *args, **kw):
        return self.run("produce", topic, *args, stdin=b"".join(l + b"\n" for l in lines), **kw)

    def consume_json(self, topic, *args, **kw):
        res = self.run("consume", topic, "--format", "json", *args, **kw)
        return [json.loads(line) for line in res.stdout.decode().splitlines()]


def kcat(args, stdin=None, timeout=60):
    res = subprocess.run(["kcat"] + args, input=stdin, capture_output=True, timeout=timeout)
    if res.returncode != 0:
        raise TestFailure(f"kcat {' '.join(args)} exited {res.returncode}: "
                          f"{res.stderr.decode(errors='replace')[-1500:]}")
    return res


def by_partition(records):
    out = {}
    for r in records:
        out.setdefault(r["partition"], []).append(r)
    for p, rs in out.items():
        offsets = [r["offset"] for r in rs]
        check(offsets == sorted(offsets) and len(set(offsets)) == len(offsets),
              f"partition {p}: offsets not strictly increasing: {offsets[:20]}")
    return out


def check_murmur2_and_placement(cli, bootstrap):
    for data, want in MURMUR2_VECTORS.items():
        check(murmur2(data) == want, f"test's murmur2({data!r}) = {murmur2(data)}, Kafka: {want}")
    from confluent_kafka import Producer
    partitions = 6
    keys = [f"user-{i}".encode() for i in range(40)] + [b"", b"k", b"\xc3\xa9t\xc3\xa9"]
    create_topic(bootstrap, "placement-rdk", partitions)
    create_topic(bootstrap, "placement-samsa", partitions)
    # librdkafka's murmur2_random is its Java-compatible partitioner.
    placed = {}

    def report(err, msg):
        check(err is None, f"librdkafka delivery failed: {err}")
        placed[msg.key()] = msg.partition()
    producer = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random"})
    for k in keys:
        producer.produce("placement-rdk", key=k, value=b"v", on_delivery=report)
    check(producer.flush(30) == 0, "librdkafka did not deliver its records")

    lines = [k + b"=" + b"value-" + str(i).encode() for i, k in enumerate(keys)]
    cli.produce("placement-samsa", lines, "-k", "=")
    got = cli.consume_json("placement-samsa", "-e")
    check(len(got) == len(keys), f"consumed {len(got)} of {len(keys)} keyed records")
    for r in got:
        key = r["key"].encode()
        want = java_partition(key, partitions)
        check(r["partition"] == want,
              f"key {key!r} on partition {r['partition']}, Java's partitioner says {want}")
        check(placed[key] == want,
              f"librdkafka put {key!r} on {placed[key]}, the test's murmur2 says {want}")
    log(f"murmur2: Kafka's vectors match; {len(keys)} keys placed identically by samsa "
        f"produce, librdkafka murmur2_random and the test's murmur2")


def check_keyed_headers_order(cli, bootstrap):
    topic, partitions = "keyed", 4
    create_topic(bootstrap, topic, partitions)
    lines = [f"k{i % 13}|v{i}-é".encode() for i in range(500)]
    lines.append(b"no separator here")
    res = cli.produce(topic, lines, "-k", "|", "-H", "source=cli", "-H", "trace=a=b",
                      "--format", "json")
    summary = json.loads(res.stdout)
    check(summary["records"] == len(lines) and summary["idempotent"] is True,
          f"produce summary {summary}")
    got = cli.consume_json(topic, "-e")
    check(len(got) == len(lines), f"consumed {len(got)} of {len(lines)}")
    parts = by_partition(got)
    expect = {}
    for line in lines:
        if b"|" in line:
            k, v = line.split(b"|", 1)
            expect.setdefault(java_partition(k, partitions), []).append((k.decode(), v.decode()))
    for p, want in expect.items():
        have = [(r["key"], r["value"]) for r in parts.get(p, []) if r["key"] is not None]
        check(have == want, f"partition {p}: order or content differs: {have[:5]} vs {want[:5]}")
    nulls = [r for r in got if r["key"] is None]
    check(len(nulls) == 1 and nulls[0]["value"] == "no separator here",
          f"the line without separator has a null key: {nulls}")
    for r in got:
        check(r["headers"] == [{"key": "source", "value": "cli"}, {"key": "trace", "value": "a=b"}],
              f"headers {r['headers']}")
        check(r["timestamp_type"] == "CreateTime" and abs(r["timestamp"] - time.time() * 1000) < 120000,
              f"timestamp {r['timestamp']} {r['timestamp_type']}")
    # The same records through kcat, which must see the keys, values and headers.
    res = kcat(["-b", cli.bootstrap, "-C", "-t", topic, "-e", "-q", "-f", "%p|%o|%k|%s|%h\n"])
    rows = [l.split("|") for l in res.stdout.decode().splitlines()]
    check(len(rows) == len(lines), f"kcat read {len(rows)} of {len(lines)}")
    for p, want in expect.items():
        have = [(r[2], r[3]) for r in rows if int(r[0]) == p and r[2] != ""]
        check(have == want, f"kcat, partition {p}: {have[:3]} vs {want[:3]}")
    check(all(r[4] == "source=cli,trace=a=b" for r in rows), f"kcat headers {rows[0]}")
    log(f"keyed: {len(lines)} records over {len(parts)} partitions, order and headers exact "
        "(samsa consume and kcat)")


def check_codecs(cli, bootstrap):
    lines = [b"", b"plain", "ünïcødé ✓".encode(), b"tab\there", b"x" * 5000]
    lines += [f"line-{i:05d} ".encode() + b"abc" * (i % 50) for i in range(3000)]
    for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
        topic = f"codec-{codec}"
        create_topic(bootstrap, topic, 2)
        cli.produce(topic, lines, "-z", codec, "-p", "1", "--batch-bytes", "65536")
        res = cli.run("consume", topic, "-e")
        check(res.stdout == b"".join(l + b"\n" for l in lines),
              f"{codec}: samsa consume output differs from the input")
        res = kcat(["-b", cli.bootstrap, "-C", "-t", topic, "-p", "1", "-e", "-q", "-f", "%s\n"])
        check(res.stdout == b"".join(l + b"\n" for l in lines),
              f"{codec}: kcat output differs from the input")
        seg = sorted(glob.glob(os.path.join(cli.data_dir, f"{topic}-1", "*.log")))[0]
        with open(seg, "rb") as f:
            head = f.read(61)
        attrs = struct.unpack(">h", head[21:23])[0]
        codec_id = ["none", "gzip", "snappy", "lz4", "zstd"].index(codec)
        check(attrs & 7 == codec_id, f"{codec}: the batch on disk has codec {attrs & 7}")
    log(f"codecs: {len(lines)} lines each through none/gzip/snappy/lz4/zstd, read back exactly "
        "by samsa consume and kcat")


def check_idempotent_batches(cli, bootstrap):
    topic = "idem"
    create_topic(bootstrap, topic, 1)
    cli.produce(topic, [f"a{i}".encode() for i in range(300)], "--batch-bytes", "1024")
    cli.produce(topic, [b"plain"], "--no-idempotence")
    seg = os.path.join(cli.data_dir, f"{topic}-0", "00000000000000000000.log")
    with open(seg, "rb") as f:
        data = f.read()
    batches, pos = [], 0
    while pos + 61 <= len(data):
        length = struct.unpack(">i", data[pos + 8:pos + 12])[0]
        pid, epoch, seq, count = struct.unpack(">qhii", data[pos + 43:pos + 61])
        batches.append((pid, epoch, seq, count))
        pos += 12 + length
    check(len(batches) >= 3, f"several batches expected with --batch-bytes 1024: {batches}")
    idem, plain = batches[:-1], batches[-1]
    check(all(b[0] >= 0 and b[0] == idem[0][0] for b in idem), f"one producer id: {idem}")
    expected_seq = 0
    for pid, epoch, seq, count in idem:
        check(seq == expected_seq, f"base sequence {seq}, expected {expected_seq}: {idem}")
        expected_seq += count
    check(expected_seq == 300, f"sequences cover {expected_seq} records")
    check(plain[0] == -1 and plain[2] == -1, f"--no-idempotence batch has no producer id: {plain}")
    log(f"idempotence: {len(idem)} batches with producer id {idem[0][0]} and consecutive "
        "sequences; --no-idempotence writes none")


def check_restart_while_producing(cli, broker):
    topic = "restart"
    create_topic(broker.bootstrap, topic, 1)
    proc = subprocess.Popen(cli.cmd("produce", topic, "--format", "json"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = b"".join(f"r{i}\n".encode() for i in range(1000))
        second = b"".join(f"r{i}\n".encode() for i in range(1000, 2000))
        proc.stdin.write(first)
        proc.stdin.flush()
        time.sleep(0.5)  # linger is 5 ms: the first half is sent before the restart
        broker.restart()
        out, err = proc.communicate(input=second, timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check(proc.returncode == 0, f"produce across a restart exited {proc.returncode}: {err[-1500:]}")
    # The connection to the old broker process broke: the second half needed a retry.
    check(b"retrying" in err, f"no retry reported on stderr: {err[-1500:]!r}")
    summary = json.loads(out)
    res = cli.run("consume", topic, "-e")
    got = res.stdout.decode().splitlines()
    want = [f"r{i}" for i in range(2000)]
    check(got == want, f"after a restart: {len(got)} records, first differences "
                       f"{[(a, b) for a, b in zip(got, want) if a != b][:3]}")
    log(f"restart: 2000 lines written once each and in order across a broker restart "
        f"({summary['batches']} batches)")


def check_kcat_to_samsa(cli, bootstrap):
    topic = "from-kcat"
    create_topic(bootstrap, topic, 2)
    lines = [b"alpha:one", b"beta:two", b"gamma:\xff\xfe binary \x00", b"delta:"]
    kcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-K", ":", "-z", "snappy",
          "-H", "h1=x", "-H", "bin=\xe9"], stdin=b"\n".join(lines) + b"\n")
    got = cli.consume_json(topic, "-e")
    check(len(got) == 4, f"{len(got)} records from kcat")
    check([r["key"] for r in got] == ["alpha", "beta", "gamma", "delta"], f"keys {got}")
    check(got[0]["value"] == "one" and "value_encoding" not in got[0], f"{got[0]}")
    check(got[2].get("value_encoding") == "base64" and
          base64.b64decode(got[2]["value"]) == b"\xff\xfe binary \x00",
          f"binary value: {got[2]}")
    check(got[3]["value"] == "", f"empty value: {got[3]}")
    check(got[0]["headers"][0] == {"key": "h1", "value": "x"}, f"headers {got[0]['headers']}")
    res = cli.run("consume", topic, "-e", "-K", "--print-offset", "--print-partition",
                  "--print-headers", "--key-separator", " | ")
    first = res.stdout.split(b"\n")[0].decode()
    check(first == "Partition:0 | Offset:0 | h1:x,bin:é | alpha | one", f"text line {first!r}")
    res = cli.run("consume", topic, "-e", "--print", "%p/%o %k=%v (%K,%V)\\n")
    check(res.stdout.split(b"\n")[1] == b"0/1 beta=two (4,3)", f"template {res.stdout[:80]!r}")
    log("kcat -> samsa consume: keys, headers, snappy, binary as base64 in JSON, text layouts")


def check_offsets_and_exits(cli, broker):
    topic = "offsets"
    create_topic(broker.bootstrap, topic, 2)
    cli.produce(topic, [f"a{i}".encode() for i in range(20)], "-p", "0")
    time.sleep(0.05)
    mark = int(time.time() * 1000)
    time.sleep(0.05)
    cli.produce(topic, [f"b{i}".encode() for i in range(10)], "-p", "0")
    cli.produce(topic, [f"c{i}".encode() for i in range(5)], "-p", "1")

    def values(*args):
        return cli.run("consume", topic, *args).stdout.decode().splitlines()

    check(values("-e", "-p", "0", "-o", "25") == [f"b{i}" for i in range(5, 10)], "-o 25")
    last3 = values("-e", "-o", "-3", "--print", "%p:%o:%v\\n")
    check(sorted(last3) == ["0:27:b7", "0:28:b8", "0:29:b9", "1:2:c2", "1:3:c3", "1:4:c4"],
          f"-o -3: {last3}")
    check(values("-e", "-o", "end") == [], "-o end -e prints nothing")
    check(values("-e", "-p", "0", "-o", f"@{mark}") == [f"b{i}" for i in range(10)], "-o @ts")
    check(values("-e", "-p", "1", "-o", "@99999999999999") == [], "-o @future")
    check(len(values("-n", "7")) == 7, "-n 7 prints 7 records and exits (no -e)")
    check(values("-e", "-p", "0", "-n", "2", "-o", "start") == ["a0", "a1"], "-n with -o start")
    check(len(values("-e", "-p", "0,1")) == 35, "-p 0,1")
    t0 = time.monotonic()
    check(len(values("-o", "end", "--idle-timeout-ms", "400")) == 0, "idle timeout")
    check(time.monotonic() - t0 < 5, "idle timeout took too long")

    res = cli.run("consume", topic, "-p", "0", "-o", "999", expect=1)
    check(b"OFFSET_OUT_OF_RANGE" in res.stderr and b"0 to 30" in res.stderr,
          f"out of range: {res.stderr!r}")
    res = cli.run("consume", "no-such-topic", "-e", expect=1)
    check(b"UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, f"missing topic: {res.stderr!r}")
    res = cli.run("consume", topic, "-p", "9", "-e", expect=1)
    check(b"UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, f"missing partition: {res.stderr!r}")
    res = cli.run("produce", "no-such-topic", stdin=b"x\n", expect=1)
    check(b"UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, f"produce to missing: {res.stderr!r}")
    cli.run("consume", topic, "-o", "soon", expect=2)
    cli.run("consume", topic, "--print", "%q", "-e", expect=2)
    cli.run("produce", topic, "-H", "novalue", stdin=b"x\n", expect=2)
    cli.run("produce", topic, "-z", "brotli", stdin=b"x\n", expect=2)
    dead = Cli(cli.samsa, "127.0.0.1:1")
    dead.run("consume", topic, "-e", "--timeout-ms", "2000", expect=3)
    dead.run("produce", topic, "--timeout-ms", "2000", stdin=b"x\n", expect=3)

    # Following: records produced later appear; SIGINT ends it with exit 0.
    proc = subprocess.Popen(cli.cmd("consume", topic, "-p", "1", "-o", "end"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        cli.produce(topic, [b"late-1", b"late-2"], "-p", "1")
        line1 = proc.stdout.readline()
        line2 = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    check((line1, line2) == (b"late-1\n", b"late-2\n"), f"followed {line1!r} {line2!r}")
    check(proc.returncode == 0, f"SIGINT exit code {proc.returncode}: {err!r}")
    check(b"Processed a total of 2 messages" in err, f"summary {err!r}")
    log("offsets: N, -N, end, @timestamp, -n, -e, -p lists, idle timeout, follow + SIGINT, "
        "exit codes 1/2/3")


def check_throughput(cli, bootstrap):
    topic, n = "bulk", 100_000
    create_topic(bootstrap, topic, 3)
    payload = b"".join(f"{i:08d} some payload text for the record".encode() + b"\n"
                       for i in range(n))
    t0 = time.monotonic()
    res = cli.run("produce", topic, "--format", "json", stdin=payload, timeout=60)
    produce_s = time.monotonic() - t0
    summary = json.loads(res.stdout)
    check(summary["records"] == n, f"summary {summary}")
    t0 = time.monotonic()
    res = cli.run("consume", topic, "-e", timeout=60)
    consume_s = time.monotonic() - t0
    got = res.stdout.split(b"\n")[:-1]
    check(len(got) == n and sorted(got) == payload.split(b"\n")[:-1],
          f"consumed {len(got)} of {n} lines, or different ones")
    parts = [p["partition"] for p in summary["partitions"]]
    check(len(parts) == 3, f"null keys spread over all partitions: {summary['partitions']}")
    log(f"throughput: produce {n} lines in {produce_s:.2f}s = {n / produce_s:,.0f} lines/s "
        f"({summary['batches']} batches, tool's own count {summary['records_per_second']:,}/s); "
        f"consume in {consume_s:.2f}s = {n / consume_s:,.0f} lines/s")


def run(broker_factory, args):
    require_confluent()
    if shutil.which("kcat") is None:
        raise TestSkipped("kcat is not installed")
    with broker_factory(overrides={"auto.create.topics.enable": "false"}) as broker:
        cli = Cli(os.path.abspath(args.samsa), broker.bootstrap)
        cli.data_dir = broker.data_dir
        check_murmur2_and_placement(cli, broker.bootstrap)
        check_keyed_headers_order(cli, broker.bootstrap)
        check_codecs(cli, broker.bootstrap)
        check_idempotent_batches(cli, broker.bootstrap)
        check_kcat_to_samsa(cli, broker.bootstrap)
        check_offsets_and_exits(cli, broker)
        check_throughput(cli, broker.bootstrap)
        check_restart_while_producing(cli, broker)


if __name__ == "__main__":
    main(run)
