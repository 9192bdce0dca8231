"""The console's JSON API (samsa.http.listener) with real clients around it: what
confluent-kafka producers, consumers and transactions write is what the API shows, what
the API produces and resets is what consumers then see.

* topics: create with configs, describe, alter configs, grow, delete records, delete (and
  TOPIC_DELETION_DISABLED with delete.topic.enable=false);
* messages: JSON/text/binary/null values, headers and Spring's __TypeId__ as librdkafka
  wrote them; key and text filters; "from a timestamp" on a partition of 200,000 records
  (the time index, not a scan); a record produced through the API lands where librdkafka's
  Java-compatible partitioner (murmur2_random) puts the same key, with its headers;
* issue 13's story: a listener stuck on a poison record; the API shows the group's lag,
  previews the skip (committed + 1), refuses it while the consumer runs (naming the
  state), applies it once the group is Empty, and the consumer resumes after the poison
  record; classic and KIP-848 groups' members and assignments;
* transactions and producers while a transaction is open and after it commits.

HTTP with the standard library only (urllib).
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import (OP_TIMEOUT, Consumer, KafkaError, Producer, TopicPartition, flush,
                     wait_until)

HTTP_LINE = re.compile(r"console and metrics on http://(\S+?);")
WAIT = 30.0


# ---------------------------------------------------------------- helpers

class Api:
    """The broker's JSON API at http://host:port."""

    def __init__(self, broker):
        match = HTTP_LINE.search(broker.log_text())
        assert match, "the broker's start-up line names no HTTP listener"
        self.base = f"http://{match.group(1)}"

    def call(self, method, path, body=None, **query):
        url = self.base + urllib.parse.quote(path)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=OP_TIMEOUT) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def ok(self, method, path, body=None, want=200, **query):
        status, answer = self.call(method, path, body, **query)
        assert status == want, f"{method} {path}: {status} {answer}"
        return answer

    def get(self, path, **query):
        return self.ok("GET", path, **query)


def console_broker(broker_factory, **extra):
    overrides = {"samsa.http.listener": "127.0.0.1:0", **extra}
    b = broker_factory(overrides=overrides)
    return b, Api(b)


def producer(broker, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "client.id": "samsa-py-console",
            "linger.ms": 5, "partitioner": "murmur2_random"}
    conf.update(extra)
    return Producer(conf)


