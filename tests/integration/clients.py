"""Small helpers shared by the confluent-kafka (librdkafka) tests."""
import time

from harness import TestFailure, TestSkipped, check, log

try:
    import confluent_kafka
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError:  # reported as a skip by require_confluent()
    confluent_kafka = None


def require_confluent():
    if confluent_kafka is None:
        raise TestSkipped("python3-confluent-kafka is not installed (run with /usr/bin/python3)")
    log(f"confluent-kafka {confluent_kafka.version()[0]}, "
        f"librdkafka {confluent_kafka.libversion()[0]}")


def create_topic(bootstrap, topic, partitions, timeout=30):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions,
                                            replication_factor=1)],
                                  operation_timeout=timeout, request_timeout=timeout)
    futures[topic].result(timeout)
    md = admin.list_topics(topic, timeout=timeout)
    got = len(md.topics[topic].partitions)
    check(got == partitions, f"{topic}: {got} partitions in metadata, expected {partitions}")
    log(f"AdminClient created {topic} with {partitions} partitions")


def cluster_id(bootstrap, timeout=10):
    """The cluster id the broker reports in Metadata."""
    return AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=timeout).cluster_id


def idempotent_producer(bootstrap, **settings):
    """The Java client's defaults that matter here: idempotence and acks=all, with a
    delivery timeout long enough for a broker restart. `settings` add to or override
    them (keys with '_' for '.', e.g. linger_ms=5)."""
    config = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "message.timeout.ms": 60000,
    }
    config.update({key.replace("_", "."): value for key, value in settings.items()})
    return Producer(config)


class DeliveryLog:
    """Collects delivery reports: acked[(partition, offset)] = message id."""

    def __init__(self):
        self.acked = {}
        self.errors = []

    def callback(self, err, msg):
        ident = msg.key().decode() if msg.key() else None
        if err is not None:
            self.errors.append((ident, err))
        else:
            self.acked[(msg.partition(), msg.offset())] = ident


def flush(producer, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if producer.flush(1) == 0:
            return
    raise TestFailure(f"{len(producer)} messages still undelivered after {timeout}s")


def read_partitions(bootstrap, topic, partitions, expected_total, timeout=60):
    """Reads every partition from the beginning with assign() (no consumer group) until
    expected_total records arrived or the partitions hit EOF after the deadline.
    Returns {partition: [Message, ...]} in offset order."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "samsa-it-unused",  # librdkafka wants one; assign() never joins it
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    try:
        consumer.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING)
                         for p in range(partitions)])
        got = {p: [] for p in range(partitions)}
        eof = set()
        total = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msgs = consumer.consume(10000, 0.5)
            for m in msgs:
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        eof.add(m.partition())
                        continue
                    raise TestFailure(f"consume error: {m.error()}")
                got[m.partition()].append(m)
                total += 1
                eof.discard(m.partition())
            if total >= expected_total and len(eof) == partitions:
                break
        else:
            raise TestFailure(f"read {total} of {expected_total} records in {timeout}s")
        return got
    finally:
        consumer.close()
