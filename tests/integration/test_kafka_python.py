"""kafka-python 2.0.2 against samsa: it sends ApiVersions v0 only and infers the broker
version from the answer, so this checks that samsa advertises enough for it to use
record batches with headers (magic 2). Admin create, produce with headers, read back with
assign() (no group), compare."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import TestSkipped, check, log, main  # noqa: E402

RECORDS = 5000
PARTITIONS = 2
TOPIC = "kafka-python"


def run(factory, args):
    try:
        import kafka
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition
        from kafka.admin import KafkaAdminClient, NewTopic
    except ImportError:
        raise TestSkipped("python3-kafka is not installed (run with /usr/bin/python3)")
    log(f"kafka-python {kafka.__version__}")
    with factory() as broker:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=20000)
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)], timeout_ms=20000)
        admin.close()
        log(f"KafkaAdminClient created {TOPIC} with {PARTITIONS} partitions")

        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                                 linger_ms=5, request_timeout_ms=20000)
        version = producer.config["api_version"]
        log(f"kafka-python inferred broker version {version} from ApiVersions v0")
        check(version >= (0, 11), f"inferred {version}: too old for headers (need >= 0.11)")
        futures = []
        for i in range(RECORDS):
            futures.append(producer.send(
                TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode(),
                headers=[("seq", str(i).encode()), ("client", b"kafka-python")],
                partition=i % PARTITIONS))
        producer.flush(30)
        metas = [f.get(timeout=30) for f in futures]
        producer.close(10)
        check(len(metas) == RECORDS, "every send acknowledged")
        log(f"produced {RECORDS} records with headers, all acknowledged")

        consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                                 enable_auto_commit=False, auto_offset_reset="earliest",
                                 consumer_timeout_ms=10000, request_timeout_ms=20000)
        consumer.assign([TopicPartition(TOPIC, p) for p in range(PARTITIONS)])
        consumer.seek_to_beginning()
        got = {p: [] for p in range(PARTITIONS)}
        total = 0
        for msg in consumer:
            got[msg.partition].append(msg)
            total += 1
            if total == RECORDS:
                break
        consumer.close()
        check(total == RECORDS, f"read {total} of {RECORDS}")
        for p, msgs in got.items():
            check([m.offset for m in msgs] == list(range(len(msgs))), f"partition {p} offsets")
            for j, m in enumerate(msgs):
                i = p + j * PARTITIONS
                check(m.key == f"k{i}".encode() and m.value == f"v{i}".encode(),
                      f"partition {p} offset {m.offset}: {m.key!r}={m.value!r}")
                check(list(m.headers) == [("seq", str(i).encode()), ("client", b"kafka-python")],
                      f"headers at {p}/{m.offset}: {m.headers}")
        log(f"read back {total} records: keys, values, headers and offsets match, "
            f"per partition {{{', '.join(f'{p}: {len(m)}' for p, m in got.items())}}}")


if __name__ == "__main__":
    main(run)