def group_consumer(broker, group, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": group,
            "client.id": f"samsa-py-{group}", "enable.auto.commit": False,
            "auto.offset.reset": "earliest", "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 300}
    conf.update(extra)
    return Consumer(conf)


def poll_one(consumer, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                continue
            pytest.fail(f"consumer error: {msg.error()}", pytrace=False)
        return msg
    pytest.fail(f"no message within {timeout}s", pytrace=False)


def by_offset(messages):
    return {m["offset"]: m for m in messages}


# ---------------------------------------------------------------- topics

def test_topics_lifecycle(broker_factory):
    broker, api = console_broker(broker_factory)
    created = api.ok("POST", "/api/topics",
                     {"name": "orders", "partitions": 3, "configs": {"retention.ms": 3600000}},
                     want=201)
    assert created == {"name": "orders", "partitions": 3}
    status, err = api.call("POST", "/api/topics", {"name": "orders"})
    assert (status, err["error"]) == (409, "TOPIC_ALREADY_EXISTS")

    names = [t["name"] for t in api.get("/api/topics")["topics"]]
    assert "orders" in names and names == sorted(names)
    topic = api.get("/api/topics/orders")
    assert [p["partition"] for p in topic["partitions"]] == [0, 1, 2]
    configs = {c["name"]: c for c in topic["configs"]}
    assert configs["retention.ms"]["value"] == "3600000"
    assert configs["retention.ms"]["source"] == "DYNAMIC_TOPIC_CONFIG"

    configs = {c["name"]: c for c in api.ok("PATCH", "/api/topics/orders/configs",
                                            {"set": {"cleanup.policy": "delete"},
                                             "delete": ["retention.ms"]})["configs"]}
    assert configs["retention.ms"]["source"] == "DEFAULT_CONFIG"
    assert configs["cleanup.policy"]["source"] == "DYNAMIC_TOPIC_CONFIG"
    assert api.ok("POST", "/api/topics/orders/partitions", {"count": 4}) == {"partitions": 4}

    p = producer(broker)
    for i in range(10):
        p.produce("orders", value=f"v{i}".encode(), partition=1)
    flush(p)
    trimmed = api.ok("POST", "/api/topics/orders/delete-records", {"partition": 1, "offset": 4})
    assert trimmed == {"partition": 1, "low_watermark": 4}
    part1 = api.get("/api/topics/orders")["partitions"][1]
    assert (part1["start_offset"], part1["end_offset"], part1["messages"]) == (4, 10, 6)
    listed = next(t for t in api.get("/api/topics")["topics"] if t["name"] == "orders")
    assert (listed["partitions"], listed["messages"], listed["end_offset_sum"]) == (4, 6, 10)

    assert api.ok("DELETE", "/api/topics/orders") == {"deleted": "orders"}
    assert api.call("GET", "/api/topics/orders")[0] == 404


def test_topic_deletion_disabled(broker_factory):
    _, api = console_broker(broker_factory, **{"delete.topic.enable": "false"})
    api.ok("POST", "/api/topics", {"name": "kept"}, want=201)
    status, err = api.call("DELETE", "/api/topics/kept")
    assert (status, err["error"]) == (403, "TOPIC_DELETION_DISABLED")
    assert api.get("/api/topics/kept")["name"] == "kept"


# ---------------------------------------------------------------- messages

def test_messages_as_clients_wrote_them(broker_factory):
    broker, api = console_broker(broker_factory)
    api.ok("POST", "/api/topics", {"name": "events", "partitions": 1}, want=201)
    p = producer(broker, **{"compression.type": "zstd"})
    # Compressible, or librdkafka sends the batch uncompressed.
    order = {"id": 1, "items": [1, 2], "note": "x" * 2000}
    p.produce("events", key=b"order-1", value=json.dumps(order).encode(),
              headers=[("__TypeId__", b"com.example.OrderCreated"), ("trace", None)])
    p.produce("events", key=b"order-2", value="grüße".encode())
    p.produce("events", key=None, value=bytes([0, 1, 2, 0xff]))
    p.produce("events", key=b"order-1", value=None)  # a tombstone
    flush(p)

    page = api.get("/api/topics/events/messages", order="oldest")
    assert page["truncated"] is False and page["scanned"] == 4
    m = page["messages"]
    assert [x["offset"] for x in m] == [0, 1, 2, 3]
    assert m[0]["value"]["format"] == "json"
    assert json.loads(m[0]["value"]["text"]) == order
    assert m[0]["type_id"] == "com.example.OrderCreated"
    assert [h["key"] for h in m[0]["headers"]] == ["__TypeId__", "trace"]
    assert m[0]["headers"][1]["value"]["format"] == "null"
    assert m[0]["compression"] == "zstd"
    assert m[0]["key"] == {"text": "order-1", "base64": "b3JkZXItMQ==", "size": 7, "format": "text"}
    assert (m[1]["value"]["text"], m[1]["value"]["size"]) == ("grüße", 7)
    assert m[2]["key"]["format"] == "null" and m[2]["value"]["format"] == "binary"
    assert m[2]["value"]["base64"] == "AAEC/w==" and m[2]["value"]["text"] is None
    assert m[3]["value"] == {"text": None, "base64": None, "size": -1, "format": "null"}

    assert [x["offset"] for x in api.get("/api/topics/events/messages", key="order-1")["messages"]] == [3, 0]
    assert [x["offset"] for x in api.get("/api/topics/events/messages", q="grü")["messages"]] == [1]
    newest = api.get("/api/topics/events/messages", limit=2)["messages"]
    assert [x["offset"] for x in newest] == [3, 2]


def test_produce_through_the_api_reaches_consumers(broker_factory):
    broker, api = console_broker(broker_factory)
    api.ok("POST", "/api/topics", {"name": "placed", "partitions": 6}, want=201)
    # Where librdkafka's Java-compatible partitioner puts each key...
    p = producer(broker)
    delivered = {}
    keys = [f"customer-{i}" for i in range(20)]
    for k in keys:
        p.produce("placed", key=k.encode(), value=b"by-client",
                  on_delivery=lambda err, msg: delivered.__setitem__(msg.key().decode(), msg.partition()))
    flush(p)
    # ... is where the API puts it.
    for k in keys:
        sent = api.ok("POST", "/api/topics/placed/messages",
                      {"key": k, "value": f'{{"from": "console", "key": "{k}"}}',
                       "headers": [{"key": "__TypeId__", "value": "com.example.Note"},
                                   {"key": "empty", "value": None}]}, want=201)
        assert sent["partition"] == delivered[k], k

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "samsa-py-placed-reader",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("placed", delivered["customer-3"], 0)])
    got = []
    while len(got) < 2:
        msg = poll_one(c)
        if msg.key() == b"customer-3":
            got.append(msg)
    c.close()
    assert got[0].value() == b"by-client"
    assert json.loads(got[1].value()) == {"from": "console", "key": "customer-3"}
    assert got[1].headers() == [("__TypeId__", b"com.example.Note"), ("empty", None)]

    status, err = api.call("POST", "/api/topics/placed/messages", {"partition": 6, "value": "x"})
    assert status == 400 and err["error"] == "BAD_REQUEST"


