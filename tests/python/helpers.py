"""Client helpers for the confluent-kafka tests (the broker comes from conftest.py)."""

import os
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

OP_TIMEOUT = 30.0


def known_finding(reason):
    """Marks a test whose correct assertions fail because samsa answers unlike Apache
    Kafka (reason starts with "samsa:"): skipped so CI stays green until the broker is
    fixed; SAMSA_RUN_FINDINGS=1 runs it anyway, to check a fix."""
    return pytest.mark.skipif(os.environ.get("SAMSA_RUN_FINDINGS") != "1", reason=reason)


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate() -- a bool, or (ok, state) -- until it holds; fails naming `what`
    and the last state after timeout."""
    deadline = time.monotonic() + timeout
    state = None
    while True:
        result = predicate()
        ok, state = result if isinstance(result, tuple) else (result, state)
        if ok:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what} (last: {state})", pytrace=False)
        time.sleep(interval)


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap, "client.id": "samsa-py-admin"})


def create_topic(adm, name, partitions, config=None):
    futures = adm.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                          config=config or {})], operation_timeout=OP_TIMEOUT,
                                request_timeout=OP_TIMEOUT)
    futures[name].result(OP_TIMEOUT)


class DeliveryLog:
    """Collects delivery reports; fails on the first error when checked."""

    def __init__(self):
        self.delivered = []
        self.errors = []

    def __call__(self, err, msg):
        if err is not None:
            self.errors.append(f"{msg.topic()}[{msg.partition()}]: {err}")
        else:
            self.delivered.append(msg)

    def check(self, want):
        assert not self.errors, f"delivery errors: {self.errors[:5]}"
        assert len(self.delivered) == want, f"{len(self.delivered)} delivered, want {want}"


def flush(producer, timeout=OP_TIMEOUT):
    left = producer.flush(timeout)
    assert left == 0, f"{left} messages not delivered within {timeout}s"


def consume_n(consumer, n, timeout=OP_TIMEOUT):
    """Consumes exactly n messages (fails on errors and at the deadline)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"timed out after {timeout}s: {len(got)} of {n} messages consumed", pytrace=False)
        for msg in consumer.consume(num_messages=min(500, n - len(got)), timeout=min(left, 1.0)):
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    continue
                pytest.fail(f"consumer error: {msg.error()}", pytrace=False)
            got.append(msg)
    return got


def expect_no_more(consumer, seconds=0.3):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for msg in consumer.consume(num_messages=10, timeout=max(0.01, deadline - time.monotonic())):
            if msg.error() and msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            pytest.fail(f"expected no more messages, got {msg.topic()}[{msg.partition()}]@{msg.offset()}",
                        pytrace=False)


def committed(consumer_or_admin_consumer, topic, partitions):
    tps = consumer_or_admin_consumer.committed([TopicPartition(topic, p) for p in range(partitions)],
                                               timeout=OP_TIMEOUT)
    return {tp.partition: tp.offset for tp in tps}


__all__ = ["Consumer", "Producer", "TopicPartition", "KafkaError", "KafkaException",
           "OP_TIMEOUT", "known_finding", "wait_until", "admin", "create_topic", "DeliveryLog", "flush",
           "consume_n", "expect_no_more", "committed"]
