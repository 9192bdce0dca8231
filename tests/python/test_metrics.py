"""/metrics (samsa.http.listener) with real clients around it, parsed with the official
Prometheus client's parser (prometheus-client from PyPI): what confluent-kafka producers
and consumers did is what the scrape says.

* requests counted per API (Produce, Fetch, ...), latency histograms consistent (cumulative
  buckets, +Inf = _count = the request count);
* per topic: records and bytes in equal what the log holds, bytes out cover what the
  consumer read;
* per partition: offsets and sizes as the clients see them; per group: committed offsets as
  the consumer committed them, lag = log end - committed;
* flushes of acks=all produces, connections, process and build info;
* ?partitions=false leaves the per-partition series out; a refused request counts as a
  failure.
"""

import re
import socket
import struct
import time
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from helpers import (OP_TIMEOUT, Consumer, Producer, TopicPartition, admin, consume_n,
                     create_topic, flush, wait_until)

HTTP_LINE = re.compile(r"console and metrics on http://(\S+?);")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Scrape:
    """One parsed scrape: samples by name, each a list of (labels, value)."""

    def __init__(self, text):
        self.text = text
        self.families = {}
        self.samples = {}
        for family in text_string_to_metric_families(text):
            assert family.name not in self.families, f"family {family.name} twice"
            self.families[family.name] = family
            for s in family.samples:
                self.samples.setdefault(s.name, []).append((s.labels, s.value))

    def values(self, name, **labels):
        return [v for l, v in self.samples.get(name, []) if all(l.get(k) == w for k, w in labels.items())]

    def value(self, name, **labels):
        found = self.values(name, **labels)
        assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
        return found[0]

    def total(self, name, **labels):
        return sum(self.values(name, **labels))

    def by(self, name, key, **labels):
        """{labels[key]: value} of the matching samples (key a label name or a tuple)."""
        keys = key if isinstance(key, tuple) else (key,)
        out = {}
        for l, v in self.samples.get(name, []):
            if all(l.get(k) == w for k, w in labels.items()):
                k = tuple(l[x] for x in keys)
                out[k if isinstance(key, tuple) else k[0]] = v
        return out


def http_base(broker):
    match = HTTP_LINE.search(broker.log_text())
    assert match, "the broker's start-up line names no HTTP listener"
    return f"http://{match.group(1)}"


def scrape(broker, query=""):
    with urllib.request.urlopen(http_base(broker) + "/metrics" + query, timeout=OP_TIMEOUT) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == CONTENT_TYPE
        return Scrape(r.read().decode())


def check_histograms(s):
    """Every histogram: cumulative buckets ending in +Inf, which equals _count."""
    checked = 0
    for family in s.families.values():
        if family.type != "histogram":
            continue
        series = {}
        for sample in family.samples:
            labels = {k: v for k, v in sample.labels.items() if k != "le"}
            key = tuple(sorted(labels.items()))
            entry = series.setdefault(key, {"buckets": [], "sum": None, "count": None})
            if sample.name.endswith("_bucket"):
                entry["buckets"].append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_sum"):
                entry["sum"] = sample.value
            elif sample.name.endswith("_count"):
                entry["count"] = sample.value
        for key, e in series.items():
            bounds = [b for b, _ in e["buckets"]]
            counts = [c for _, c in e["buckets"]]
            assert bounds == sorted(bounds) and bounds[-1] == float("inf"), (family.name, key)
            assert counts == sorted(counts), f"{family.name}{key}: buckets not cumulative {counts}"
            assert counts[-1] == e["count"], (family.name, key, counts[-1], e["count"])
            assert e["sum"] is not None and e["sum"] >= 0, (family.name, key)
            checked += 1
    return checked


