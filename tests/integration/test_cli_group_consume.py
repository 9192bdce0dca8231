"""samsa consume -g GROUP: the console consumer as a member of a classic consumer group.

Checked through other tools: `samsa group describe` (members and their partitions while
they run, committed offsets and lag after), librdkafka in the same group (it reads the
range assignment samsa's leader wrote, and samsa reads its subscription), and the
records each member printed (every one exactly once in total):
  - a run with -n commits what it printed; the next run resumes there, no re-delivery;
  - two concurrent members split the partitions by range and read every record once,
    before and after records are added;
  - a member that exits after -n leaves the group at once: the other gets its
    partitions back within seconds, not after the 45 s session timeout; SIGINT
    commits and leaves too, so the group is Empty right after the process exits;
  - samsa consume as the leader of a group shared with a librdkafka consumer;
  - Ctrl-C while the coordinator holds its JoinGroup (a member that stopped
    heartbeating keeps the rebalance open) ends it at once, not when the rebalance does.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_tool import CliTool  # noqa: E402
from harness import TestFailure, check, log, main, wait_until  # noqa: E402
import clients  # noqa: E402
from clients import create_topic, require_confluent  # noqa: E402

PARTITIONS = 4


class Cli(CliTool):
    default_timeout = 60

    def produce(self, topic, per_partition, tag):
        """`per_partition` records to each partition; returns their values."""
        values = []
        for p in range(PARTITIONS):
            lines = [f"{tag}-{p}-{i}" for i in range(per_partition)]
            self.run("produce", topic, "-p", str(p), stdin="".join(l + "\n" for l in lines).encode())
            values += lines
        return values

    def describe(self, group, absent_ok=False):
        """The group's description. With `absent_ok` (polling for a member that is still
        starting), a group nobody has joined yet reads as an empty Dead group."""
        res = self.run("group describe", group, "--format", "json", expect=None)
        if res.returncode != 0:
            if absent_ok and b"GROUP_ID_NOT_FOUND" in res.stderr:
                return {"state": "Dead", "members": []}
            raise TestFailure(f"group describe {group} exited {res.returncode}; "
                              f"stderr: {res.stderr.decode(errors='replace').strip()}")
        return json.loads(res.stdout)["groups"][0]


def records(output):
    """--print '%p %o %v' lines as (partition, offset, value)."""
    out = []
    for line in output.splitlines():
        p, o, v = line.split(" ", 2)
        out.append((int(p), int(o), v))
    return out


class Member:
    """A `samsa consume -g` process whose printed records are collected as they come."""

    def __init__(self, cli, topic, group, *args):
        self.cmd = cli.cmd("consume", topic, "-g", group, "--print", "%p %o %v\\n", *args)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.got = []
        self.stderr = b""
        self._out = threading.Thread(target=self._read, daemon=True)
        self._out.start()
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._err.start()

    def _read(self):
        for line in self.proc.stdout:
            self.got += records(line.decode())

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def stop(self, sig=signal.SIGINT, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=20):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"{' '.join(self.cmd)} did not exit within {timeout}s")
        self._out.join(5)
        self._err.join(5)
        check(code == 0, f"{' '.join(self.cmd)} exited {code}: "
                         f"{self.stderr.decode(errors='replace')[-1500:]}")
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def members_by_id(d):
    return {m["member_id"]: sorted(a["partition"] for a in m["assignment"]) for m in d["members"]}


def stable_with(cli, group, count):
    """Polls describe until the group is Stable with `count` members that hold every
    partition between them; returns the description."""
    seen = {}

    def ready():
        d = cli.describe(group, absent_ok=True)
        seen["d"] = d
        owned = sorted(p for ps in members_by_id(d).values() for p in ps)
        return (d["state"] == "Stable" and len(d["members"]) == count and
                owned == list(range(PARTITIONS)))
    wait_until(ready, 30, f"group {group} Stable with {count} members (last: {seen.get('d')})",
               interval=0.1)
    return seen["d"]


def check_exactly_once(got, values, what):
    printed = [v for _, _, v in got]
    dups = {v for v in printed if printed.count(v) > 1}
    check(not dups, f"{what}: printed twice: {sorted(dups)[:10]}")
    check(sorted(printed) == sorted(values),
          f"{what}: {len(printed)} records printed, {len(values)} expected; missing "
          f"{sorted(set(values) - set(printed))[:10]}, unexpected {sorted(set(printed) - set(values))[:10]}")


def check_commit_and_resume(cli, bootstrap):
    topic, group = "gc-resume", "gc-resume-group"
    create_topic(bootstrap, topic, PARTITIONS)
    values = cli.produce(topic, 10, "a")
    t0 = time.monotonic()
    first = records(cli.run("consume", topic, "-g", group, "-o", "start", "-n", "15",
                            "--print", "%p %o %v\\n").stdout.decode())
    check(len(first) == 15, f"-n 15 printed {len(first)} records")
    d = cli.describe(group)
    check(d["state"] == "Empty" and d["members"] == [], f"after -n the group is left: {d}")
    committed = {r["partition"]: r["current_offset"] for r in d["partitions"]}
    printed_per_partition = {p: sum(1 for q, _, _ in first if q == p) for p in range(PARTITIONS)}
    check(committed == printed_per_partition,
          f"committed {committed}, but printed per partition {printed_per_partition}")
    check(d["total_lag"] == 25, f"lag after 15 of 40: {d['total_lag']}")

    # The default -o with a group is end, but every partition has a committed offset.
    second = records(cli.run("consume", topic, "-g", group, "-e", "--print", "%p %o %v\\n")
                     .stdout.decode())
    check_exactly_once(first + second, values, "two runs of one group")
    third = cli.run("consume", topic, "-g", group, "-e").stdout
    check(third == b"", f"a third run re-delivered: {third[:200]!r}")
    d = cli.describe(group)
    check(d["total_lag"] == 0 and all(r["current_offset"] == 10 for r in d["partitions"]),
          f"after the rerun: {d}")
    text = cli.run("group describe", group).stdout.decode()
    check("TOTAL-LAG    0" in text and "Empty" in text, f"text describe:\n{text}")

    # A new group without -o starts at the end, as auto.offset.reset=latest: nothing old.
    fresh = cli.run("consume", topic, "-g", "gc-resume-latest", "-e").stdout
    check(fresh == b"", f"a new group without -o printed old records: {fresh[:200]!r}")
    d = cli.describe("gc-resume-latest")
    check(all(r["current_offset"] == 10 for r in d["partitions"]) and len(d["partitions"]) == 4,
          f"the new group committed its start positions: {d}")
    log(f"resume: -n 15 committed per partition {committed}, the rerun printed the other "
        f"{len(second)} and a third nothing; a new group starts at the end "
        f"({time.monotonic() - t0:.1f}s)")


def check_two_members_split(cli, bootstrap):
    topic, group = "gc-split", "gc-split-group"
    create_topic(bootstrap, topic, PARTITIONS)
    values = cli.produce(topic, 10, "a")
    a = Member(cli, topic, group, "-o", "start")
    b = Member(cli, topic, group, "-o", "start")
    try:
        d = stable_with(cli, group, 2)
        owners = members_by_id(d)
        split = sorted(owners.values())
        check(split == [[0, 1], [2, 3]], f"range split of 4 partitions over 2 members: {owners}")
        check(all(m["client_id"] == "samsa-cli" for m in d["members"]), f"client ids: {d}")
        text = cli.run("group describe", group).stdout.decode()
        check("MEMBER-ID" in text and "samsa-cli" in text and "consumer (range)" in text,
              f"text describe of the running group:\n{text}")

        wait_until(lambda: len(a.got) + len(b.got) >= len(values), 30,
                   "the two members to print the first 40 records")
        more = cli.produce(topic, 5, "b")
        wait_until(lambda: len(a.got) + len(b.got) >= len(values) + len(more), 30,
                   "the two members to print the 20 records added")
        # The records added after the split came to the member owning their partition.
        # (Which member printed the first 40 depends on who joined first: one may have
        # read them all before the other joined.)
        later = [{p for p, _, v in m.got if v.startswith("b-")} for m in (a, b)]
        check(sorted(map(sorted, later)) == [[0, 1], [2, 3]],
              f"the members printed the later records of partitions {later}")
    finally:
        for m in (a, b):
            if m.proc.poll() is None:
                m.proc.send_signal(signal.SIGINT)
        a.wait()
        b.wait()
    check_exactly_once(a.got + b.got, values + more, "two concurrent members")
    d = cli.describe(group)
    check(d["state"] == "Empty" and d["total_lag"] == 0 and
          all(r["current_offset"] == 15 for r in d["partitions"]),
          f"after SIGINT to both, committed 15 each and left: {d}")
    log(f"split: two members took partitions {split}, printed {len(a.got)} + {len(b.got)} "
        f"records, each once; SIGINT committed and left")


def check_leave_hands_over(cli, bootstrap):
    topic, group = "gc-leave", "gc-leave-group"
    create_topic(bootstrap, topic, PARTITIONS)
    a = Member(cli, topic, group)
    b = None
    try:
        stable_with(cli, group, 1)
        b = Member(cli, topic, group, "-n", "2")
        stable_with(cli, group, 2)
        values = cli.produce(topic, 5, "c")
        b.wait(30)
        t_exit = time.monotonic()
        check(len(b.got) == 2, f"-n 2 printed {len(b.got)}")
        b_parts = {p for p, _, _ in b.got}
        # a gets every partition back: the member left, the group did not wait for the
        # session timeout (45 s).
        stable_with(cli, group, 1)
        handover = time.monotonic() - t_exit
        check(handover < 10, f"the hand-over took {handover:.1f}s")
        wait_until(lambda: len(a.got) + len(b.got) >= len(values), 30,
                   "the remaining member to print the rest")
        a.stop()
        t_stop = time.monotonic()
        d = cli.describe(group)
        check(d["state"] == "Empty" and d["members"] == [],
              f"right after SIGINT the group is Empty: {d}")
    finally:
        a.kill()
        if b is not None:
            b.kill()
    check_exactly_once(a.got + b.got, values, "a member leaving after -n")
    check(d["total_lag"] == 0, f"everything committed: {d}")
    log(f"leave: the -n 2 member (partitions {sorted(b_parts)}) left, the other had every "
        f"partition back {handover:.1f}s later; Empty {time.monotonic() - t_stop:.2f}s after "
        "SIGINT")


def check_mixed_with_librdkafka(cli, bootstrap):
    """samsa consume leads (it joined first) and assigns a librdkafka member its range."""
    topic, group = "gc-mixed", "gc-mixed-group"
    create_topic(bootstrap, topic, PARTITIONS)
    a = Member(cli, topic, group, "-o", "start")
    rdk = None
    got_rdk = []
    try:
        stable_with(cli, group, 1)
        rdk = clients.Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                                "client.id": "rdk-member", "auto.offset.reset": "earliest",
                                "partition.assignment.strategy": "range",
                                "enable.auto.commit": True, "auto.commit.interval.ms": 500})
        rdk.subscribe([topic])
        seen = {}

        def rdk_assigned():
            m = rdk.poll(0.1)
            if m is not None and not m.error():
                got_rdk.append((m.partition(), m.offset(), m.value().decode()))
            d = cli.describe(group)
            seen["d"] = d
            by_client = {m["client_id"]: sorted(x["partition"] for x in m["assignment"])
                         for m in d["members"]}
            return (d["state"] == "Stable" and by_client.get("rdk-member") and
                    by_client.get("samsa-cli") and rdk.assignment())
        wait_until(rdk_assigned, 30, f"librdkafka to get partitions ({seen.get('d')})")
        d = seen["d"]
        leader_parts = {m["client_id"]: sorted(x["partition"] for x in m["assignment"])
                        for m in d["members"]}
        check(sorted(leader_parts.values()) == [[0, 1], [2, 3]], f"range split: {leader_parts}")
        rdk_own = sorted(tp.partition for tp in rdk.assignment())
        check(rdk_own == leader_parts["rdk-member"],
              f"librdkafka's own view {rdk_own} vs describe {leader_parts}")
        values = cli.produce(topic, 5, "d")
        deadline = time.monotonic() + 30
        while len(got_rdk) + len(a.got) < len(values) and time.monotonic() < deadline:
            m = rdk.poll(0.1)
            if m is not None and not m.error():
                got_rdk.append((m.partition(), m.offset(), m.value().decode()))
        check({p for p, _, _ in got_rdk} <= set(leader_parts["rdk-member"]),
              f"librdkafka read partitions {[p for p, _, _ in got_rdk]}")
        check({p for p, _, _ in a.got} <= set(leader_parts["samsa-cli"]),
              f"samsa read partitions {[p for p, _, _ in a.got]}")
        rdk.close()
        rdk = None
        a.stop()
    finally:
        if rdk is not None:
            rdk.close()
        a.kill()
    check_exactly_once(a.got + got_rdk, values, "samsa and librdkafka in one group")
    log(f"mixed: samsa consume assigned {leader_parts['rdk-member']} to librdkafka and kept "
        f"{leader_parts['samsa-cli']}; {len(a.got)} + {len(got_rdk)} records, each once")


def kstring(text):
    data = text.encode()
    return struct.pack(">h", len(data)) + data


class RawMember:
    """A classic group member written by hand (JoinGroup v5, SyncGroup v3): it joins,
    takes an empty assignment and then never heartbeats, so a rebalance waits for it
    until its session times out."""

    def __init__(self, bootstrap, group, topic, session_ms):
        host, port = bootstrap.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.group = group
        self.correlation = 0
        subscription = struct.pack(">hi", 0, 1) + kstring(topic) + struct.pack(">i", -1)
        member_id = ""
        for _ in range(2):  # the first answer is MEMBER_ID_REQUIRED with our id
            body = (kstring(group) + struct.pack(">ii", session_ms, session_ms) +
                    kstring(member_id) + struct.pack(">h", -1) + kstring("consumer") +
                    struct.pack(">i", 1) + kstring("range") +
                    struct.pack(">i", len(subscription)) + subscription)
            data = self.call(11, 5, body)
            error, generation = struct.unpack_from(">hi", data, 4)
            pos = 10
            for _ in range(3):  # protocol name, leader, member id
                n = struct.unpack_from(">h", data, pos)[0]
                value = data[pos + 2:pos + 2 + n].decode()
                pos += 2 + n
            member_id = value
            if error == 0:
                break
            check(error == 79, f"raw JoinGroup error {error}")
        assignment = struct.pack(">hi", 0, 0) + struct.pack(">i", -1)
        body = (kstring(group) + struct.pack(">i", generation) + kstring(member_id) +
                struct.pack(">h", -1) + struct.pack(">i", 1) + kstring(member_id) +
                struct.pack(">i", len(assignment)) + assignment)
        data = self.call(14, 3, body)
        check(struct.unpack_from(">h", data, 4)[0] == 0, "raw SyncGroup failed")
        self.member_id = member_id

    def call(self, key, version, body):
        self.correlation += 1
        header = struct.pack(">hhi", key, version, self.correlation) + kstring("raw-member")
        frame = header + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self.sock.recv(4, socket.MSG_WAITALL))[0]
        data = self.sock.recv(size, socket.MSG_WAITALL)
        check(struct.unpack_from(">i", data, 0)[0] == self.correlation, "correlation id")
        return data[4:]

    def close(self):
        self.sock.close()


def check_interrupt_while_joining(cli, bootstrap):
    topic, group = "gc-held", "gc-held-group"
    create_topic(bootstrap, topic, 2)
    raw = RawMember(bootstrap, group, topic, session_ms=30000)
    try:
        d = cli.describe(group)
        check(d["state"] == "Stable" and len(d["members"]) == 1, f"the raw member: {d}")
        m = Member(cli, topic, group)
        # The raw member does not rejoin: the coordinator holds samsa's JoinGroup.
        wait_until(lambda: cli.describe(group)["state"] == "PreparingRebalance", 20,
                   "the rebalance that samsa's join opened")
        t0 = time.monotonic()
        m.stop(signal.SIGINT, timeout=10)
        took = time.monotonic() - t0
        check(took < 3, f"SIGINT during JoinGroup took {took:.1f}s to end samsa consume")
        d = cli.describe(group)
        check(all(x["client_id"] != "samsa-cli" for x in d["members"]),
              f"samsa consume left the group it was joining: {d}")
    finally:
        raw.close()
    log(f"interrupt: SIGINT ended a JoinGroup the coordinator held in {took:.2f}s, exit 0, "
        "and the member left")


def check_usage(cli, bootstrap):
    res = cli.run("consume", "gc-resume", "-g", "x", "-p", "0", expect=2)
    check(b"excludes" in res.stderr, f"-g with -p: {res.stderr!r}")
    res = cli.run("consume", "no-such-topic", "-g", "x", "-e", expect=1)
    check(b"UNKNOWN_TOPIC_OR_PARTITION" in res.stderr, f"missing topic: {res.stderr!r}")


def run(broker_factory, args):
    require_confluent()
    with broker_factory(overrides={"auto.create.topics.enable": "false"}) as broker:
        cli = Cli(os.path.abspath(args.samsa), broker.bootstrap)
        check_commit_and_resume(cli, broker.bootstrap)
        check_two_members_split(cli, broker.bootstrap)
        check_leave_hands_over(cli, broker.bootstrap)
        check_mixed_with_librdkafka(cli, broker.bootstrap)
        check_interrupt_while_joining(cli, broker.bootstrap)
        check_usage(cli, broker.bootstrap)


if __name__ == "__main__":
    main(run)