def test_browse_from_a_timestamp_uses_the_time_index(broker_factory):
    broker, api = console_broker(broker_factory)
    api.ok("POST", "/api/topics", {"name": "big", "partitions": 1,
                                   "configs": {"segment.bytes": 4 * 1024 * 1024}}, want=201)
    p = producer(broker, **{"linger.ms": 50, "batch.size": 262144})
    base = 1_700_000_000_000
    n = 200_000
    payload = b"x" * 100
    for i in range(n):
        p.produce("big", value=payload, timestamp=base + i, partition=0)
        if i % 10000 == 0:
            p.poll(0)
    flush(p, 120)

    t0 = time.monotonic()
    page = api.get("/api/topics/big/messages", **{"from": "timestamp"}, timestamp=base + 150_000,
                   order="oldest", limit=5)
    took = time.monotonic() - t0
    assert [m["offset"] for m in page["messages"]] == list(range(150_000, 150_005))
    assert page["scanned"] < 5000, page["scanned"]  # one read near the target, not the partition
    print(f"[console] from=timestamp on {n} records: {took * 1000:.1f} ms, scanned {page['scanned']}")

    t0 = time.monotonic()
    latest = api.get("/api/topics/big/messages", limit=50)
    print(f"[console] latest 50 of {n} records: {(time.monotonic() - t0) * 1000:.1f} ms, "
          f"scanned {latest['scanned']}")
    assert latest["messages"][0]["offset"] == n - 1

    # A text search over everything stops at its bound and says so.
    t0 = time.monotonic()
    searched = api.get("/api/topics/big/messages", q="not in any record")
    print(f"[console] search with no hit: {(time.monotonic() - t0) * 1000:.1f} ms, "
          f"scanned {searched['scanned']}, truncated {searched['truncated']}")
    assert searched["messages"] == [] and searched["truncated"] is True
    assert searched["scanned"] <= 100_000


# ---------------------------------------------------------------- groups (issue 13)

def test_poison_record_is_skipped_with_an_offset_reset(broker_factory):
    broker, api = console_broker(broker_factory)
    api.ok("POST", "/api/topics", {"name": "payments", "partitions": 1}, want=201)
    p = producer(broker)
    for i in range(10):
        value = b"{not json" if i == 4 else json.dumps({"n": i}).encode()
        p.produce("payments", value=value, partition=0)
    flush(p)

    # The listener processes and commits until the poison record, then fails on it forever.
    listener = group_consumer(broker, "billing")
    listener.subscribe(["payments"])
    while True:
        msg = poll_one(listener)
        try:
            json.loads(msg.value())
        except ValueError:
            break
        listener.commit(message=msg, asynchronous=False)
    poison = msg.offset()
    assert poison == 4

    group = api.get("/api/groups/billing")
    assert group["state"] == "Stable" and group["type"] == "classic"
    assert group["protocol_type"] == "consumer"
    assert group["members"][0]["assignment"] == [{"topic": "payments", "partitions": [0]}]
    offsets = group["offsets"]
    assert len(offsets) == 1 and offsets[0]["metadata"] in ("", None)
    assert {k: v for k, v in offsets[0].items() if k != "metadata"} == {
        "topic": "payments", "partition": 0, "committed": 4, "end_offset": 10, "lag": 6}
    listed = next(g for g in api.get("/api/groups")["groups"] if g["group_id"] == "billing")
    assert (listed["members"], listed["lag"], listed["state"]) == (1, 6, "Stable")

    # The console shows the record the group is stuck on.
    stuck = api.get("/api/topics/payments/messages", partition=0, **{"from": "offset"}, offset=4,
                    order="oldest", limit=1)["messages"][0]
    assert stuck["value"] == {"text": "{not json", "base64": "e25vdCBqc29u", "size": 9, "format": "text"}

    reset = {"topic": "payments", "partitions": [0], "to": "skip"}
    preview = api.ok("POST", "/api/groups/billing/reset-offsets", {**reset, "dry_run": True})
    assert preview == {"group_id": "billing", "state": "Stable", "applied": False,
                       "offsets": [{"topic": "payments", "partition": 0, "current": 4, "new": 5}]}
    status, refused = api.call("POST", "/api/groups/billing/reset-offsets", reset)
    assert status == 409, refused
    assert "Stable" in refused["message"] and "inactive" in refused["message"]
    assert api.get("/api/groups/billing")["offsets"][0]["committed"] == 4

    listener.close()
    wait_until(lambda: (api.get("/api/groups/billing")["state"] == "Empty",
                        api.get("/api/groups/billing")["state"]), WAIT, "the group to be Empty")
    applied = api.ok("POST", "/api/groups/billing/reset-offsets", reset)
    assert applied["applied"] is True and applied["offsets"][0]["new"] == 5

    restarted = group_consumer(broker, "billing")
    restarted.subscribe(["payments"])
    msg = poll_one(restarted)
    assert (msg.offset(), json.loads(msg.value())) == (5, {"n": 5})
    restarted.close()

    # Deleting needs the group to be empty; it is.
    wait_until(lambda: api.get("/api/groups/billing")["state"] == "Empty", WAIT, "Empty again")
    assert api.ok("DELETE", "/api/groups/billing") == {"deleted": "billing"}
    assert api.call("GET", "/api/groups/billing")[0] == 404


