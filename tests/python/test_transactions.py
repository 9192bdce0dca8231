"""confluent-kafka (bundled librdkafka 2.16) transactions against samsa: commit and abort
seen through read_committed and read_uncommitted, the last stable offset (LSO) of an open
transaction (watermarks, offsets_for_times, AdminClient list_offsets by isolation level),
consume-transform-produce with send_offsets_to_transaction and one aborted batch, zombie
fencing by a second producer with the same transactional.id, and the coordinator's abort of
a timed-out transaction.

Offsets are Kafka's layout: one control record (marker) per partition per ended
transaction, never delivered to the application. The expectations follow Apache Kafka's
(the same scenarios as tests/java/clients TransactionsTest, checked against Kafka 4.4).

confluent-kafka 2.16's AdminClient has no ListTransactions, DescribeTransactions or
DescribeProducers (librdkafka 2.16 implements none of them), so those APIs are not covered
here; its list_offsets takes an isolation level, which is.
"""

import time

import pytest
from confluent_kafka import OFFSET_BEGINNING, ConsumerGroupTopicPartitions, IsolationLevel
from confluent_kafka.admin import OffsetSpec

from helpers import (OP_TIMEOUT, Consumer, DeliveryLog, KafkaError, KafkaException, Producer,
                     TopicPartition, admin, create_topic, flush, wait_until)

WAIT = 30.0
BASE_TS = 1_700_000_000_000
FENCING = {KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH}


# ---------------------------------------------------------------- helpers

def tx_producer(broker, txid, **extra):
    conf = {"bootstrap.servers": broker.bootstrap, "transactional.id": txid,
            "client.id": f"samsa-py-{txid}", "linger.ms": 5}
    conf.update(extra)
    return Producer(conf)


def plain_producer(broker):
    return Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                     "client.id": "samsa-py-plain", "linger.ms": 0})


def assigned(broker, isolation, topic, partitions):
    """A consumer (no group membership: assign) at the beginning of the partitions."""
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "samsa-py-txn-unused",
                  "client.id": f"samsa-py-{isolation}", "isolation.level": isolation,
                  "enable.auto.commit": False, "enable.partition.eof": True,
                  "auto.offset.reset": "earliest"})
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
    return c


class Reader:
    """Polls an assigned consumer, keeping the records and the last EOF offset (the fetch
    position where the partition ran dry: the LSO for read_committed) per partition."""

    def __init__(self, consumer):
        self.c = consumer
        self.records = []
        self.eof = {}

    def poll(self, timeout=0.2):
        for m in self.c.consume(num_messages=500, timeout=timeout):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    self.eof[m.partition()] = m.offset()
                    continue
                pytest.fail(f"consumer error: {m.error()}", pytrace=False)
            self.records.append(m)
            self.eof.pop(m.partition(), None)

    def until_eof_at(self, ends):
        """Polls until every partition reported EOF at its offset in `ends` (bounded)."""
        deadline = time.monotonic() + WAIT
        while any(self.eof.get(p) != off for p, off in ends.items()):
            if time.monotonic() > deadline:
                pytest.fail(f"EOF offsets {self.eof} did not reach {ends} within {WAIT}s; got "
                            f"{describe(self.records)}", pytrace=False)
            self.poll()
        return self

    def poll_for(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.poll(0.1)
        return self

    def of(self, partition):
        """"offset=value" per record of the partition, in the order received."""
        return [f"{m.offset()}={m.value().decode()}" for m in self.records if m.partition() == partition]

    def values(self):
        return [m.value().decode() for m in self.records]


def describe(msgs):
    return "[" + ", ".join(f"{m.partition()}@{m.offset()}={m.value()!r}" for m in msgs) + "]"


def list_offset(adm, topic, partition, isolation, spec=None):
    tp = TopicPartition(topic, partition)
    futures = adm.list_offsets({tp: spec or OffsetSpec.latest()}, isolation_level=isolation,
                               request_timeout=OP_TIMEOUT)
    return futures[tp].result(OP_TIMEOUT).offset


def watermarks(consumer, topic, partition):
    """(low, high) from the broker (ListOffsets with the consumer's isolation level)."""
    return consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=OP_TIMEOUT)


