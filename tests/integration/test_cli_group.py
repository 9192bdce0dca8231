"""samsa group (list, describe, reset-offsets, delete, delete-offsets) against a real
consumer group made by confluent-kafka (librdkafka): the CLI's numbers are checked
against what the consumer committed and read, and every change the CLI makes is
verified through the client (OffsetFetch via Consumer.committed, a consumer resuming).
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, main  # noqa: E402
import clients  # noqa: E402
from clients import create_topic, flush, require_confluent  # noqa: E402

TOPIC = "cli-orders"
PARTITIONS = 3
GROUP = "g-cli"
GROUP_848 = "g-cli-848"


class Cli:
    def __init__(self, binary, bootstrap):
        self.binary = binary
        self.bootstrap = bootstrap

    def run(self, *args, want=0):
        cmd = [self.binary, "group", *args, "-b", self.bootstrap, "--timeout-ms", "5000"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        check(p.returncode == want,
              f"{' '.join(args)}: exit {p.returncode}, expected {want}\n"
              f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def json(self, *args, want=0):
        p = self.run(*args, "--format", "json", want=want)
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise TestFailure(f"{' '.join(args)}: output is not JSON ({e}): {p.stdout!r}")


def produce(bootstrap, per_partition, tag):
    producer = clients.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for p in range(PARTITIONS):
        for i in range(per_partition):
            producer.produce(TOPIC, value=f"{tag}-{p}-{i}".encode(), partition=p)
    flush(producer, 30)


def member(bootstrap, name):
    c = clients.Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "client.id": name,
                          "enable.auto.commit": False, "auto.offset.reset": "earliest",
                          "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    c.subscribe([TOPIC])
    return c


def consume(consumer, count, timeout=30, commit=True):
    """Polls until `count` records arrived; returns [(partition, offset)]."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        m = consumer.poll(0.1)
        if m is None or m.error():
            continue
        got.append((m.partition(), m.offset()))
        if commit:
            consumer.commit(message=m, asynchronous=False)
    check(len(got) == count, f"consumed {len(got)} of {count} records")
    return got


def committed(bootstrap, group=GROUP):
    """The group's committed offsets via OffsetFetch, by a consumer that never joins."""
    c = clients.Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                          "enable.auto.commit": False})
    try:
        got = c.committed([clients.TopicPartition(TOPIC, p) for p in range(PARTITIONS)],
                          timeout=10)
        return {tp.partition: tp.offset for tp in got}
    finally:
        c.close()


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def compact(text):
    """A compact nullable string (None is null)."""
    if text is None:
        return uvarint(0)
    data = text.encode()
    return uvarint(len(data) + 1) + data


def kip848_heartbeat(bootstrap, member_id, epoch, topics):
    """One ConsumerGroupHeartbeat v0 (KIP-848): joins with epoch 0, leaves with -1.
    librdkafka 2.0 cannot speak it, so the request is built here by hand.
    Returns (error_code, member_id)."""
    host, port = bootstrap.split(":")
    body = (compact(GROUP_848) + compact(member_id) + struct.pack(">i", epoch) +
            compact(None) + compact(None) + struct.pack(">i", 30000 if epoch == 0 else -1))
    if topics is None:
        body += uvarint(0) + compact(None) + uvarint(0)  # no subscription, no partitions
    else:
        body += uvarint(len(topics) + 1) + b"".join(compact(t) for t in topics)
        body += compact(None) + uvarint(1)  # server default assignor; owns nothing yet
    body += uvarint(0)
    client_id = b"cli-test"
    header = struct.pack(">hhih", 68, 0, 77, len(client_id)) + client_id + uvarint(0)
    frame = header + body
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
        data = s.recv(size, socket.MSG_WAITALL)
    check(struct.unpack_from(">i", data, 0)[0] == 77, "heartbeat correlation id")
    pos = 5  # correlation id, empty header tagged fields
    pos += 4  # throttle time
    error = struct.unpack_from(">h", data, pos)[0]
    pos += 2

    def read_compact(pos):
        shift, length = 0, 0
        while True:
            b = data[pos]
            pos += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        if length == 0:
            return None, pos
        return data[pos:pos + length - 1].decode(), pos + length - 1

    _, pos = read_compact(pos)  # error message
    member, pos = read_compact(pos)
    return error, member


def by_partition(rows):
    return {r["partition"]: r for r in rows if r["topic"] == TOPIC}


