"""pytest-samsa's fixtures against the real binary, with confluent-kafka 2.x."""
import os
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from pytest_samsa import SamsaError, start


def round_trip(bootstrap, topic, count=20):
    producer = Producer({"bootstrap.servers": bootstrap})  # idempotent, acks=all
    for i in range(count):
        producer.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "pytest-samsa",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + 30
    while len(got) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and not msg.error():
            got.append(msg.value().decode())
    consumer.close()
    return got


def test_samsa_broker_fixture_round_trip(samsa_broker):
    assert samsa_broker.bootstrap_servers.startswith("127.0.0.1:")
    assert os.path.isdir(samsa_broker.data_dir)
    assert round_trip(samsa_broker.bootstrap_servers, "orders") == [f"v{i}" for i in range(20)]


def test_factory_brokers_are_apart_and_take_overrides(samsa_broker_factory):
    a = samsa_broker_factory(overrides={"num.partitions": "3"})
    b = samsa_broker_factory()
    assert a.bootstrap_servers != b.bootstrap_servers and a.data_dir != b.data_dir
    round_trip(a.bootstrap_servers, "auto-created")  # auto-created with num.partitions
    md = AdminClient({"bootstrap.servers": a.bootstrap_servers}).list_topics(timeout=10)
    assert len(md.topics["auto-created"].partitions) == 3
    assert "auto-created" not in AdminClient(
        {"bootstrap.servers": b.bootstrap_servers}).list_topics(timeout=10).topics


def test_kafka_variables_do_not_reach_the_broker(samsa_broker_factory, monkeypatch):
    # samsa reads KAFKA_NUM_PARTITIONS as num.partitions; a test's broker must not.
    monkeypatch.setenv("KAFKA_NUM_PARTITIONS", "7")
    broker = samsa_broker_factory()
    round_trip(broker.bootstrap_servers, "auto-created")
    md = AdminClient({"bootstrap.servers": broker.bootstrap_servers}).list_topics(timeout=10)
    assert len(md.topics["auto-created"].partitions) == 1


def test_stop_leaves_nothing(samsa_broker_factory):
    broker = samsa_broker_factory()
    data_dir = broker.data_dir
    assert broker.stop() == 0
    assert not broker.running
    assert not os.path.exists(data_dir)


def test_broker_stops_when_the_test_process_dies():
    # A child Python process starts a broker, prints where it is, then is SIGKILLed.
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from pytest_samsa import start;"
            "b = start(); print(b.pid, b.data_dir, flush=True); time.sleep(600)")
    src = os.path.dirname(os.path.dirname(os.path.abspath(sys.modules["pytest_samsa"].__file__)))
    child = subprocess.Popen([sys.executable, "-c", code, src], stdout=subprocess.PIPE, text=True)
    try:
        pid, data_dir = child.stdout.readline().split()
        assert os.path.isdir(data_dir)
        child.kill()
        child.wait()
        deadline = time.monotonic() + 10
        while os.path.exists(data_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(data_dir), "the orphaned broker did not clean up"
        with pytest.raises(ProcessLookupError):
            for _ in range(100):  # it may take a moment to exit after removing its dir
                os.kill(int(pid), 0)
                time.sleep(0.05)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()


def test_missing_binary_is_a_clear_error():
    with pytest.raises(SamsaError, match="not an executable"):
        start(binary="/nonexistent/samsa")
