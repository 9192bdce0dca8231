"""Crash safety: an idempotent acks=all producer (confluent-kafka) writes continuously
while the broker is killed with SIGKILL and restarted on the same data directory.
Every acknowledged record must be read back exactly once at its acknowledged offset, and
no record may appear twice (idempotence); unacknowledged ones may or may not be there.
The broker's first write made its meta.properties durable, so the cluster id survives.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import check, log, main  # noqa: E402

PARTITIONS = 2
TOPIC = "crash-safety"
LOAD_SECONDS_BEFORE_KILL = 3.0
DOWN_SECONDS = 1.0
LOAD_SECONDS_AFTER_RESTART = 2.0
# Paced so the read-back stays quick: at most CHUNK records per PACE_S (~20k records/s).
CHUNK = 200
PACE_S = 0.01


def run(factory, args):
    clients.require_confluent()
    with factory() as broker:
        clients.create_topic(broker.bootstrap, TOPIC, PARTITIONS)
        first_cluster_id = clients.cluster_id(broker.bootstrap)
        dl = clients.DeliveryLog()
        producer = clients.idempotent_producer(broker.bootstrap, linger_ms=2,
                                               reconnect_backoff_ms=50,
                                               reconnect_backoff_max_ms=500)
        stop = threading.Event()
        sent = [0]

        def load():
            i = 0
            while not stop.is_set():
                try:
                    producer.produce(TOPIC, key=f"rec-{i}".encode(),
                                     value=f"payload-{i}".encode() * 4,
                                     on_delivery=dl.callback)
                    i += 1
                    if i % CHUNK == 0:
                        time.sleep(PACE_S)  # poll(timeout) returns early on events
                except BufferError:
                    producer.poll(0.05)
                    continue
                producer.poll(0)
            sent[0] = i

        thread = threading.Thread(target=load, daemon=True)
        thread.start()
        time.sleep(LOAD_SECONDS_BEFORE_KILL)
        acked_before = len(dl.acked)
        broker.kill9()
        time.sleep(DOWN_SECONDS)
        broker.start()
        restarted_id = clients.cluster_id(broker.bootstrap)
        check(restarted_id == first_cluster_id,
              f"cluster id {first_cluster_id} kept across the kill (got {restarted_id})")
        time.sleep(LOAD_SECONDS_AFTER_RESTART)
        stop.set()
        thread.join(10)
        check(not thread.is_alive(), "producer thread stopped")
        clients.flush(producer, 90)
        log(f"sent {sent[0]} records; {acked_before} acknowledged before the kill, "
            f"{len(dl.acked)} in total, {len(dl.errors)} delivery errors")
        check(acked_before > 0, "records were acknowledged before the kill")
        check(len(dl.acked) > acked_before, "records were acknowledged after the restart")
        if dl.errors:
            log(f"first delivery errors (allowed for unacknowledged records): {dl.errors[:3]}")
        fatal = [e for _, e in dl.errors if e.fatal()]
        check(not fatal, f"fatal idempotence errors: {fatal[:3]}")

        got = clients.read_partitions(broker.bootstrap, TOPIC, PARTITIONS, len(dl.acked), 90)
        seen = {}
        for partition, msgs in got.items():
            last_seq = -1
            for m in msgs:
                key = m.key().decode()
                check(key not in seen, f"{key} stored twice: at {seen.get(key)} and "
                      f"{partition}/{m.offset()}")
                seen[key] = (partition, m.offset())
                seq = int(key[4:])
                check(seq > last_seq, f"partition {partition}: {key} after rec-{last_seq}")
                last_seq = seq
        for (partition, offset), key in dl.acked.items():
            check(seen.get(key) == (partition, offset),
                  f"acknowledged {key} at {partition}/{offset} read back at {seen.get(key)}")
        log(f"all {len(dl.acked)} acknowledged records read back exactly once at their "
            f"offsets; {len(seen) - len(dl.acked)} unacknowledged records also present; "
            f"no duplicates, order kept")


if __name__ == "__main__":
    main(run)