def offset_for_time(consumer, topic, partition, ts):
    tps = consumer.offsets_for_times([TopicPartition(topic, partition, ts)], timeout=OP_TIMEOUT)
    assert tps[0].error is None, f"offsets_for_times: {tps[0].error}"
    return tps[0].offset


def kafka_error(exc_info):
    return exc_info.value.args[0]


def check_fenced(err, what):
    assert err.fatal() and err.code() in FENCING, f"{what}: want a fatal fencing error, got {err!r}"


def group_offsets(adm, group, topic, partitions, require_stable=False):
    """The group's committed offsets {partition: offset} (partitions without one left out),
    or with require_stable {partition: offset or error name}: a partition with offsets
    pending in an open transaction answers UNSTABLE_OFFSET_COMMIT (Kafka's OffsetFetch)."""
    q = ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(partitions)])
    r = adm.list_consumer_group_offsets([q], require_stable=require_stable,
                                        request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
    out = {}
    for tp in r.topic_partitions:
        if tp.error is not None:
            out[tp.partition] = tp.error.name()
        elif tp.offset >= 0:
            out[tp.partition] = tp.offset
    return out


# ---------------------------------------------------------------- tests

def test_commit_abort_commit(broker):
    """Three transactions over three partitions, three records per partition each:
    committed, aborted, committed. read_committed sees the two committed ones, read_uncommitted
    all three, neither a control record; the markers are offset gaps (3, 7, 11)."""
    adm = admin(broker)
    topic, partitions, per = "py-txn-cac", 3, 3
    create_topic(adm, topic, partitions)
    p = tx_producer(broker, "py-tx-cac")
    p.init_transactions(WAIT)
    for txn in range(3):
        p.begin_transaction()
        log = DeliveryLog()
        for i in range(per):
            for part in range(partitions):
                p.produce(topic, key=f"k{i}", value=f"t{txn}-p{part}-{i}", partition=part, on_delivery=log)
        flush(p)
        log.check(per * partitions)
        for m in log.delivered:
            i = int(m.value().decode().rsplit("-", 1)[1])
            assert m.offset() == 4 * txn + i, f"txn {txn}: {m.value()!r} at {m.offset()}"
        if txn == 1:
            p.abort_transaction(WAIT)
        else:
            p.commit_transaction(WAIT)

    log_end = 3 * (per + 1)
    rc = Reader(assigned(broker, "read_committed", topic, partitions))
    rc.until_eof_at({part: log_end for part in range(partitions)}).poll_for(0.3)
    assert len(rc.records) == 2 * partitions * per, f"read_committed: {describe(rc.records)}"
    for part in range(partitions):
        want = [f"{4 * txn + i}=t{txn}-p{part}-{i}" for txn in (0, 2) for i in range(per)]
        assert rc.of(part) == want, f"read_committed partition {part}"
        assert watermarks(rc.c, topic, part) == (0, log_end), "read_committed watermarks (LSO)"
        assert list_offset(adm, topic, part, IsolationLevel.READ_COMMITTED) == log_end
    rc.c.close()

    ru = Reader(assigned(broker, "read_uncommitted", topic, partitions))
    ru.until_eof_at({part: log_end for part in range(partitions)}).poll_for(0.3)
    assert len(ru.records) == 3 * partitions * per, f"read_uncommitted: {describe(ru.records)}"
    for part in range(partitions):
        want = [f"{4 * txn + i}=t{txn}-p{part}-{i}" for txn in range(3) for i in range(per)]
        assert ru.of(part) == want, f"read_uncommitted partition {part} (no control records)"
        assert watermarks(ru.c, topic, part) == (0, log_end), "read_uncommitted watermarks"
        assert list_offset(adm, topic, part, IsolationLevel.READ_UNCOMMITTED) == log_end
    ru.c.close()
    p.flush(1)


def test_open_transaction_holds_back_read_committed(broker):
    """An open transaction holds read_committed back at its first offset (the LSO), also
    non-transactional records written after it: watermarks, list_offsets and a record
    found by timestamp at or past the LSO answer so; once committed everything is delivered."""
    adm = admin(broker)
    topic = "py-txn-open"
    create_topic(adm, topic, 1)
    plain = plain_producer(broker)
    a = tx_producer(broker, "py-tx-open")
    log = DeliveryLog()
    for i in range(2):
        plain.produce(topic, value=f"before-{i}", partition=0, timestamp=BASE_TS + i * 1000, on_delivery=log)
    flush(plain)
    a.init_transactions(WAIT)
    a.begin_transaction()
    for i in range(5):
        a.produce(topic, value=f"txn-{i}", partition=0, timestamp=BASE_TS + (2 + i) * 1000, on_delivery=log)
    flush(a)
    for i in range(3):
        plain.produce(topic, value=f"after-{i}", partition=0, timestamp=BASE_TS + (7 + i) * 1000, on_delivery=log)
    flush(plain)
    log.check(10)
    assert sorted((m.offset(), m.value().decode()) for m in log.delivered) == \
        [(0, "before-0"), (1, "before-1")] + [(2 + i, f"txn-{i}") for i in range(5)] + \
        [(7 + i, f"after-{i}") for i in range(3)]

    # LSO = 2 (the open transaction's first offset); the log end is 10.
    assert list_offset(adm, topic, 0, IsolationLevel.READ_COMMITTED) == 2
    assert list_offset(adm, topic, 0, IsolationLevel.READ_UNCOMMITTED) == 10
    rc = Reader(assigned(broker, "read_committed", topic, 1))
    ru = Reader(assigned(broker, "read_uncommitted", topic, 1))
    assert watermarks(rc.c, topic, 0) == (0, 2), "read_committed watermarks: high = LSO"
    assert watermarks(ru.c, topic, 0) == (0, 10), "read_uncommitted watermarks: high = log end"
    # By timestamp: before the LSO both find the record; at or past it only read_uncommitted
    # (Kafka's lastFetchableOffset: read_committed finds nothing, offset -1).
    assert offset_for_time(rc.c, topic, 0, BASE_TS + 1000) == 1
    assert offset_for_time(ru.c, topic, 0, BASE_TS + 1000) == 1
    assert offset_for_time(ru.c, topic, 0, BASE_TS + 3000) == 3
    assert offset_for_time(rc.c, topic, 0, BASE_TS + 3000) == -1
    assert offset_for_time(rc.c, topic, 0, BASE_TS + 8000) == -1
    assert list_offset(adm, topic, 0, IsolationLevel.READ_COMMITTED, OffsetSpec.for_timestamp(BASE_TS + 3000)) == -1
    assert list_offset(adm, topic, 0, IsolationLevel.READ_UNCOMMITTED,
                       OffsetSpec.for_timestamp(BASE_TS + 3000)) == 3

    rc.until_eof_at({0: 2}).poll_for(1.5)
    assert rc.of(0) == ["0=before-0", "1=before-1"], \
        "read_committed stops at the LSO: neither the open transaction nor what follows it"
    assert rc.eof == {0: 2}, "read_committed position stays at the LSO"
    ru.until_eof_at({0: 10})
    assert len(ru.records) == 10, f"read_uncommitted sees the open transaction: {describe(ru.records)}"

    a.commit_transaction(WAIT)
    rc.until_eof_at({0: 11})  # past the commit marker at 10
    want = ["0=before-0", "1=before-1"] + [f"{2 + i}=txn-{i}" for i in range(5)] + \
        [f"{7 + i}=after-{i}" for i in range(3)]
    assert rc.of(0) == want, "read_committed after the commit"
    assert watermarks(rc.c, topic, 0) == (0, 11), "LSO after the commit = log end"
    assert list_offset(adm, topic, 0, IsolationLevel.READ_COMMITTED) == 11
    assert offset_for_time(rc.c, topic, 0, BASE_TS + 3000) == 3
    assert offset_for_time(rc.c, topic, 0, BASE_TS + 8000) == 8
    rc.c.close()
    ru.c.close()


def test_consume_transform_produce_with_aborted_batch(broker):
    """Exactly-once consume-transform-produce: each batch's output and its input offsets
    (send_offsets_to_transaction with the consumer's group metadata) commit together; one
    batch is aborted, which leaves the group's committed offsets where they were, and is
    redone. read_committed sees each output once; read_uncommitted also the aborted batch."""
    adm = admin(broker)
    src, dst, group, partitions, n = "py-txn-ctp-in", "py-txn-ctp-out", "py-txn-ctp-group", 3, 60
    create_topic(adm, src, partitions)
    create_topic(adm, dst, partitions)
    plain = plain_producer(broker)
    for i in range(n):
        plain.produce(src, key=f"k{i}", value=f"v{i}", partition=i % partitions)
    flush(plain)

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group,
                         "client.id": "samsa-py-ctp", "isolation.level": "read_committed",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    producer = tx_producer(broker, "py-tx-ctp")
    producer.init_transactions(WAIT)
    consumer.subscribe([src])
    done = {}  # committed through the transactions: partition -> next offset
    batches = aborted_records = 0
    aborted = False
    deadline = time.monotonic() + 60
    while sum(done.values()) < n:
        assert time.monotonic() < deadline, f"consume-transform-produce stuck at {done}"
        msgs = consumer.consume(num_messages=7, timeout=0.2)
        for m in msgs:
            assert m.error() is None, f"consumer error: {m.error()}"
        if not msgs:
            continue
        batches += 1
        producer.begin_transaction()
        offsets = {}
        for m in msgs:
            producer.produce(dst, key=m.key(), value=b"out-" + m.value(), partition=m.partition())
            offsets[m.partition()] = m.offset() + 1
        producer.send_offsets_to_transaction([TopicPartition(src, part, off) for part, off in offsets.items()],
                                             consumer.consumer_group_metadata(), WAIT)
        if batches == 3 and not aborted:
            aborted = True
            aborted_records = len(msgs)
            # librdkafka's abort purges what is not sent yet: flush so the batch is in the log.
            flush(producer)
            before = group_offsets(adm, group, src, partitions)
            assert before == done, "committed offsets before the aborted batch"
            pending = group_offsets(adm, group, src, partitions, require_stable=True)
            assert pending == {p: "UNSTABLE_OFFSET_COMMIT" if p in offsets else done[p] for p in done | offsets}, \
                f"require_stable while offsets {offsets} are pending in the open transaction"
            producer.abort_transaction(WAIT)
            assert group_offsets(adm, group, src, partitions) == before, \
                "an aborted transaction commits no offsets"
            # The markers reach __consumer_offsets shortly after EndTxn answers (as in Kafka).
            t0 = time.monotonic()
            wait_until(lambda: (group_offsets(adm, group, src, partitions, require_stable=True) == before,
                                group_offsets(adm, group, src, partitions, require_stable=True)),
                       WAIT, f"nothing pending after the abort: stable offsets {before}")
            print(f"offsets stable {time.monotonic() - t0:.3f}s after the abort returned")
            # Redo from the committed offsets (the beginning where nothing is committed yet).
            for tp in consumer.assignment():
                consumer.seek(TopicPartition(src, tp.partition, done.get(tp.partition, OFFSET_BEGINNING)))
            print(f"aborted batch {batches} of {aborted_records} records; offsets stay {before}")
            continue
        producer.commit_transaction(WAIT)
        done.update(offsets)
        want = dict(done)
        wait_until(lambda: (group_offsets(adm, group, src, partitions, require_stable=True) == want,
                            group_offsets(adm, group, src, partitions, require_stable=True)),
                   WAIT, f"group offsets {want}")
        got = {tp.partition: tp.offset for tp in
               consumer.committed([TopicPartition(src, p) for p in range(partitions)], timeout=OP_TIMEOUT)
               if tp.offset >= 0}
        assert got == want, "the consumer's committed() after the commit"
    consumer.close()
    assert aborted and aborted_records > 0, "one batch was aborted"
    assert group_offsets(adm, group, src, partitions) == {p: n // partitions for p in range(partitions)}

    ends = {p: list_offset(adm, dst, p, IsolationLevel.READ_COMMITTED) for p in range(partitions)}
    assert ends == {p: list_offset(adm, dst, p, IsolationLevel.READ_UNCOMMITTED) for p in range(partitions)}, \
        "no open transaction left on the output"
    rc = Reader(assigned(broker, "read_committed", dst, partitions))
    rc.until_eof_at(ends).poll_for(0.3)
    counts = {}
    for m in rc.records:
        counts[m.value().decode()] = counts.get(m.value().decode(), 0) + 1
        assert m.value().decode() == f"out-v{m.key().decode()[1:]}", f"output of {m.key()!r}"
        assert int(m.key().decode()[1:]) % partitions == m.partition()
    assert len(rc.records) == n, f"each output exactly once: {sorted(counts.items())}"
    assert counts == {f"out-v{i}": 1 for i in range(n)}
    rc.c.close()
    ru = Reader(assigned(broker, "read_uncommitted", dst, partitions))
    ru.until_eof_at(ends).poll_for(0.3)
    assert len(ru.records) == n + aborted_records, "read_uncommitted also sees the aborted batch"
    ru.c.close()
    print(f"consume-transform-produce: {batches} batches, {aborted_records} records aborted and redone")


def test_zombie_is_fenced(broker):
    """A second producer with the same transactional.id fences the first: its open
    transaction is aborted (init_transactions returns after the marker), its next send and
    its commit fail with a fatal fencing error; only the second one's records become visible."""
    adm = admin(broker)
    topic = "py-txn-fence"
    create_topic(adm, topic, 1)
    p1 = tx_producer(broker, "py-tx-fence")
    p2 = tx_producer(broker, "py-tx-fence")
    p1.init_transactions(WAIT)
    p1.begin_transaction()
    for i in range(3):
        p1.produce(topic, value=f"zombie-{i}", partition=0)
    flush(p1)

    p2.init_transactions(WAIT)
    assert list_offset(adm, topic, 0, IsolationLevel.READ_COMMITTED) == 4, "LSO past P1's abort marker at 3"

    late = DeliveryLog()
    try:
        p1.produce(topic, value="zombie-late", partition=0, on_delivery=late)
        deadline = time.monotonic() + WAIT
        while not (late.errors or late.delivered) and time.monotonic() < deadline:
            p1.poll(0.1)
        print(f"fenced P1 send: delivery errors {late.errors}")
        assert not late.delivered, f"the zombie's late send was acknowledged at {late.delivered[0].offset()}"
        assert late.errors, "the zombie's late send got no delivery report"
    except KafkaException as e:  # already fatal: produce() refuses at once
        print(f"fenced P1 send refused: {e!r}")
        check_fenced(e.args[0], "P1's send after the fence")
    with pytest.raises(KafkaException) as info:
        p1.commit_transaction(WAIT)
    print(f"fenced P1 commit: {kafka_error(info)!r}")
    check_fenced(kafka_error(info), "P1's commit after the fence")

    p2.begin_transaction()
    for i in range(2):
        p2.produce(topic, value=f"live-{i}", partition=0)
    p2.commit_transaction(WAIT)

    log_end = list_offset(adm, topic, 0, IsolationLevel.READ_UNCOMMITTED)
    # P1's records 0..2, its abort marker 3, P2's records 4..5, P2's commit marker 6.
    assert log_end == 7, "log end"
    rc = Reader(assigned(broker, "read_committed", topic, 1))
    rc.until_eof_at({0: log_end}).poll_for(0.3)
    assert rc.of(0) == ["4=live-0", "5=live-1"], "read_committed: only P2's records"
    rc.c.close()
    ru = Reader(assigned(broker, "read_uncommitted", topic, 1))
    ru.until_eof_at({0: log_end}).poll_for(0.3)
    assert ru.values() == ["zombie-0", "zombie-1", "zombie-2", "live-0", "live-1"], \
        "read_uncommitted: the zombie's aborted records, never its late send"
    ru.c.close()


def test_zombie_commit_is_fenced(broker):
    """The zombie's first call after the fence is its commit (no send in between): EndTxn
    with the old epoch is refused, fatally, and nothing of the zombie's becomes visible."""
    adm = admin(broker)
    topic = "py-txn-fence-commit"
    create_topic(adm, topic, 1)
    p1 = tx_producer(broker, "py-tx-fence-commit")
    p2 = tx_producer(broker, "py-tx-fence-commit")
    p1.init_transactions(WAIT)
    p1.begin_transaction()
    for i in range(3):
        p1.produce(topic, value=f"zombie-{i}", partition=0)
    flush(p1)
    p2.init_transactions(WAIT)
    with pytest.raises(KafkaException) as info:
        p1.commit_transaction(WAIT)
    print(f"fenced P1 commit without a send first: {kafka_error(info)!r}")
    check_fenced(kafka_error(info), "P1's commit after the fence")
    p2.begin_transaction()
    p2.produce(topic, value="live", partition=0)
    p2.commit_transaction(WAIT)
    rc = Reader(assigned(broker, "read_committed", topic, 1))
    rc.until_eof_at({0: 6}).poll_for(0.3)
    assert rc.of(0) == ["4=live"], "read_committed: only P2's record"
    rc.c.close()


def test_timed_out_transaction_is_aborted(broker_factory):
    """A transaction left open past transaction.timeout.ms is aborted by the coordinator:
    read_committed moves past it (what followed it becomes readable, its records never do),
    and the stalled producer's commit fails with a fatal fencing error."""
    broker = broker_factory(overrides={
        "transaction.abort.timed.out.transaction.cleanup.interval.ms": "500"})
    adm = admin(broker)
    topic = "py-txn-timeout"
    create_topic(adm, topic, 1)
    plain = plain_producer(broker)
    stalled = tx_producer(broker, "py-tx-timeout", **{"transaction.timeout.ms": 3000})
    stalled.init_transactions(WAIT)
    opened = time.monotonic()  # the coordinator starts the clock at AddPartitionsToTxn, later
    stalled.begin_transaction()
    stalled.produce(topic, value="stalled-0", partition=0)
    stalled.produce(topic, value="stalled-1", partition=0)
    flush(stalled)
    log = DeliveryLog()
    plain.produce(topic, value="plain", partition=0, on_delivery=log)
    flush(plain)
    log.check(1)
    assert log.delivered[0].offset() == 2
    assert list_offset(adm, topic, 0, IsolationLevel.READ_COMMITTED) == 0, "LSO at the open transaction"

    # The coordinator aborts it: marker at 3, LSO = log end = 4.
    rc = Reader(assigned(broker, "read_committed", topic, 1))
    rc.until_eof_at({0: 4})
    aborted_after = time.monotonic() - opened
    print(f"timed-out transaction aborted (visible to read_committed) {aborted_after:.2f}s after it was opened")
    assert aborted_after >= 2.9, f"aborted before transaction.timeout.ms: {aborted_after:.2f}s"
    rc.poll_for(0.3)
    assert rc.of(0) == ["2=plain"], "read_committed: only the plain record"
    assert list_offset(adm, topic, 0, IsolationLevel.READ_UNCOMMITTED) == 4, "log end after the abort marker"
    rc.c.close()

    with pytest.raises(KafkaException) as info:
        stalled.commit_transaction(WAIT)
    print(f"commit after the timeout: {kafka_error(info)!r}")
    check_fenced(kafka_error(info), "commit after the timeout")
