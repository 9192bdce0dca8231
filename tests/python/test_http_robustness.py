"""The HTTP listener under abuse must not endanger the Kafka listener (issue 13): slow
clients that never finish their request, malformed requests, oversized heads and bodies,
and more connections than samsa.http.max.connections, all at once, while a
confluent-kafka producer keeps sending with acks=all. Every abusive request gets its
HTTP error or its connection closed, the console still answers once the abuse stops,
and every record is acknowledged with a bounded latency."""

import http.client
import re
import socket
import time

from helpers import Producer, wait_until

HTTP_LINE = re.compile(r"console and metrics on http://(\S+?):(\d+);")


def http_address(broker):
    match = HTTP_LINE.search(broker.log_text())
    assert match, "the broker's start-up line names no HTTP listener"
    return match.group(1), int(match.group(2))


def raw_exchange(address, payload, timeout=5.0):
    """Sends raw bytes and returns what the server answered before closing."""
    with socket.create_connection(address, timeout=timeout) as s:
        s.sendall(payload)
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except (ConnectionResetError, socket.timeout):
            pass
        return b"".join(chunks)


def status_of(answer):
    line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def test_abusive_http_clients_leave_kafka_alone(broker_factory):
    broker = broker_factory(overrides={
        "samsa.http.listener": "127.0.0.1:0",
        "samsa.http.max.connections": "16",
        "samsa.http.request.max.bytes": "65536",
    })
    address = http_address(broker)

    # Malformed, oversized body, oversized head: each answered with its status.
    assert status_of(raw_exchange(address, b"NOT HTTP AT ALL\r\n\r\n")) == 400
    big = b"x" * 70000
    assert status_of(raw_exchange(
        address, b"POST /api/topics HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(big) + big)) == 413
    assert status_of(raw_exchange(
        address, b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"y" * 20000 + b"\r\n\r\n")) == 431

    # Slow clients: half a request head each, never finished; more of them than the
    # connection cap.
    slow = []
    for _ in range(24):
        try:
            s = socket.create_connection(address, timeout=5.0)
            s.sendall(b"GET /api/overview HTTP/1.1\r\nHost: a\r\n")
            slow.append(s)
        except OSError:
            pass

    # Kafka meanwhile: acks=all produce round trips stay fast.
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "linger.ms": 0})
    latencies = []
    for i in range(200):
        started = time.monotonic()
        done = []
        producer.produce("robust", value=b"v%d" % i, on_delivery=lambda e, m: done.append(e))
        producer.flush(10)
        assert done == [None], f"record {i} not acknowledged: {done}"
        latencies.append(time.monotonic() - started)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    # Generous: the bound is against the listener stalling (seconds), not a benchmark.
    assert p99 < 0.5, f"produce p99 {p99 * 1000:.0f} ms while HTTP is abused"

    # Connections beyond the cap were closed at once: at most 16 are open.
    refused = 0
    for s in slow:
        s.settimeout(0.2)
        try:
            if s.recv(1) == b"":
                refused += 1
        except socket.timeout:
            pass
        except ConnectionResetError:
            refused += 1
    assert refused >= len(slow) - 16, f"only {refused} of {len(slow)} beyond the cap closed"

    for s in slow:
        s.close()

    # Once the slow clients are gone the console answers again.
    def overview_answers():
        try:
            conn = http.client.HTTPConnection(*address, timeout=2)
            conn.request("GET", "/api/overview")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    wait_until(overview_answers, 15, "the console answering after the abuse")
