"""confluent-kafka (librdkafka 2.0) idempotent producer, acks=all, against samsa.

Creates a 3-partition topic with AdminClient, produces keyed records with headers and
explicit timestamps, checks every delivery report succeeded, reads everything back with
assign() (no group) and compares keys, values, headers and timestamps per partition;
then restarts the broker (SIGTERM) and checks the same data is read back again.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402
from harness import check, log, main  # noqa: E402

RECORDS = int(os.environ.get("SAMSA_IT_RECORDS", "30000"))
PARTITIONS = 3
TOPIC = "confluent-roundtrip"
BASE_TS = 1_700_000_000_000


def expected_record(i):
    return (f"key-{i}".encode(), f"value-{i}-".encode() + bytes(i % 200),
            [("seq", str(i).encode()), ("kind", b"roundtrip"), ("empty", b"")],
            BASE_TS + i)


def verify(got, acked, label):
    total = 0
    for partition, msgs in got.items():
        for m in msgs:
            ident = acked.get((partition, m.offset()))
            check(ident is not None,
                  f"{label}: partition {partition} offset {m.offset()} was never acknowledged")
            i = int(ident[4:])
            key, value, headers, ts = expected_record(i)
            check(m.key() == key, f"{label}: key at {partition}/{m.offset()}: {m.key()!r}")
            check(m.value() == value, f"{label}: value of {ident} differs")
            check(m.headers() == headers, f"{label}: headers of {ident}: {m.headers()}")
            check(m.timestamp() == (clients.confluent_kafka.TIMESTAMP_CREATE_TIME, ts),
                  f"{label}: timestamp of {ident}: {m.timestamp()}, expected {ts}")
        offsets = [m.offset() for m in msgs]
        check(offsets == list(range(len(msgs))), f"{label}: partition {partition} offsets")
        total += len(msgs)
    check(total == len(acked), f"{label}: read {total}, acknowledged {len(acked)}")
    counts = {p: len(m) for p, m in got.items()}
    log(f"{label}: {total} records match keys/values/headers/timestamps, per partition {counts}")


def run(factory, args):
    clients.require_confluent()
    with factory() as broker:
        clients.create_topic(broker.bootstrap, TOPIC, PARTITIONS)
        dl = clients.DeliveryLog()
        producer = clients.idempotent_producer(broker.bootstrap, linger_ms=5)
        for i in range(RECORDS):
            key, value, headers, ts = expected_record(i)
            while True:
                try:
                    producer.produce(TOPIC, value=value, key=key, headers=headers,
                                     timestamp=ts, on_delivery=dl.callback)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
        clients.flush(producer, 60)
        check(not dl.errors, f"{len(dl.errors)} delivery errors, first: {dl.errors[:3]}")
        check(len(dl.acked) == RECORDS, f"{len(dl.acked)} acks for {RECORDS} records")
        log(f"produced {RECORDS} records, all {len(dl.acked)} delivery reports successful")

        verify(clients.read_partitions(broker.bootstrap, TOPIC, PARTITIONS, RECORDS),
               dl.acked, "before restart")
        broker.restart()
        verify(clients.read_partitions(broker.bootstrap, TOPIC, PARTITIONS, RECORDS),
               dl.acked, "after restart")


if __name__ == "__main__":
    main(run)