def test_consumer_protocol_group(broker_factory):
    broker, api = console_broker(broker_factory, **{"group.consumer.heartbeat.interval.ms": "500"})
    api.ok("POST", "/api/topics", {"name": "feed", "partitions": 3}, want=201)
    p = producer(broker)
    for i in range(6):
        p.produce("feed", value=b"x", partition=i % 3)
    flush(p)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "kip848",
                  "group.protocol": "consumer", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest"})
    c.subscribe(["feed"])

    def assigned():
        c.poll(0.1)
        g = api.get("/api/groups/kip848")
        parts = [a for m in g["members"] for a in m["assignment"]]
        return parts == [{"topic": "feed", "partitions": [0, 1, 2]}], g

    wait_until(assigned, WAIT, "the member's assignment")
    g = api.get("/api/groups/kip848")
    assert (g["type"], g["protocol_type"], g["state"]) == ("consumer", "consumer", "Stable")
    status, refused = api.call("POST", "/api/groups/kip848/reset-offsets",
                               {"topic": "feed", "to": "earliest"})
    assert status == 409 and "inactive" in refused["message"], refused
    c.close()


# ---------------------------------------------------------------- transactions

def test_transactions_and_producers(broker_factory):
    broker, api = console_broker(broker_factory)
    api.ok("POST", "/api/topics", {"name": "ledger", "partitions": 2}, want=201)
    tx = Producer({"bootstrap.servers": broker.bootstrap, "transactional.id": "ledger-writer"})
    tx.init_transactions(OP_TIMEOUT)
    tx.begin_transaction()
    tx.produce("ledger", value=b"entry", partition=1)
    flush(tx)

    def ongoing():
        txns = api.get("/api/transactions")["transactions"]
        return (len(txns) == 1 and txns[0]["state"] == "Ongoing"), txns

    wait_until(ongoing, WAIT, "an ongoing transaction")
    t = api.get("/api/transactions")["transactions"][0]
    assert t["transactional_id"] == "ledger-writer"
    assert t["partitions"] == [{"topic": "ledger", "partition": 1}]
    assert t["producer_id"] >= 0 and t["timeout_ms"] > 0 and t["start_time_ms"] > 0

    producers = api.get("/api/producers", topic="ledger")["producers"]
    assert len(producers) == 1
    assert producers[0]["producer_id"] == t["producer_id"]
    assert (producers[0]["partition"], producers[0]["current_txn_start_offset"]) == (1, 0)
    assert api.get("/api/topics/ledger")["partitions"][1]["last_stable_offset"] == 0

    tx.commit_transaction(OP_TIMEOUT)
    wait_until(lambda: (api.get("/api/transactions")["transactions"][0]["state"] == "CompleteCommit",
                        api.get("/api/transactions")), WAIT, "the commit")
    assert api.get("/api/producers", topic="ledger")["producers"][0]["current_txn_start_offset"] == -1
    page = api.get("/api/topics/ledger/messages", partition=1)
    assert [(m["offset"], m["transactional"]) for m in page["messages"]] == [(0, True)]  # no marker
    assert api.call("GET", "/api/producers", topic="nope")[0] == 404
