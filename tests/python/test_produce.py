"""confluent-kafka (bundled librdkafka 2.x): the idempotent producer and every codec."""

import glob
import os
import struct
import time

import pytest
from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME

from helpers import (Consumer, DeliveryLog, Producer, admin, consume_n, create_topic,
                     expect_no_more, flush, known_finding)

BASE_TS = 1_700_000_000_000


def idempotent_producer(broker, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "client.id": "samsa-py-producer",
            "enable.idempotence": True, "linger.ms": 5}
    conf.update(extra)
    return Producer(conf)


def plain_consumer(broker, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": "samsa-py-reader",
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "client.id": "samsa-py-consumer"}
    conf.update(extra)
    return Consumer(conf)


def message(i):
    """The i-th record: keys, a null key, headers (repeated keys, a null value),
    explicit timestamps, empty values and tombstones."""
    key = f"key-{i % 37}".encode() if i % 10 != 9 else None
    if i % 10 == 3:
        value = None
    elif i % 10 == 7:
        value = b""
    else:
        value = f"value-{i}-".encode() + b"x" * (i % 23)
    headers = None
    if i % 3 == 0:
        headers = [("trace", f"t-{i}".encode()), ("bin", b"\x00\x01\xff"), ("trace", b"dup"),
                   ("null", None)]
    ts = BASE_TS + i * 1000 if i % 4 else None
    return key, value, headers, ts


