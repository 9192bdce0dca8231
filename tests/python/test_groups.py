"""confluent-kafka consumer groups: the classic protocol (the client's default eager
range assignor) and the KIP-848 consumer protocol (group.protocol=consumer), each with
three members sharing six partitions, hand-over on leave, and commit/resume without
re-delivery; the AdminClient's view of the group along the way."""

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupType
from confluent_kafka.error import KafkaError, KafkaException

from helpers import (OP_TIMEOUT, Consumer, DeliveryLog, Producer, TopicPartition, admin,
                     create_topic, flush, wait_until)

PARTITIONS = 6
# The broker's KIP-848 heartbeat interval (default 5 s) shortened so reconciliation is quick.
BROKER_OVERRIDES = {"group.consumer.heartbeat.interval.ms": "500"}


class Member:
    """One group member, polled by the test thread (step()). After every poll that
    returned records it commits synchronously; in on_revoke too, so a hand-over
    re-delivers nothing."""

    def __init__(self, broker, name, group, topic, protocol):
        conf = {"bootstrap.servers": broker.bootstrap, "group.id": group,
                "client.id": f"samsa-py-{name}", "enable.auto.commit": False,
                "auto.offset.reset": "earliest"}
        if protocol.startswith("consumer"):
            conf["group.protocol"] = "consumer"
            if protocol == "consumer-range":
                conf["group.remote.assignor"] = "range"
        else:
            conf.update({"session.timeout.ms": 10000, "heartbeat.interval.ms": 300})
        self.name = name
        self.consumer = Consumer(conf)
        self.received = []
        self.errors = []
        self.closed = False
        self.consumer.subscribe([topic], on_revoke=self._on_revoke)

    def _on_revoke(self, consumer, partitions):
        self._commit()

    def _commit(self):
        try:
            self.consumer.commit(asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:
                self.errors.append(f"commit: {e}")

    def step(self, timeout=0.05):
        if self.closed:
            return
        msgs = self.consumer.consume(num_messages=500, timeout=timeout)
        fresh = False
        for m in msgs:
            if m.error():
                if m.error().code() != KafkaError._PARTITION_EOF:
                    self.errors.append(f"consume: {m.error()}")
                continue
            self.received.append((m.topic(), m.partition(), m.offset()))
            fresh = True
        if fresh:
            self._commit()

    def owned(self):
        return {(tp.topic, tp.partition) for tp in self.consumer.assignment()}

    def close(self):
        if not self.closed:
            self.consumer.close()
            self.closed = True


def step_all(members):
    for m in members:
        m.step()


def wait_cover(members, topic, sizes, what):
    """Polls the members until their assignments cover the topic exactly once with the
    given sizes."""
    def check():
        step_all(members)
        owned = [m.owned() for m in members]
        union = set().union(*owned)
        exact = len(union) == sum(len(o) for o in owned) == PARTITIONS
        return exact and sorted(len(o) for o in owned) == sorted(sizes), \
            {m.name: sorted(p for _, p in o) for m, o in zip(members, owned)}
    wait_until(check, OP_TIMEOUT, what)


def wait_received(members, want, what):
    """Polls until the members together received `want` records; then checks that none
    came twice and each came to the member that owned its partition at the end."""
    def check():
        step_all([m for m in members if not m.closed])
        total = sum(len(m.received) for m in members)
        return total >= want, f"{total} received"
    wait_until(check, OP_TIMEOUT, what)
    seen = {}
    for m in members:
        assert not m.errors, f"{m.name}: {m.errors}"
        for rec in m.received:
            assert rec not in seen, f"{rec} delivered to {seen[rec]} and {m.name}"
            seen[rec] = m.name
    assert len(seen) == want, f"{len(seen)} distinct records, want {want}"
    return seen


def produce_spread(broker, topic, per_partition, tag):
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    log = DeliveryLog()
    for part in range(PARTITIONS):
        for i in range(per_partition):
            p.produce(topic, value=f"{tag}-{part}-{i}".encode(), partition=part, on_delivery=log)
    flush(p)
    log.check(PARTITIONS * per_partition)


def wait_committed(adm, group, topic, want):
    from confluent_kafka import ConsumerGroupTopicPartitions

    def check():
        res = adm.list_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group, [TopicPartition(topic, p) for p in range(PARTITIONS)])],
            request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
        offsets = {tp.partition: tp.offset for tp in res.topic_partitions}
        return all(offsets.get(p) == want for p in range(PARTITIONS)), offsets
    wait_until(check, OP_TIMEOUT, f"committed offsets {want}")


