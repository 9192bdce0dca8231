"""Consumer groups with kafka-python 2.0.2 (old protocol versions: JoinGroup v0-2,
OffsetCommit v2, OffsetFetch v1-3): three members on a 12-partition topic own every
partition exactly once, commit, one leaves and the others take over, and a new member
resumes from the committed offsets with nothing re-delivered or skipped."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestFailure, TestSkipped, check, log, main  # noqa: E402

TOPIC = "groups-kafka-python"
PARTITIONS = 12
PER_PARTITION = 40
GROUP = "g-kafka-python"


def run(factory, args):
    try:
        from kafka import KafkaConsumer, KafkaProducer
        from kafka.admin import KafkaAdminClient, NewTopic
    except ImportError:
        raise TestSkipped("python3-kafka is not installed (run with /usr/bin/python3)")
    total = PARTITIONS * PER_PARTITION
    with factory(overrides={"group.initial.rebalance.delay.ms": "300"}) as broker:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=20000)
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)], timeout_ms=20000)
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        for p in range(PARTITIONS):
            for i in range(PER_PARTITION):
                producer.send(TOPIC, value=f"{p}-{i}".encode(), partition=p)
        producer.flush(30)
        producer.close(10)

        def member(name):
            c = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=GROUP, client_id=name,
                              enable_auto_commit=False, auto_offset_reset="earliest",
                              session_timeout_ms=6000, heartbeat_interval_ms=500,
                              request_timeout_ms=20000)
            c.subscribe([TOPIC])
            return c

        # kafka-python's poll() blocks until the group is joined, and a join waits for
        # every member: each member needs its own thread.
        seen = []
        lock = threading.Lock()

        class Runner(threading.Thread):
            def __init__(self, name):
                super().__init__(daemon=True)
                self.consumer = member(name)
                self.stop = threading.Event()
                self.assigned = []
                self.start()

            def run(self):
                while not self.stop.is_set():
                    batch = self.consumer.poll(timeout_ms=100, max_records=20)
                    with lock:
                        for records in batch.values():
                            seen.extend(r.value.decode() for r in records)
                    if batch:
                        self.consumer.commit()
                    self.assigned = sorted(tp.partition for tp in self.consumer.assignment())
                self.consumer.close()

        def wait(predicate, timeout, what):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if predicate():
                    return
                time.sleep(0.05)
            raise TestFailure(f"timed out waiting for {what}: " +
                              ", ".join(str(r.assigned) for r in runners))

        def exact_cover():
            owned = sorted(p for r in runners for p in r.assigned)
            return owned == list(range(PARTITIONS)) and all(r.assigned for r in runners)

        runners = [Runner(f"kp{i}") for i in range(3)]
        wait(exact_cover, 60, "3 members to own every partition once")
        log("3 members own all partitions once: " + ", ".join(str(r.assigned) for r in runners))
        wait(lambda: len(seen) >= total // 3, 60, "records")
        leaving = runners.pop()
        leaving.stop.set()  # closes: commits nothing more, sends LeaveGroup
        leaving.join(30)
        log(f"one member left after {len(seen)} records")
        wait(lambda: len(seen) >= total, 60, "every record")
        wait(exact_cover, 30, "the survivors to own every partition")
        for r in runners:
            r.stop.set()
            r.join(30)
        check(len(seen) == total and len(set(seen)) == total,
              f"{len(seen)} consumed, {len(set(seen))} distinct of {total}")
        log(f"all {total} records consumed exactly once across the hand-over")

        fresh = member("kp-new")
        extra = fresh.poll(timeout_ms=3000)
        check(not any(extra.values()), "committed records were delivered again")
        committed = [fresh.committed(tp) for tp in fresh.assignment()]
        check(committed and all(o == PER_PARTITION for o in committed),
              f"committed offsets seen by a new member: {committed}")
        fresh.close()
        log("a new member resumed at the committed offsets")


if __name__ == "__main__":
    main(run)