def run(factory, args):
    require_confluent()
    with factory() as broker:
        bs = broker.bootstrap
        cli = Cli(os.path.abspath(args.samsa), bs)
        create_topic(bs, TOPIC, PARTITIONS)
        produce(bs, 10, "a")

        # An active member that consumed and committed everything.
        active = member(bs, "cli-member")
        consume(active, 30)

        listed = {g["group"]: g for g in cli.json("list")["groups"]}
        check(GROUP in listed, f"{GROUP} not in group list: {listed}")
        g = listed[GROUP]
        check(g["state"] == "Stable" and g["type"] == "classic" and
              g["protocol_type"] == "consumer", f"list: {g}")
        check(GROUP in cli.run("list").stdout, "text list misses the group")
        check(GROUP in cli.run("list", "--state", "stable").stdout, "--state stable filters it out")
        check(GROUP not in cli.run("list", "--state", "Empty").stdout, "--state Empty keeps it")
        log(f"list: {g}")

        d = cli.json("describe", GROUP)["groups"][0]
        check(d["state"] == "Stable" and len(d["members"]) == 1, f"describe active: {d}")
        m = d["members"][0]
        check(m["client_id"] == "cli-member", f"member client id: {m}")
        check(sorted(a["partition"] for a in m["assignment"]) == list(range(PARTITIONS)),
              f"member assignment: {m['assignment']}")
        rows = by_partition(d["partitions"])
        check(all(rows[p]["current_offset"] == 10 and rows[p]["log_end_offset"] == 10 and
                  rows[p]["lag"] == 0 and rows[p]["member_id"] == m["member_id"]
                  for p in range(PARTITIONS)), f"describe partitions: {rows}")
        text = cli.run("describe", GROUP).stdout
        check("cli-member" in text and "Stable" in text and "range" in text,
              f"text describe:\n{text}")
        log("describe shows the active member, its partitions, offsets 10 and lag 0")

        # Refusals while the member is active.
        p = cli.run("reset-offsets", GROUP, "--all-topics", "--to-earliest", "--execute", want=1)
        check("inactive" in p.stderr, f"refusal message: {p.stderr}")
        plan = cli.json("reset-offsets", GROUP, "--all-topics", "--to-earliest")
        check(not plan["executed"] and len(plan["partitions"]) == PARTITIONS, f"dry run: {plan}")
        p = cli.run("delete", GROUP, want=1)
        check("NON_EMPTY_GROUP" in p.stderr + p.stdout, f"delete active: {p.stderr}")
        check(committed(bs) == {0: 10, 1: 10, 2: 10}, "refused commands changed offsets")
        log("reset --execute and delete refused while the member is active")

        active.close()  # LeaveGroup: the group becomes Empty
        time.sleep(0.2)
        t_between = int(time.time() * 1000)
        time.sleep(0.2)
        produce(bs, 5, "b")

        d = cli.json("describe", GROUP)["groups"][0]
        rows = by_partition(d["partitions"])
        check(d["state"] == "Empty" and d["members"] == [], f"describe stopped: {d}")
        check(all(rows[p]["current_offset"] == 10 and rows[p]["log_end_offset"] == 15 and
                  rows[p]["lag"] == 5 for p in range(PARTITIONS)), f"lag rows: {rows}")
        check(d["total_lag"] == 15, f"total lag {d['total_lag']}")
        check("TOTAL-LAG    15" in cli.run("describe", GROUP).stdout, "text total lag")
        log("describe of the stopped group: committed 10, log end 15, lag 5 each, total 15")

        # Dry run (the default) changes nothing.
        plan = cli.json("reset-offsets", GROUP, "--topic", TOPIC, "--to-earliest")
        check([(r["partition"], r["current_offset"], r["new_offset"]) for r in plan["partitions"]]
              == [(p, 10, 0) for p in range(PARTITIONS)], f"dry-run plan: {plan}")
        check(committed(bs) == {0: 10, 1: 10, 2: 10}, "the dry run changed offsets")

        # --execute commits: shift two partitions back, clamp one past the end.
        res = cli.json("reset-offsets", GROUP, "--topic", f"{TOPIC}:0,1", "--shift-by", "-3",
                       "--execute")
        check(res["executed"] and [r["new_offset"] for r in res["partitions"]] == [7, 7],
              f"shift-by: {res}")
        cli.run("reset-offsets", GROUP, "--topic", f"{TOPIC}:2", "--to-offset", "100", "--execute")
        check(committed(bs) == {0: 7, 1: 7, 2: 15}, f"after execute: {committed(bs)}")
        log("reset --shift-by -3 and --to-offset 100 (clamped to 15) committed")

        # Time-based targets: between the two batches is offset 10; later is the end.
        plan = cli.json("reset-offsets", GROUP, "--all-topics", "--to-timestamp", str(t_between))
        check([r["new_offset"] for r in plan["partitions"]] == [10, 10, 10], f"by time: {plan}")
        plan = cli.json("reset-offsets", GROUP, "--all-topics", "--to-datetime",
                        "2100-01-01T00:00:00Z")
        check([r["new_offset"] for r in plan["partitions"]] == [15, 15, 15], f"future: {plan}")
        plan = cli.json("reset-offsets", GROUP, "--all-topics", "--to-datetime",
                        "2000-01-01T00:00:00.000+01:00")
        check([r["new_offset"] for r in plan["partitions"]] == [0, 0, 0], f"past: {plan}")

        # Usage errors exit 2 and touch nothing.
        cli.run("reset-offsets", GROUP, "--all-topics", want=2)
        cli.run("reset-offsets", GROUP, "--all-topics", "--to-earliest", "--to-latest", want=2)
        cli.run("reset-offsets", GROUP, "--to-earliest", want=2)
        cli.run("reset-offsets", GROUP, "--all-topics", "--to-datetime", "yesterday", want=2)
        cli.run("reset-offsets", GROUP, "--topic", f"{TOPIC}:9", "--to-earliest", want=1)
        check(committed(bs) == {0: 7, 1: 7, 2: 15}, "usage errors changed offsets")

        # A consumer resumes where --execute put the group.
        cli.run("reset-offsets", GROUP, "--topic", TOPIC, "--to-offset", "12", "--execute")
        resumed = member(bs, "resumer")
        got = consume(resumed, 9)
        firsts = {}
        for part, off in got:
            firsts.setdefault(part, off)
        check(firsts == {0: 12, 1: 12, 2: 12}, f"resumed at {firsts}, expected 12 each")
        resumed.close()
        log("a consumer resumed at offset 12 on every partition after --execute")

        # delete-offsets on a second group that only committed (no membership).
        other = clients.Consumer({"bootstrap.servers": bs, "group.id": "g-cli-other",
                                  "enable.auto.commit": False})
        other.commit(offsets=[clients.TopicPartition(TOPIC, p, 4) for p in range(PARTITIONS)],
                     asynchronous=False)
        other.close()
        check(committed(bs, "g-cli-other") == {0: 4, 1: 4, 2: 4}, "setup of g-cli-other")
        res = cli.json("delete-offsets", "g-cli-other", "--topic", f"{TOPIC}:0,1")
        check([r["error"] for r in res["partitions"]] == [None, None], f"delete-offsets: {res}")
        left = committed(bs, "g-cli-other")
        check(left[0] < 0 and left[1] < 0 and left[2] == 4, f"after delete-offsets: {left}")
        log("delete-offsets removed partitions 0 and 1 only")

        # Describing a missing group fails; the found one is still shown.
        out = cli.json("describe", GROUP, "no-such-group", want=1)
        check(len(out["groups"]) == 1 and out["errors"][0]["error"] == "GROUP_ID_NOT_FOUND",
              f"describe with a missing group: {out}")

        # A KIP-848 consumer group: listed as type consumer, described through
        # ConsumerGroupDescribe, protected from reset and delete while it has a member.
        error, member_id = kip848_heartbeat(bs, "", 0, [TOPIC])
        check(error == 0 and member_id, f"KIP-848 join: error {error}")
        listed = {g["group"]: g for g in cli.json("list", "--type", "consumer")["groups"]}
        check(list(listed) == [GROUP_848] and listed[GROUP_848]["protocol_type"] == "consumer",
              f"list --type consumer: {listed}")
        d = cli.json("describe", GROUP_848)["groups"][0]
        check(d["type"] == "consumer" and d["state"] != "Dead" and len(d["members"]) == 1 and
              d["members"][0]["member_id"] == member_id and
              d["members"][0]["client_id"] == "cli-test", f"describe KIP-848 group: {d}")
        p = cli.run("reset-offsets", GROUP_848, "--topic", TOPIC, "--to-offset", "3",
                    "--execute", want=1)
        check("inactive" in p.stderr, f"KIP-848 reset refusal: {p.stderr}")
        cli.run("delete", GROUP_848, want=1)
        error, _ = kip848_heartbeat(bs, member_id, -1, None)
        check(error == 0, f"KIP-848 leave: error {error}")
        cli.run("reset-offsets", GROUP_848, "--topic", TOPIC, "--to-offset", "3", "--execute")
        check(committed(bs, GROUP_848) == {0: 3, 1: 3, 2: 3}, "KIP-848 group reset")
        d = cli.json("describe", GROUP_848)["groups"][0]
        check(d["type"] == "consumer" and d["state"] == "Empty" and d["total_lag"] == 36,
              f"describe emptied KIP-848 group: {d}")
        cli.run("delete", GROUP_848)
        log(f"KIP-848 group: described with its member ({d['assignor'] or 'no'} assignor), "
            "reset refused then done after it left, deleted")

        res = cli.json("delete", GROUP)
        check(res["groups"] == [{"group": GROUP, "deleted": True, "error": None}],
              f"delete: {res}")
        check(GROUP not in {g["group"] for g in cli.json("list")["groups"]}, "deleted but listed")
        p = cli.run("delete", GROUP, want=1)
        check("GROUP_ID_NOT_FOUND" in p.stderr, f"second delete: {p.stderr}")
        check(committed(bs) == {0: -1001, 1: -1001, 2: -1001}, "offsets survived the delete")
        log("delete: done on the empty group, GROUP_ID_NOT_FOUND the second time")


if __name__ == "__main__":
    main(run)