def describe(adm, group):
    return adm.describe_consumer_groups([group], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)


def listed(adm):
    res = adm.list_consumer_groups(request_timeout=OP_TIMEOUT).result(OP_TIMEOUT)
    assert not res.errors, res.errors
    return {g.group_id: g for g in res.valid}


@pytest.mark.parametrize("protocol", ["classic", "consumer", "consumer-range"])
def test_group_members_share_hand_over_and_resume(broker_factory, protocol):
    broker = broker_factory(BROKER_OVERRIDES)
    adm = admin(broker)
    topic, group = f"py-group-{protocol}", f"py-group-{protocol}"
    create_topic(adm, topic, PARTITIONS)
    members = [Member(broker, n, group, topic, protocol) for n in ("a", "b", "c")]
    try:
        wait_cover(members, topic, [2, 2, 2], "a 2/2/2 assignment")

        # The AdminClient's view: three members, the same assignments, the group's type.
        def stable():
            step_all(members)
            d = describe(adm, group)
            return d.state == ConsumerGroupState.STABLE and len(d.members) == 3, (d.state, len(d.members))
        wait_until(stable, OP_TIMEOUT, "the group to be described as Stable with 3 members")
        d = describe(adm, group)
        kip848 = protocol.startswith("consumer")
        want_type = ConsumerGroupType.CONSUMER if kip848 else ConsumerGroupType.CLASSIC
        assert d.type == want_type
        assert d.partition_assignor == ("uniform" if protocol == "consumer" else "range")
        assert d.coordinator.id == broker.node_id
        by_client = {m.client_id: m for m in d.members}
        assert sorted(by_client) == ["samsa-py-a", "samsa-py-b", "samsa-py-c"]
        for m in members:
            dm = by_client[f"samsa-py-{m.name}"]
            assert {(tp.topic, tp.partition) for tp in dm.assignment.topic_partitions} == m.owned()
            if kip848:
                assert {(tp.topic, tp.partition) for tp in dm.target_assignment.topic_partitions} == m.owned()
        if protocol == "consumer-range":
            # range: members sorted by member id own [0,1], [2,3], [4,5].
            by_id = [sorted(tp.partition for tp in dm.assignment.topic_partitions)
                     for dm in sorted(d.members, key=lambda dm: dm.member_id)]
            assert by_id == [[0, 1], [2, 3], [4, 5]]
        lg = listed(adm)[group]
        assert lg.state == ConsumerGroupState.STABLE and lg.type == want_type
        assert not lg.is_simple_consumer_group
        # ListGroups v5 filters by type and by state.
        other_type = ConsumerGroupType.CLASSIC if kip848 else ConsumerGroupType.CONSUMER
        for kwargs, present in (({"types": {want_type}}, True), ({"types": {other_type}}, False),
                                ({"states": {ConsumerGroupState.STABLE}}, True),
                                ({"states": {ConsumerGroupState.EMPTY}}, False)):
            res = adm.list_consumer_groups(request_timeout=OP_TIMEOUT, **kwargs).result(OP_TIMEOUT)
            assert (group in {g.group_id for g in res.valid}) == present, kwargs

        produce_spread(broker, topic, 100, "first")
        seen = wait_received(members, 600, "600 records")
        owners = {m.name: m.owned() for m in members}
        for (t, p, _), name in seen.items():
            assert (t, p) in owners[name], f"{name} got a record of partition {p} it does not own"
        wait_committed(adm, group, topic, 100)

        # c leaves: a and b take over its partitions.
        members[2].close()
        wait_cover(members[:2], topic, [3, 3], "a 3/3 assignment after c left")
        produce_spread(broker, topic, 50, "second")
        wait_received(members, 900, "900 records")
        wait_committed(adm, group, topic, 150)

        for m in members:
            m.close()

        def empty():
            d = describe(adm, group)
            return d.state == ConsumerGroupState.EMPTY and not d.members, (d.state, len(d.members))
        wait_until(empty, OP_TIMEOUT, "the group to be Empty")

        # A new member resumes at the committed offsets.
        produce_spread(broker, topic, 10, "third")
        d_member = Member(broker, "d", group, topic, protocol)
        members.append(d_member)
        wait_received([d_member], 60, "60 records by the new member")
        by_part = {}
        for (_, p, off) in d_member.received:
            by_part.setdefault(p, []).append(off)
        assert {p: sorted(o) for p, o in by_part.items()} == {p: list(range(150, 160)) for p in range(PARTITIONS)}
        wait_committed(adm, group, topic, 160)
        d_member.close()
        wait_until(empty, OP_TIMEOUT, "the group to be Empty again")

        res = adm.delete_consumer_groups([group], request_timeout=OP_TIMEOUT)
        res[group].result(OP_TIMEOUT)
        assert group not in listed(adm)
    finally:
        for m in members:
            m.close()


