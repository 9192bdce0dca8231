"""Consumer groups with kafkajs 2.2.4, each member its own node process
(node/groups_kafkajs.js), orchestrated from here so the broker can restart underneath:

1. three members on a 12-partition topic: the assignments of their latest GROUP_JOIN
   events cover every partition exactly once, and every record is committed once;
2. one member disconnects: the other two own all partitions within the session timeout;
3. every member stops, a new member starts: it resumes at the committed offsets (no
   committed record re-delivered, nothing skipped);
4. with three members running, the broker restarts (SIGTERM): the members rejoin, cover
   every partition once again, and consume only the records produced after the restart;
   then the same hand-over and resume checks as in 2 and 3.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, TestSkipped, check, log, main  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")
SCRIPT = os.path.join(NODE_DIR, "groups_kafkajs.js")
TOPIC = "groups-kafkajs"
GROUP = "g-kafkajs"
PARTITIONS = 12
PER_PARTITION = 20
SESSION_TIMEOUT_MS = 6000

# Every committed record any member printed, in arrival order: (member, partition, offset,
# value). A value in here twice was committed twice, i.e. delivered again after its commit.
RECORDS = []
RECORDS_LOCK = threading.Lock()


class Member:
    """One kafkajs member process; its JSON events are collected by a reader thread."""

    def __init__(self, bootstrap, name):
        self.name = name
        self.proc = subprocess.Popen(
            ["node", SCRIPT, "member", bootstrap, GROUP, TOPIC, name, str(SESSION_TIMEOUT_MS)],
            cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        self.joins = []      # (monotonic time, event)
        self.records = []    # (partition, offset, value), all committed
        self.crashes = []
        self.stopped = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                if ev["ev"] == "join":
                    self.joins.append((time.monotonic(), ev))
                elif ev["ev"] == "rec":
                    self.records.append((ev["p"], ev["o"], ev["v"]))
                    with RECORDS_LOCK:
                        RECORDS.append((self.name, ev["p"], ev["o"], ev["v"]))
                elif ev["ev"] in ("crash", "fatal"):
                    self.crashes.append(ev)
                elif ev["ev"] == "stopped":
                    self.stopped.set()

    def assignment(self):
        with self.lock:
            return self.joins[-1][1]["assignment"] if self.joins else None

    def join_count(self):
        with self.lock:
            return len(self.joins)

    def stop(self, timeout=20):
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        if not self.stopped.wait(timeout):
            raise TestFailure(f"{self.name} did not disconnect within {timeout}s")
        self.proc.wait(timeout)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def produce(bootstrap, tag):
    res = subprocess.run(["node", SCRIPT, "produce", bootstrap, TOPIC, str(PARTITIONS),
                          str(PER_PARTITION), tag], cwd=NODE_DIR, capture_output=True,
                         text=True, timeout=60)
    check(res.returncode == 0, f"producer failed: {res.stdout} {res.stderr}")
    return {f"{tag}-{p}-{i}" for p in range(PARTITIONS) for i in range(PER_PARTITION)}


def wait_until(predicate, timeout, what, members):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.02)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}: " + describe(members) +
                      "; crashes: " + str([c for m in members for c in m.crashes]))


def describe(members):
    return ", ".join(f"{m.name}={m.assignment()}" for m in members)


def exact_cover(members, min_joins=None):
    """True when the members' latest assignments own every partition exactly once (and
    each member has joined at least min_joins[name] times)."""
    def pred():
        if min_joins and any(m.join_count() < min_joins[m.name] for m in members):
            return False
        owned = []
        for m in members:
            a = m.assignment()
            if not a:
                return False
            owned += a
        return sorted(owned) == list(range(PARTITIONS))
    return pred


def mark():
    with RECORDS_LOCK:
        return len(RECORDS)


def consumed_exactly(want, since, timeout, what, members):
    """Waits until every value in `want` was committed; checks that no value was ever
    committed twice and that nothing outside `want` arrived since `since` (that would be
    a committed record delivered again)."""
    def new_values():
        with RECORDS_LOCK:
            return [r[3] for r in RECORDS[since:]]
    wait_until(lambda: want <= set(new_values()), timeout,
               f"{what}: all {len(want)} records committed", members)
    time.sleep(0.5)  # anything delivered twice would show up now
    with RECORDS_LOCK:
        values = [r[3] for r in RECORDS]
    dupes = len(values) - len(set(values))
    check(dupes == 0, f"{what}: {dupes} records committed twice")
    stray = set(new_values()) - want
    check(not stray, f"{what}: {len(stray)} records from before were delivered again, e.g. "
          f"{sorted(stray)[:3]}")
    log(f"{what}: all {len(want)} records committed exactly once, none re-delivered")


def run(factory, args):
    if shutil.which("node") is None:
        raise TestSkipped("node is not installed")
    if not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        raise TestSkipped("kafkajs not installed: run `npm ci` in tests/integration/node")
    members = []
    try:
        with factory(overrides={"group.initial.rebalance.delay.ms": "300"}) as broker:
            phase(broker, members, "before restart")
            # Counted before the restart: each member must join again after it.
            rejoin = {m.name: m.join_count() + 1 for m in members}
            broker.restart()
            phase(broker, members, "after restart", rejoin)
            for m in members:
                m.stop()
    finally:
        for m in members:
            m.kill()


def phase(broker, members, label, rejoin=None):
    """Checks exact cover, hand-over on leave and resume by a new member. On the first
    call it starts three members; after the restart it reuses the three left running,
    which must each have joined again (rejoin: the join count to reach per member)."""
    tag = "a" if rejoin is None else "d"
    since = mark()
    if rejoin is None:
        want = produce(broker.bootstrap, tag)
        t0 = time.monotonic()
        members += [Member(broker.bootstrap, f"js{i}") for i in range(3)]
        t = wait_until(exact_cover(members), 60, "3 members to cover 12 partitions", members)
        log(f"[{label}] 3 members own every partition exactly once after {t - t0:.2f}s: "
            f"{describe(members)}")
    else:
        # The members outlived the broker: they must rejoin (a new GROUP_JOIN each) and
        # cover every partition again before consuming what is produced now.
        t0 = time.monotonic()
        t = wait_until(exact_cover(members, rejoin), 60, "the members to rejoin", members)
        log(f"[{label}] all 3 members rejoined {t - t0:.2f}s after the broker was ready and "
            f"own every partition exactly once: {describe(members)}")
        want = produce(broker.bootstrap, tag)
    consumed_exactly(want, since, 60, f"[{label}] 3 members", members)

    leaving = members.pop()
    survivors_joins = {m.name: m.join_count() + 1 for m in members}
    t0 = time.monotonic()
    leaving.stop()
    t = wait_until(exact_cover(members, survivors_joins), SESSION_TIMEOUT_MS / 1000,
                   "the survivors to take over", members)
    log(f"[{label}] {leaving.name} disconnected; {len(members)} survivors own all partitions "
        f"{t - t0:.2f}s later (session timeout {SESSION_TIMEOUT_MS} ms): {describe(members)}")
    since = mark()
    more = produce(broker.bootstrap, chr(ord(tag) + 1))
    consumed_exactly(more, since, 60, f"[{label}] after the hand-over", members)

    for m in members:
        m.stop()
    members.clear()
    since = mark()
    last = produce(broker.bootstrap, chr(ord(tag) + 2))
    fresh = Member(broker.bootstrap, f"js-new-{tag}")
    members.append(fresh)
    wait_until(exact_cover([fresh]), 30, "the new member to own every partition", [fresh])
    consumed_exactly(last, since, 60, f"[{label}] a new member", [fresh])
    with fresh.lock:
        values = {v for _, _, v in fresh.records}
    check(values == last, f"[{label}] the new member got {len(values - last)} old records")
    log(f"[{label}] the new member resumed at the committed offsets")
    # Bring the group back to three members for the restart (or for the final stop).
    members += [Member(broker.bootstrap, f"js{i}-{tag}") for i in range(2)]
    wait_until(exact_cover(members), 60, "3 members to cover 12 partitions again", members)
    log(f"[{label}] 3 members again: {describe(members)}")


if __name__ == "__main__":
    main(run)
