"""More partitions than the open-file limit allows descriptors (issue 11): a broker
started with RLIMIT_NOFILE 256 (soft and hard, so it cannot raise it) serves a topic of
3,000 partitions to librdkafka on its defaults (idempotent, acks=all): every record is
acknowledged, read back once in order, survives a restart, and the broker never holds
more descriptors than its limit nor logs an error. It keeps at most 128 segment files
open (half the limit) and reopens the others on demand.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import check, log, main  # noqa: E402

FD_LIMIT = 256
PARTITIONS = 3000
PER_PARTITION = 5
TOPIC = "many"


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class PeakDescriptors:
    """Samples the broker's descriptor count every 10 ms while a phase runs."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, descriptors(self.pid))
            except OSError:
                return
            self._stop.wait(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def produce_all(bootstrap):
    producer = clients.idempotent_producer(bootstrap, linger_ms=20)
    deliveries = clients.DeliveryLog()
    for i in range(PARTITIONS * PER_PARTITION):
        partition = i % PARTITIONS
        producer.produce(TOPIC, key=f"{partition}:{i // PARTITIONS}", value=f"v{i}" * 10,
                         partition=partition, on_delivery=deliveries.callback)
        if i % 10000 == 0:
            producer.poll(0)
    clients.flush(producer, 120)
    check(not deliveries.errors, f"delivery errors: {deliveries.errors[:5]}")
    check(len(deliveries.acked) == PARTITIONS * PER_PARTITION,
          f"{len(deliveries.acked)} acknowledged, expected {PARTITIONS * PER_PARTITION}")


def read_all(bootstrap):
    got = clients.read_partitions(bootstrap, TOPIC, PARTITIONS, PARTITIONS * PER_PARTITION,
                                  timeout=120)
    for partition, messages in got.items():
        keys = [m.key().decode() for m in messages]
        expected = [f"{partition}:{n}" for n in range(PER_PARTITION)]
        check(keys == expected, f"partition {partition}: read {keys}, expected {expected}")
        check([m.offset() for m in messages] == list(range(PER_PARTITION)),
              f"partition {partition}: offsets {[m.offset() for m in messages]}")


def run(make_broker, args):
    clients.require_confluent()
    with make_broker(fd_limit=FD_LIMIT) as broker:
        text = broker.log_text()
        check(f"open-file limit {FD_LIMIT}: up to {FD_LIMIT // 2} segment files" in text,
              "the start-up line names the limit and the cache size")
        with PeakDescriptors(broker.proc.pid) as peak:
            clients.create_topic(broker.bootstrap, TOPIC, PARTITIONS, timeout=60)
            produce_all(broker.bootstrap)
            log(f"{PARTITIONS * PER_PARTITION} records acknowledged over {PARTITIONS} "
                f"partitions; {descriptors(broker.proc.pid)} descriptors open")
            read_all(broker.bootstrap)
        log(f"peak descriptors {peak.peak} (limit {FD_LIMIT})")
        check(peak.peak <= FD_LIMIT, f"peak {peak.peak} descriptors over the limit")

        t0 = time.monotonic()
        check(broker.stop() == 0, "the broker stops cleanly on SIGTERM")
        stop_s = time.monotonic() - t0
        log(f"clean stop with {PARTITIONS} written partitions in {stop_s:.2f}s")
        check(stop_s < 5, f"stopping took {stop_s:.1f}s; Docker kills after 10 s")
        broker.start()
        check("no clean shutdown marker" not in broker.log_text().split("start #2")[-1],
              "the restart finds a clean shutdown")
        with PeakDescriptors(broker.proc.pid) as peak:
            read_all(broker.bootstrap)
        log(f"after a restart every record read back; peak descriptors {peak.peak}")

        errors = [line for line in broker.log_text().splitlines()
                  if "[error]" in line or "[critical]" in line or "Too many open files" in line]
        check(not errors, f"the broker logged errors: {errors[:5]}")


if __name__ == "__main__":
    main(run)