def test_idempotent_roundtrip(broker):
    """enable.idempotence=true (acks=all, ordered retries): 1,500 records to three
    partitions come back exactly, in order, with keys, headers, timestamps, empty values
    and tombstones; offsets are contiguous from 0."""
    adm = admin(broker)
    create_topic(adm, "py-roundtrip", 3)
    p = idempotent_producer(broker)
    log = DeliveryLog()
    n = 1500
    sent = {}
    before = int(time.time() * 1000)
    for i in range(n):
        key, value, headers, ts = message(i)
        kwargs = {"partition": i % 3, "key": key, "value": value, "on_delivery": log}
        if headers is not None:
            kwargs["headers"] = headers
        if ts is not None:
            kwargs["timestamp"] = ts
        p.produce("py-roundtrip", **kwargs)
        sent[(i % 3, i // 3)] = i
        if i % 200 == 0:
            p.poll(0)
    flush(p)
    after = int(time.time() * 1000)
    log.check(n)
    # The delivery reports: each record at the offset its order in the partition says.
    for msg in log.delivered:
        i = int(msg.value().split(b"-")[1]) if msg.value() else None
        if i is not None:
            assert (msg.partition(), msg.offset()) == (i % 3, i // 3)

    c = plain_consumer(broker)
    c.subscribe(["py-roundtrip"])
    got = consume_n(c, n)
    next_offset = {0: 0, 1: 0, 2: 0}
    for msg in got:
        part, off = msg.partition(), msg.offset()
        assert off == next_offset[part], f"partition {part}: offset {off}, want {next_offset[part]}"
        next_offset[part] += 1
        i = sent[(part, off)]
        key, value, headers, ts = message(i)
        where = f"record {i} at {part}@{off}"
        assert msg.key() == key, where
        assert msg.value() == value, where
        assert msg.headers() == headers, where
        ts_type, got_ts = msg.timestamp()
        assert ts_type == TIMESTAMP_CREATE_TIME, where
        if ts is not None:
            assert got_ts == ts, where
        else:
            assert before <= got_ts <= after, f"{where}: default timestamp {got_ts} not in [{before}, {after}]"
    assert next_offset == {0: 500, 1: 500, 2: 500}
    expect_no_more(c)
    c.close()


def test_idempotent_producer_survives_crash(broker):
    """Records acknowledged before a SIGKILL are all there after the restart, and the same
    idempotent producer carries on without duplicates or gaps."""
    adm = admin(broker)
    create_topic(adm, "py-crash", 2)
    p = idempotent_producer(broker)
    log = DeliveryLog()
    for i in range(1000):
        p.produce("py-crash", value=f"r{i:05d}".encode(), partition=i % 2, on_delivery=log)
    flush(p)
    log.check(1000)
    broker.kill9()
    broker.start()
    for i in range(1000, 1300):
        p.produce("py-crash", value=f"r{i:05d}".encode(), partition=i % 2, on_delivery=log)
    flush(p)
    log.check(1300)
    c = plain_consumer(broker)
    c.subscribe(["py-crash"])
    got = consume_n(c, 1300)
    nxt = {0: 0, 1: 1}
    for msg in got:
        want = f"r{nxt[msg.partition()]:05d}".encode()
        assert (msg.value(), msg.offset()) == (want, nxt[msg.partition()] // 2)
        nxt[msg.partition()] += 2
    expect_no_more(c)
    c.close()


CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def batch_codecs(data_dir, topic, partition):
    """The compression attribute of every record batch in the partition's log segments
    (Kafka's on-disk layout: offset, length, leader epoch, magic, crc, attributes)."""
    codecs = set()
    for path in sorted(glob.glob(os.path.join(data_dir, f"{topic}-{partition}", "*.log"))):
        with open(path, "rb") as f:
            data = f.read()
        pos = 0
        while pos + 23 <= len(data):
            length = struct.unpack_from(">i", data, pos + 8)[0]
            if length <= 0:
                break
            attributes = struct.unpack_from(">h", data, pos + 21)[0]
            codecs.add(attributes & 0x7)
            pos += 12 + length
    return codecs


@pytest.mark.parametrize("codec", list(CODECS))
def test_codec_roundtrip(broker, codec):
    """compression.type=<codec> on the producer: 3,000 compressible records round trip,
    and the broker stores the producer's batches in that codec (compression.type=producer)."""
    adm = admin(broker)
    topic = f"py-codec-{codec}"
    create_topic(adm, topic, 1)
    p = idempotent_producer(broker, **{"compression.type": codec, "linger.ms": 20})
    log = DeliveryLog()
    n = 3000
    values = [f"{i:05d} ".encode() + b"compressible " * 20 for i in range(n)]
    for i, v in enumerate(values):
        p.produce(topic, key=f"k{i}".encode(), value=v, headers=[("i", str(i).encode())], on_delivery=log)
        if i % 500 == 0:
            p.poll(0)
    flush(p)
    log.check(n)
    c = plain_consumer(broker)
    c.subscribe([topic])
    got = consume_n(c, n)
    for i, msg in enumerate(got):
        assert msg.offset() == i
        assert msg.key() == f"k{i}".encode()
        assert msg.value() == values[i]
        assert msg.headers() == [("i", str(i).encode())]
    expect_no_more(c)
    c.close()
    assert batch_codecs(broker.data_dir, topic, 0) == {CODECS[codec]}


def test_log_append_time(broker):
    """message.timestamp.type=LogAppendTime: the consumer sees the broker's time, typed
    as log-append time, whatever the producer sent."""
    adm = admin(broker)
    create_topic(adm, "py-lat", 1, {"message.timestamp.type": "LogAppendTime"})
    p = idempotent_producer(broker)
    before = int(time.time() * 1000)
    for i in range(10):
        p.produce("py-lat", value=f"v{i}".encode(), timestamp=1_000_000_000_000)
    flush(p)
    after = int(time.time() * 1000)
    c = plain_consumer(broker)
    c.subscribe(["py-lat"])
    for i, msg in enumerate(consume_n(c, 10)):
        ts_type, ts = msg.timestamp()
        assert msg.value() == f"v{i}".encode()
        assert ts_type == TIMESTAMP_LOG_APPEND_TIME
        assert before <= ts <= after
    c.close()


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_topic_compression_type(broker, codec):
    """A topic with compression.type=<codec> stores what an uncompressed producer sends in
    that codec (Kafka recompresses on append), and it reads back unchanged."""
    adm = admin(broker)
    topic = f"py-topic-codec-{codec}"
    create_topic(adm, topic, 1, {"compression.type": codec})
    p = idempotent_producer(broker, **{"compression.type": "none", "linger.ms": 20})
    values = [f"{i:04d} ".encode() + b"abc" * 30 for i in range(300)]
    for v in values:
        p.produce(topic, value=v)
    flush(p)
    c = plain_consumer(broker)
    c.subscribe([topic])
    assert [m.value() for m in consume_n(c, len(values))] == values
    c.close()
    assert batch_codecs(broker.data_dir, topic, 0) == {CODECS[codec]}
