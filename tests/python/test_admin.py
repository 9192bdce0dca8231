"""confluent-kafka AdminClient against samsa: topics, configs, partitions, offsets,
records, groups and the cluster, each answer checked value by value."""

import time

import pytest
from confluent_kafka import (ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaError,
                             KafkaException, TopicCollection, TopicPartition)
from confluent_kafka.admin import (AlterConfigOpType, ConfigEntry, ConfigResource, ConfigSource,
                                   NewPartitions, NewTopic, OffsetSpec, ResourceType)

from helpers import (OP_TIMEOUT, Consumer, known_finding, DeliveryLog, Producer, admin, consume_n, create_topic,
                     flush, wait_until)


def error_code(future):
    with pytest.raises(KafkaException) as info:
        future.result(OP_TIMEOUT)
    return info.value.args[0].code()


def topic_configs(adm, topic):
    res = ConfigResource(ResourceType.TOPIC, topic)
    return adm.describe_configs([res], request_timeout=OP_TIMEOUT)[res].result(OP_TIMEOUT)


def check_config(configs, name, value, source):
    entry = configs[name]
    assert (entry.value, entry.source) == (value, source.value), \
        f"{name} = {entry.value!r} ({ConfigSource(entry.source)}), want {value!r} ({source})"


def test_cluster_and_topics(broker):
    """describe_cluster, create_topics (configs, errors), list_topics, describe_topics,
    create_partitions, delete_topics."""
    adm = admin(broker)
    cluster = adm.describe_cluster(request_timeout=OP_TIMEOUT).result(OP_TIMEOUT)
    assert cluster.cluster_id == broker.cluster_id
    assert cluster.controller.id == broker.node_id
    assert [(n.id, n.host, n.port) for n in cluster.nodes] == [(broker.node_id, "127.0.0.1", broker.port)]

    fs = adm.create_topics([
        NewTopic("py-orders", num_partitions=3, replication_factor=1,
                 config={"retention.ms": "3600000", "cleanup.policy": "delete"}),
        NewTopic("py-events", num_partitions=1, replication_factor=1),
    ], operation_timeout=OP_TIMEOUT)
    for f in fs.values():
        assert f.result(OP_TIMEOUT) is None
    # Errors: a duplicate, zero partitions, an invalid config value, validate_only.
    fs = adm.create_topics([
        NewTopic("py-orders", num_partitions=1, replication_factor=1),
        NewTopic("py-zero", num_partitions=0, replication_factor=1),
        NewTopic("py-bad-config", num_partitions=1, replication_factor=1, config={"retention.ms": "soon"}),
    ], operation_timeout=OP_TIMEOUT)
    assert error_code(fs["py-orders"]) == KafkaError.TOPIC_ALREADY_EXISTS
    assert error_code(fs["py-zero"]) == KafkaError.INVALID_PARTITIONS
    assert error_code(fs["py-bad-config"]) == KafkaError.INVALID_CONFIG
    fs = adm.create_topics([NewTopic("py-dry-run", num_partitions=2, replication_factor=1)],
                           validate_only=True, operation_timeout=OP_TIMEOUT)
    assert fs["py-dry-run"].result(OP_TIMEOUT) is None

    md = adm.list_topics(timeout=OP_TIMEOUT)
    assert sorted(t for t in md.topics if not t.startswith("__")) == ["py-events", "py-orders"]
    assert md.cluster_id == broker.cluster_id and md.controller_id == broker.node_id
    orders = md.topics["py-orders"]
    assert sorted(orders.partitions) == [0, 1, 2]
    for p in orders.partitions.values():
        assert (p.leader, p.replicas, p.isrs) == (broker.node_id, [broker.node_id], [broker.node_id])

    desc = adm.describe_topics(TopicCollection(["py-orders", "py-missing"]), request_timeout=OP_TIMEOUT)
    td = desc["py-orders"].result(OP_TIMEOUT)
    assert td.name == "py-orders" and not td.is_internal
    assert str(td.topic_id) not in ("", "AAAAAAAAAAAAAAAAAAAAAA")
    assert [(p.id, p.leader.id, [r.id for r in p.replicas], [r.id for r in p.isr]) for p in td.partitions] == \
        [(i, broker.node_id, [broker.node_id], [broker.node_id]) for i in range(3)]
    assert error_code(desc["py-missing"]) == KafkaError.UNKNOWN_TOPIC_OR_PART

    # Partitions: grow to 5; shrinking to 2 is refused.
    fs = adm.create_partitions([NewPartitions("py-orders", 5)], operation_timeout=OP_TIMEOUT)
    assert fs["py-orders"].result(OP_TIMEOUT) is None
    fs = adm.create_partitions([NewPartitions("py-orders", 2)], operation_timeout=OP_TIMEOUT)
    assert error_code(fs["py-orders"]) == KafkaError.INVALID_PARTITIONS
    wait_until(lambda: len(adm.list_topics("py-orders", timeout=OP_TIMEOUT).topics["py-orders"].partitions) == 5,
               OP_TIMEOUT, "py-orders to have 5 partitions")
    p = Producer({"bootstrap.servers": broker.bootstrap})
    log = DeliveryLog()
    p.produce("py-orders", value=b"into partition 4", partition=4, on_delivery=log)
    flush(p)
    log.check(1)
    assert (log.delivered[0].partition(), log.delivered[0].offset()) == (4, 0)

    fs = adm.delete_topics(["py-orders"], operation_timeout=OP_TIMEOUT)
    assert fs["py-orders"].result(OP_TIMEOUT) is None
    wait_until(lambda: "py-orders" not in adm.list_topics(timeout=OP_TIMEOUT).topics, OP_TIMEOUT,
               "py-orders to be gone")
    fs = adm.delete_topics(["py-orders"], operation_timeout=OP_TIMEOUT)
    assert error_code(fs["py-orders"]) == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_configs(broker):
    """describe_configs with sources, incremental_alter_configs (SET, DELETE, APPEND,
    SUBTRACT), alter_configs replacing all overrides, broker configs, errors."""
    adm = admin(broker)
    create_topic(adm, "py-conf", 1, {"retention.ms": "3600000", "max.message.bytes": "200000"})
    c = topic_configs(adm, "py-conf")
    check_config(c, "retention.ms", "3600000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    check_config(c, "max.message.bytes", "200000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    check_config(c, "cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG)
    check_config(c, "segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG)
    assert c["retention.ms"].is_default is False and c["segment.bytes"].is_default is True

    res = ConfigResource(ResourceType.TOPIC, "py-conf", incremental_configs=[
        ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("max.message.bytes", None, incremental_operation=AlterConfigOpType.DELETE),
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
    ])
    assert adm.incremental_alter_configs([res])[res].result(OP_TIMEOUT) is None
    c = topic_configs(adm, "py-conf")
    check_config(c, "retention.ms", "7200000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    check_config(c, "max.message.bytes", "1048588", ConfigSource.DEFAULT_CONFIG)
    check_config(c, "cleanup.policy", "delete,compact", ConfigSource.DYNAMIC_TOPIC_CONFIG)

    res = ConfigResource(ResourceType.TOPIC, "py-conf", incremental_configs=[
        ConfigEntry("cleanup.policy", "delete", incremental_operation=AlterConfigOpType.SUBTRACT)])
    assert adm.incremental_alter_configs([res])[res].result(OP_TIMEOUT) is None
    check_config(topic_configs(adm, "py-conf"), "cleanup.policy", "compact", ConfigSource.DYNAMIC_TOPIC_CONFIG)

    # The legacy AlterConfigs replaces every override.
    res = ConfigResource(ResourceType.TOPIC, "py-conf", set_config={"segment.ms": "600000"})
    assert adm.alter_configs([res])[res].result(OP_TIMEOUT) is None
    c = topic_configs(adm, "py-conf")
    check_config(c, "segment.ms", "600000", ConfigSource.DYNAMIC_TOPIC_CONFIG)
    check_config(c, "retention.ms", "604800000", ConfigSource.DEFAULT_CONFIG)
    check_config(c, "cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG)

    # Errors: an invalid value, an unknown topic; validate_only changes nothing.
    res = ConfigResource(ResourceType.TOPIC, "py-conf", incremental_configs=[
        ConfigEntry("retention.ms", "forever", incremental_operation=AlterConfigOpType.SET)])
    assert error_code(adm.incremental_alter_configs([res])[res]) == KafkaError.INVALID_CONFIG
    res = ConfigResource(ResourceType.TOPIC, "py-conf", incremental_configs=[
        ConfigEntry("retention.ms", "1000", incremental_operation=AlterConfigOpType.SET)])
    assert adm.incremental_alter_configs([res], validate_only=True)[res].result(OP_TIMEOUT) is None
    check_config(topic_configs(adm, "py-conf"), "retention.ms", "604800000", ConfigSource.DEFAULT_CONFIG)
    missing = ConfigResource(ResourceType.TOPIC, "py-no-such-topic")
    assert error_code(adm.describe_configs([missing])[missing]) == KafkaError.UNKNOWN_TOPIC_OR_PART

    # Broker configs: the overrides samsa was started with are static broker configs.
    bres = ConfigResource(ResourceType.BROKER, str(broker.node_id))
    bc = adm.describe_configs([bres], request_timeout=OP_TIMEOUT)[bres].result(OP_TIMEOUT)
    check_config(bc, "group.initial.rebalance.delay.ms", "0", ConfigSource.STATIC_BROKER_CONFIG)
    check_config(bc, "log.dirs", broker.data_dir, ConfigSource.STATIC_BROKER_CONFIG)


def test_list_offsets_and_delete_records(broker):
    """list_offsets: earliest, latest, max timestamp, by timestamp; delete_records moves
    the start, survives a restart, and a consumer starts there."""
    adm = admin(broker)
    create_topic(adm, "py-offsets", 2)
    base = 1_700_000_000_000
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True})
    log = DeliveryLog()
    for i in range(100):
        p.produce("py-offsets", value=f"v{i}".encode(), partition=0, timestamp=base + i * 1000, on_delivery=log)
    flush(p)
    log.check(100)

    def offsets(spec, partition=0):
        tp = TopicPartition("py-offsets", partition)
        r = adm.list_offsets({tp: spec}, request_timeout=OP_TIMEOUT)[tp].result(OP_TIMEOUT)
        return r.offset, r.timestamp

    assert offsets(OffsetSpec.earliest())[0] == 0
    assert offsets(OffsetSpec.latest())[0] == 100
    assert offsets(OffsetSpec.latest(), 1)[0] == 0
    assert offsets(OffsetSpec.max_timestamp()) == (99, base + 99000)
    assert offsets(OffsetSpec.for_timestamp(base + 50500)) == (51, base + 51000)
    assert offsets(OffsetSpec.for_timestamp(base + 50000)) == (50, base + 50000)
    assert offsets(OffsetSpec.for_timestamp(base)) == (0, base)
    assert offsets(OffsetSpec.for_timestamp(base + 1_000_000))[0] == -1  # none at or after it

    tp = TopicPartition("py-offsets", 0, 40)
    deleted = adm.delete_records([tp], operation_timeout=OP_TIMEOUT)[tp].result(OP_TIMEOUT)
    assert deleted.low_watermark == 40
    assert offsets(OffsetSpec.earliest())[0] == 40
    beyond = TopicPartition("py-offsets", 0, 101)
    assert error_code(adm.delete_records([beyond])[beyond]) == KafkaError.OFFSET_OUT_OF_RANGE

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "py-offsets-reader",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe(["py-offsets"])
    got = consume_n(c, 60)
    assert [(m.partition(), m.offset(), m.value()) for m in got] == \
        [(0, 40 + i, f"v{40 + i}".encode()) for i in range(60)]
    c.close()

    broker.restart()
    # librdkafka re-bootstraps when it lost every broker and then fails admin requests
    # at once ("No leaders found") until it has metadata again: ask for it first.
    adm.list_topics("py-offsets", timeout=OP_TIMEOUT)
    assert offsets(OffsetSpec.earliest())[0] == 40
    assert offsets(OffsetSpec.latest())[0] == 100


def test_group_offsets_admin(broker):
    """alter_consumer_group_offsets / list_consumer_group_offsets on an empty group, the
    group in list/describe, a consumer starting at the altered offsets, delete."""
    adm = admin(broker)
    create_topic(adm, "py-committed", 3)
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for part in range(3):
        for i in range(20):
            p.produce("py-committed", value=f"{part}-{i}".encode(), partition=part)
    flush(p)
    group = "py-admin-group"

    req = ConsumerGroupTopicPartitions(group, [
        TopicPartition("py-committed", 0, 5), TopicPartition("py-committed", 1, 12)])
    res = adm.alter_consumer_group_offsets([req], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
    assert sorted((tp.partition, tp.offset, tp.error) for tp in res.topic_partitions) == [(0, 5, None), (1, 12, None)]

    def committed():
        q = ConsumerGroupTopicPartitions(group, [TopicPartition("py-committed", i) for i in range(3)])
        r = adm.list_consumer_group_offsets([q], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
        return {tp.partition: tp.offset for tp in r.topic_partitions}
    assert committed() == {0: 5, 1: 12, 2: -1001}  # -1001: OFFSET_INVALID, nothing committed

    groups = {g.group_id: g for g in adm.list_consumer_groups(request_timeout=OP_TIMEOUT).result(OP_TIMEOUT).valid}
    assert groups[group].state == ConsumerGroupState.EMPTY
    d = adm.describe_consumer_groups([group], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
    assert d.state == ConsumerGroupState.EMPTY and d.members == [] and d.coordinator.id == broker.node_id

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe(["py-committed"])
    got = consume_n(c, 15 + 8 + 20)
    first = {}
    for m in got:
        first.setdefault(m.partition(), m.offset())
    assert first == {0: 5, 1: 12, 2: 0}
    # A live group cannot be altered by the admin, nor deleted.
    req = ConsumerGroupTopicPartitions(group, [TopicPartition("py-committed", 0, 0)])
    # (librdkafka reports OffsetCommit's partition errors in the result's partitions.)
    res = adm.alter_consumer_group_offsets([req], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT)
    assert [(tp.partition, tp.error.code() if tp.error else None) for tp in res.topic_partitions] == \
        [(0, KafkaError.UNKNOWN_MEMBER_ID)]
    assert error_code(adm.delete_consumer_groups([group], request_timeout=OP_TIMEOUT)[group]) \
        == KafkaError.NON_EMPTY_GROUP
    c.close()

    wait_until(lambda: adm.describe_consumer_groups([group])[group].result(OP_TIMEOUT).state
               == ConsumerGroupState.EMPTY, OP_TIMEOUT, "the group to be Empty")
    assert adm.delete_consumer_groups([group], request_timeout=OP_TIMEOUT)[group].result(OP_TIMEOUT) is None
    assert group not in {g.group_id for g in adm.list_consumer_groups().result(OP_TIMEOUT).valid}
    assert committed() == {0: -1001, 1: -1001, 2: -1001}
    assert error_code(adm.delete_consumer_groups([group], request_timeout=OP_TIMEOUT)[group]) \
        == KafkaError.GROUP_ID_NOT_FOUND


def test_offset_for_timestamp_after_delete_records(broker):
    """After DeleteRecords(40) inside one batch of 100 records, the first offset at or
    after a timestamp older than record 40's is 40 (Kafka searches from the log start)."""
    adm = admin(broker)
    create_topic(adm, "py-ts-delete", 1)
    base = 1_700_000_000_000
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 50})
    for i in range(100):
        p.produce("py-ts-delete", value=f"v{i}".encode(), partition=0, timestamp=base + i * 1000)
    flush(p)
    tp = TopicPartition("py-ts-delete", 0, 40)
    assert adm.delete_records([tp], operation_timeout=OP_TIMEOUT)[tp].result(OP_TIMEOUT).low_watermark == 40
    q = TopicPartition("py-ts-delete", 0)
    got = {}
    for ts in (base, base + 20_000, base + 40_000):
        r = adm.list_offsets({q: OffsetSpec.for_timestamp(ts)}, request_timeout=OP_TIMEOUT)[q].result(OP_TIMEOUT)
        got[ts - base] = (r.offset, r.timestamp)
    assert got == {0: (40, base + 40000), 20_000: (40, base + 40000), 40_000: (40, base + 40000)}