def test_consumer_protocol_static_subscription_change(broker_factory):
    """KIP-848: a member that changes its subscription gets the new topic's partitions
    (the broker reassigns on the next heartbeat) and gives up the old one's."""
    broker = broker_factory(BROKER_OVERRIDES)
    adm = admin(broker)
    create_topic(adm, "py-sub-a", 2)
    create_topic(adm, "py-sub-b", 3)
    m = Member(broker, "s", "py-sub-group", "py-sub-a", "consumer")
    try:
        def owns(want):
            def check():
                m.step()
                return m.owned() == want, sorted(m.owned())
            return check
        wait_until(owns({("py-sub-a", 0), ("py-sub-a", 1)}), OP_TIMEOUT, "py-sub-a assigned")
        m.consumer.subscribe(["py-sub-b"])
        wait_until(owns({("py-sub-b", p) for p in range(3)}), OP_TIMEOUT, "py-sub-b assigned instead")
        d = describe(adm, "py-sub-group")
        assert len(d.members) == 1
        assert {(tp.topic, tp.partition) for tp in d.members[0].assignment.topic_partitions} == \
            {("py-sub-b", p) for p in range(3)}
        assert not m.errors, m.errors
    finally:
        m.close()


@pytest.mark.parametrize("protocol", ["classic", "consumer"])
def test_group_survives_broker_restart(broker_factory, protocol):
    """Two live members across a clean restart and a SIGKILL: they stay in the group,
    keep sharing the partitions, and what is produced afterwards is consumed exactly once."""
    broker = broker_factory(BROKER_OVERRIDES)
    adm = admin(broker)
    topic, group = f"py-restart-{protocol}", f"py-restart-{protocol}"
    create_topic(adm, topic, PARTITIONS)
    members = [Member(broker, n, group, topic, protocol) for n in ("a", "b")]
    try:
        wait_cover(members, topic, [3, 3], "a 3/3 assignment")
        produce_spread(broker, topic, 20, "before")
        wait_received(members, 120, "120 records")
        wait_committed(adm, group, topic, 20)
        broker.restart()
        adm = admin(broker)
        produce_spread(broker, topic, 10, "after-restart")
        wait_received(members, 180, "180 records")
        wait_committed(adm, group, topic, 30)
        broker.kill9()
        broker.start()
        adm = admin(broker)
        produce_spread(broker, topic, 10, "after-crash")
        wait_received(members, 240, "240 records")
        wait_committed(adm, group, topic, 40)
        wait_cover(members, topic, [3, 3], "a 3/3 assignment after the restarts")
    finally:
        for m in members:
            m.close()