def test_metrics_follow_real_clients(broker_factory):
    broker = broker_factory(overrides={"samsa.http.listener": "127.0.0.1:0"})
    topic, group, partitions = "metrics-orders", "metrics-group", 3
    create_topic(admin(broker), topic, partitions)

    # 300 records with acks=all (answered after fsync: flushes to count), uncompressed so
    # that the log holds exactly the bytes produced.
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5,
                  "compression.type": "none", "enable.idempotence": False})
    for i in range(300):
        p.produce(topic, key=f"k{i}".encode(), value=(b"v" * (i % 50)) + str(i).encode())
    flush(p)

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    consume_n(c, 300)
    c.commit(asynchronous=False)

    s = scrape(broker)
    log_size = s.value("samsa_topic_log_size_bytes", topic=topic)
    assert s.value("samsa_topic_records_in_total", topic=topic) == 300
    assert s.value("samsa_topic_bytes_in_total", topic=topic) == log_size > 300
    assert s.total("samsa_partition_log_size_bytes", topic=topic) == log_size
    # The consumer read every batch at least once.
    assert s.value("samsa_topic_bytes_out_total", topic=topic) >= log_size
    assert s.value("samsa_topic_produce_errors_total", topic=topic) == 0

    # 50 more, not consumed: the group's lag.
    for i in range(50):
        p.produce(topic, key=f"late{i}".encode(), value=b"late")
    flush(p)

    s = scrape(broker)
    assert s.value("samsa_topic_records_in_total", topic=topic) == 350
    assert s.value("samsa_topic_bytes_in_total", topic=topic) == s.value(
        "samsa_topic_log_size_bytes", topic=topic)
    ends = s.by("samsa_partition_log_end_offset", "partition", topic=topic)
    starts = s.by("samsa_partition_log_start_offset", "partition", topic=topic)
    assert sorted(ends) == [str(i) for i in range(partitions)]
    assert sum(ends.values()) == 350
    for part, end in ends.items():
        low, high = c.get_watermark_offsets(TopicPartition(topic, int(part)), timeout=OP_TIMEOUT)
        assert (starts[part], end) == (low, high), f"partition {part}"
        assert s.value("samsa_partition_log_segments", topic=topic, partition=part) == 1
    assert s.value("samsa_topic_partitions", topic=topic) == partitions

    committed = {tp.partition: tp.offset for tp in
                 c.committed([TopicPartition(topic, i) for i in range(partitions)], timeout=OP_TIMEOUT)}
    got = s.by("samsa_consumer_group_committed_offset", "partition", group=group, topic=topic)
    assert {int(k): v for k, v in got.items()} == committed
    lags = s.by("samsa_consumer_group_lag", "partition", group=group, topic=topic)
    for part, lag in lags.items():
        assert lag == ends[part] - got[part], f"partition {part}"
    assert sum(lags.values()) == 50
    assert s.value("samsa_consumer_group_topic_lag", group=group, topic=topic) == 50
    assert s.value("samsa_consumer_group_members", group=group) == 1
    info = s.values("samsa_consumer_group_info", group=group)
    assert info == [1]
    assert s.value("samsa_consumer_groups", state="Stable") >= 1

    # Requests per API: what the clients sent, with consistent latency histograms.
    for api in ("ApiVersions", "Metadata", "Produce", "Fetch", "OffsetCommit", "JoinGroup"):
        assert s.total("samsa_requests_total", api=api) > 0, api
    for labels, count in s.samples["samsa_requests_total"]:
        assert s.value("samsa_request_duration_seconds_count", **labels) == count, labels
        assert s.value("samsa_request_duration_seconds_bucket", le="+Inf", **labels) == count
    assert s.total("samsa_request_failures_total") == 0
    # Fetch long-polls (librdkafka waits up to fetch.wait.max.ms=500): some took a while.
    assert s.total("samsa_request_duration_seconds_sum", api="Fetch") > 0
    assert check_histograms(s) >= 6

    # acks=all: flushes happened and released the produce requests waiting for them.
    assert s.value("samsa_log_flush_duration_seconds_count") > 0
    assert s.value("samsa_log_fsyncs_total") >= s.value("samsa_log_flush_duration_seconds_count")
    assert s.value("samsa_log_flush_batch_requests_sum") >= 1
    assert s.value("samsa_log_flush_batch_bytes_sum") >= log_size
    assert s.value("samsa_log_flush_failures_total") == 0

    # Connections: the gauge is what was accepted and not yet closed.
    open_now = s.value("samsa_connections")
    assert open_now >= 2  # the producer's and the consumer's at least
    assert s.value("samsa_connections_accepted_total") - s.value(
        "samsa_connections_closed_total") == open_now

    # The process and the broker.
    assert s.value("process_resident_memory_bytes") > 1 << 20
    assert s.value("process_virtual_memory_bytes") >= s.value("process_resident_memory_bytes")
    assert s.value("process_open_fds") > 3
    assert s.value("process_cpu_seconds_total") >= 0  # in 10 ms ticks: may still be 0
    assert abs(s.value("process_start_time_seconds") - time.time()) < 600
    assert 0 <= s.value("samsa_uptime_seconds") < 600
    assert len(s.values("samsa_build_info")) == 1
    assert s.value("samsa_topics") >= 1 and s.value("samsa_partitions") >= partitions
    for name in s.families:
        assert name.startswith(("samsa_", "process_")), name

    c.close()
    p.flush(OP_TIMEOUT)

    # The group is empty once its consumer left; per-partition series can be left out.
    def empty():
        s = scrape(broker)
        return s.value("samsa_consumer_group_members", group=group) == 0, s.by(
            "samsa_consumer_group_info", "state", group=group)
    wait_until(empty, 30, "the group to be empty")
    lean = scrape(broker, "?partitions=false")
    assert "samsa_partition_log_end_offset" not in lean.families
    assert "samsa_consumer_group_lag" not in lean.families
    assert lean.value("samsa_consumer_group_topic_lag", group=group, topic=topic) == 50
    assert lean.value("samsa_topic_records_in_total", topic=topic) == 350
    assert len(lean.text) < len(scrape(broker).text)


def test_refused_request_counts_as_failure(broker_factory):
    broker = broker_factory(overrides={"samsa.http.listener": "127.0.0.1:0"})
    # API key 999 is no Kafka API: the broker closes the connection, as Kafka does.
    header = struct.pack(">hhih", 999, 0, 7, -1)
    with socket.create_connection(("127.0.0.1", broker.port), timeout=OP_TIMEOUT) as sock:
        sock.sendall(struct.pack(">i", len(header)) + header)
        assert sock.recv(1) == b""  # closed without an answer

    def counted():
        s = scrape(broker)
        failures = s.values("samsa_request_failures_total", api="unknown", version="unknown")
        return failures == [1], failures
    wait_until(counted, 10, "the refused request to be counted")
    s = scrape(broker)
    assert s.value("samsa_requests_total", api="unknown", version="unknown") == 1
    assert s.value("samsa_connections_closed_total") >= 1
