"""Consumer groups with confluent-kafka (librdkafka 2.0.2): three members share a
12-partition topic (every partition owned exactly once), one leaves and the others take
its partitions over, committed offsets are resumed with no re-delivery and nothing
skipped (also after a broker restart), the group is listed and described, and an admin
commit (no member, generation -1) resets an offset."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, check, log, main  # noqa: E402
import clients  # noqa: E402
from clients import create_topic, flush, require_confluent  # noqa: E402

TOPIC = "groups-confluent"
PARTITIONS = 12
PER_PARTITION = 50
GROUP = "g-confluent"
OVERRIDES = {"group.initial.rebalance.delay.ms": "300"}


def produce(bootstrap, start):
    producer = clients.Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for p in range(PARTITIONS):
        for i in range(PER_PARTITION):
            producer.produce(TOPIC, key=b"k", value=f"{start}-{p}-{i}".encode(), partition=p)
    flush(producer, 30)


class Member:
    def __init__(self, bootstrap, name, extra=None):
        conf = {"bootstrap.servers": bootstrap, "group.id": GROUP, "client.id": name,
                "enable.auto.commit": False, "auto.offset.reset": "earliest",
                "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
        conf.update(extra or {})
        self.name = name
        self.consumer = clients.Consumer(conf)
        self.assigned = set()
        self.consumer.subscribe([TOPIC], on_assign=self._on_assign, on_revoke=self._on_revoke)

    def _on_assign(self, consumer, partitions):
        self.assigned = {tp.partition for tp in partitions}

    def _on_revoke(self, consumer, partitions):
        self.assigned = set()

    def poll(self, seen):
        """Polls once; records what arrived and commits it synchronously."""
        msg = self.consumer.poll(0.05)
        if msg is None or msg.error():
            return 0
        seen.append((msg.partition(), msg.offset(), msg.value().decode()))
        self.consumer.commit(message=msg, asynchronous=False)
        return 1


def wait_for_exact_cover(members, seen, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in members:
            m.poll(seen)
        owned = [p for m in members for p in m.assigned]
        if sorted(owned) == list(range(PARTITIONS)) and all(m.assigned for m in members):
            return time.monotonic()
    raise TestFailure("partitions never covered exactly once: " +
                      ", ".join(f"{m.name}={sorted(m.assigned)}" for m in members))


def consume_until(members, seen, total, timeout):
    deadline = time.monotonic() + timeout
    while len(seen) < total and time.monotonic() < deadline:
        for m in members:
            m.poll(seen)
    check(len(seen) >= total, f"consumed {len(seen)} of {total}")


def run(factory, args):
    require_confluent()
    total = PARTITIONS * PER_PARTITION
    with factory(overrides=OVERRIDES) as broker:
        create_topic(broker.bootstrap, TOPIC, PARTITIONS)
        produce(broker.bootstrap, "a")

        seen = []
        t0 = time.monotonic()
        members = [Member(broker.bootstrap, f"c{i}") for i in range(3)]
        covered = wait_for_exact_cover(members, seen, 60)
        log(f"3 members own all {PARTITIONS} partitions exactly once after "
            f"{covered - t0:.2f}s: " + ", ".join(f"{m.name}={sorted(m.assigned)}" for m in members))

        consume_until(members, seen, total // 2, 60)
        leaving = members.pop()
        leaving.consumer.close()  # LeaveGroup: the others take over at once
        log(f"{leaving.name} left after {len(seen)} records")
        wait_for_exact_cover(members, seen, 30)
        consume_until(members, seen, total, 60)
        values = [v for _, _, v in seen]
        check(len(values) == len(set(values)), f"{len(values) - len(set(values))} re-delivered")
        check(len(set(values)) == total, f"{len(set(values))} distinct of {total}")
        log(f"all {total} records consumed once across the hand-over")

        admin = clients.AdminClient({"bootstrap.servers": broker.bootstrap})
        groups = {g.id: g for g in admin.list_groups(timeout=10)}
        check(GROUP in groups, f"{GROUP} not listed: {list(groups)}")
        g = groups[GROUP]
        check(g.state == "Stable" and len(g.members) == 2,
              f"described {g.state} with {len(g.members)} members")
        log(f"list/describe: {g.state}, protocol {g.protocol}, {len(g.members)} members")
        for m in members:
            m.consumer.close()

        broker.restart()
        produce(broker.bootstrap, "b")
        seen2 = []
        fresh = Member(broker.bootstrap, "after-restart")
        consume_until([fresh], seen2, total, 60)
        time.sleep(0.5)
        fresh.poll(seen2)
        values2 = [v for _, _, v in seen2]
        check(all(v.startswith("b-") for v in values2), "records committed before the "
              "restart were delivered again")
        check(len(set(values2)) == total and len(values2) == total,
              f"after restart: {len(values2)} records, {len(set(values2))} distinct")
        fresh.consumer.close()
        log(f"after a restart the group resumed at its committed offsets ({total} new records)")

        # Admin reset: a consumer that never joins commits with generation -1.
        resetter = clients.Consumer({"bootstrap.servers": broker.bootstrap, "group.id": GROUP,
                                     "enable.auto.commit": False})
        resetter.commit(offsets=[clients.TopicPartition(TOPIC, 3, 17)], asynchronous=False)
        got = resetter.committed([clients.TopicPartition(TOPIC, 3)], timeout=10)
        check(got[0].offset == 17, f"committed offset after reset: {got[0].offset}")
        resetter.close()
        log("admin commit reset partition 3 to offset 17")


if __name__ == "__main__":
    main(run)
