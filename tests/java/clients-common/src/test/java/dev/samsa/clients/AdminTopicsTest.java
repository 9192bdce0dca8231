package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AdminClient on topics, configs, the cluster and log directories. */
class AdminTopicsTest {
  private static SamsaBroker broker;
  private static Admin admin;
  private static int nodeId;

  @BeforeAll
  static void start() {
    broker = SamsaBroker.builder().override("num.partitions", "3").start();
    admin = Kit.admin(broker);
    nodeId = Kit.get(admin.describeCluster().controller()).id();
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  private static Config describe(ConfigResource r) {
    return Kit.get(admin.describeConfigs(List.of(r)).all()).get(r);
  }

  @Test
  void describeCluster() {
    DescribeClusterResult r = admin.describeCluster();
    Collection<Node> nodes = Kit.get(r.nodes());
    assertEquals(1, nodes.size());
    Node node = nodes.iterator().next();
    assertEquals("127.0.0.1", node.host());
    assertEquals(broker.port(), node.port());
    assertEquals(1, node.id(), "node.id defaults to 1");
    assertEquals(node, Kit.get(r.controller()));
    String clusterId = Kit.get(r.clusterId());
    assertNotNull(clusterId);
    assertEquals(22, clusterId.length(), "a base64url Uuid like Kafka's: " + clusterId);
  }

  @Test
  void createTopicWithConfigsThenDescribe() {
    String topic = Kit.unique("created");
    CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1)
        .configs(Map.of("retention.ms", "3600000", "max.message.bytes", "200000", "cleanup.policy", "delete"))));
    Kit.get(created.all());
    assertEquals(4, Kit.get(created.numPartitions(topic)));
    assertEquals(1, Kit.get(created.replicationFactor(topic)));
    Uuid id = Kit.get(created.topicId(topic));
    assertNotEquals(Uuid.ZERO_UUID, id);
    Config createdConfig = Kit.get(created.config(topic));
    assertEquals("3600000", createdConfig.get("retention.ms").value());
    assertEquals("200000", createdConfig.get("max.message.bytes").value());
    assertEquals("producer", createdConfig.get("compression.type").value());

    TopicDescription d = Kit.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
    assertEquals(topic, d.name());
    assertEquals(id, d.topicId());
    assertFalse(d.isInternal());
    assertEquals(4, d.partitions().size());
    for (int i = 0; i < 4; i++) {
      TopicPartitionInfo p = d.partitions().get(i);
      assertEquals(i, p.partition());
      assertEquals(nodeId, p.leader().id());
      assertEquals(List.of(nodeId), p.replicas().stream().map(Node::id).toList());
      assertEquals(List.of(nodeId), p.isr().stream().map(Node::id).toList());
    }
    assertTrue(Kit.get(admin.listTopics().names()).contains(topic));

    // the same topic, by id
    TopicDescription byId = Kit.get(admin.describeTopics(org.apache.kafka.common.TopicCollection.ofTopicIds(List.of(id)))
        .allTopicIds()).get(id);
    assertEquals(topic, byId.name());
    assertEquals(4, byId.partitions().size());

    // the same topic again
    Throwable again = Kit.failure(admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all());
    assertInstanceOf(TopicExistsException.class, again);

    // a broker default partition count (-1) takes num.partitions=3
    String byDefault = Kit.unique("defaults");
    Kit.get(admin.createTopics(List.of(new NewTopic(byDefault, java.util.Optional.empty(), java.util.Optional.empty()))).all());
    assertEquals(3, Kit.get(admin.describeTopics(List.of(byDefault)).allTopicNames()).get(byDefault).partitions().size());
  }

  @Test
  void createTopicsRefusals() {
    String topic = Kit.unique("refused");
    Throwable badValue = Kit.failure(admin.createTopics(List.of(
        new NewTopic(topic, 1, (short) 1).configs(Map.of("retention.ms", "soon")))).all());
    assertInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class, badValue);
    Throwable unknownKey = Kit.failure(admin.createTopics(List.of(
        new NewTopic(topic, 1, (short) 1).configs(Map.of("no.such.config", "1")))).all());
    assertInstanceOf(org.apache.kafka.common.errors.InvalidConfigurationException.class, unknownKey);
    Throwable zero = Kit.failure(admin.createTopics(List.of(new NewTopic(topic, 0, (short) 1))).all());
    assertInstanceOf(InvalidPartitionsException.class, zero);
    Throwable badName = Kit.failure(admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all());
    assertInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class, badName);

    // validateOnly: answered as a creation would be, nothing created
    CreateTopicsResult dry = admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)),
        new org.apache.kafka.clients.admin.CreateTopicsOptions().validateOnly(true));
    Kit.get(dry.all());
    assertEquals(2, Kit.get(dry.numPartitions(topic)));
    assertFalse(Kit.get(admin.listTopics().names()).contains(topic), "validateOnly created the topic");

    Throwable unknown = Kit.failure(admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, topic))).all());
    assertInstanceOf(UnknownTopicOrPartitionException.class, unknown);
  }

  @Test
  void describeTopicAndBrokerConfigs() {
    String topic = Kit.unique("configs");
    Kit.createTopic(admin, topic, 1, Map.of("retention.ms", "3600000"));
    Config c = describe(new ConfigResource(ConfigResource.Type.TOPIC, topic));
    ConfigEntry retention = c.get("retention.ms");
    assertEquals("3600000", retention.value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
    assertFalse(retention.isDefault());
    ConfigEntry compression = c.get("compression.type");
    assertEquals("producer", compression.value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, compression.source());
    assertTrue(compression.isDefault());
    assertEquals("delete", c.get("cleanup.policy").value());
    assertEquals("1048588", c.get("max.message.bytes").value());
    assertEquals("CreateTime", c.get("message.timestamp.type").value());

    Config b = describe(new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodeId)));
    ConfigEntry partitions = b.get("num.partitions");
    assertEquals("3", partitions.value());
    assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, partitions.source());
    assertFalse(partitions.isDefault());
    ConfigEntry maxBytes = b.get("message.max.bytes");
    assertEquals("1048588", maxBytes.value());
    assertTrue(maxBytes.isDefault());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, maxBytes.source());
    assertEquals(broker.dataDir().toString(), b.get("log.dirs").value());
  }

  @Test
  void incrementalAlterConfigs() {
    String topic = Kit.unique("altered");
    Kit.createTopic(admin, topic, 1, Map.of("retention.ms", "3600000", "max.message.bytes", "200000"));
    ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Kit.get(admin.incrementalAlterConfigs(Map.of(r, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE),
        new AlterConfigOp(new ConfigEntry("segment.bytes", "10485760"), AlterConfigOp.OpType.SET)))).all());
    Config c = describe(r);
    assertEquals("7200000", c.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, c.get("retention.ms").source());
    assertEquals("1048588", c.get("max.message.bytes").value(), "deleted override falls back to the default");
    assertTrue(c.get("max.message.bytes").isDefault());
    assertEquals("10485760", c.get("segment.bytes").value());

    // validateOnly changes nothing
    Kit.get(admin.incrementalAlterConfigs(Map.of(r, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET))),
        new org.apache.kafka.clients.admin.AlterConfigsOptions().validateOnly(true)).all());
    assertEquals("7200000", describe(r).get("retention.ms").value());

    // the change is durable: it survives a restart
    broker.restart();
    Kit.await("topic configs after restart", Duration.ofSeconds(30), () -> {
      try {
        return "7200000".equals(describe(r).get("retention.ms").value());
      } catch (RuntimeException e) {
        return false;
      }
    }, () -> Kit.logTail(broker));
    assertEquals("10485760", describe(r).get("segment.bytes").value());
  }

  @Test
  void createPartitions() throws Exception {
    String topic = Kit.unique("grown");
    Kit.createTopic(admin, topic, 2);
    Kit.get(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all());
    TopicDescription d = Kit.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
    assertEquals(5, d.partitions().size());
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      assertEquals(4, p.send(new ProducerRecord<>(topic, 4, "k", "to-new-partition")).get().partition());
    }
    var got = Kit.readAll(broker, List.of(new TopicPartition(topic, 4)), 1);
    assertEquals("to-new-partition", got.get(0).value());

    Throwable shrink = Kit.failure(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all());
    assertInstanceOf(InvalidPartitionsException.class, shrink);
    Throwable same = Kit.failure(admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all());
    assertInstanceOf(InvalidPartitionsException.class, same);
  }

  @Test
  void deleteTopics() {
    String topic = Kit.unique("deleted");
    Kit.createTopic(admin, topic, 2);
    Uuid firstId = Kit.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).topicId();
    Kit.get(admin.deleteTopics(List.of(topic)).all());
    Kit.await("the topic gone from listTopics", Duration.ofSeconds(20),
        () -> !Kit.get(admin.listTopics().names()).contains(topic), () -> "still listed");
    Throwable gone = Kit.failure(admin.describeTopics(List.of(topic)).allTopicNames());
    assertInstanceOf(UnknownTopicOrPartitionException.class, gone);
    Throwable twice = Kit.failure(admin.deleteTopics(List.of(topic)).all());
    assertInstanceOf(UnknownTopicOrPartitionException.class, twice);

    // the name can be used again, for a new topic (new id, empty)
    Kit.createTopic(admin, topic, 1);
    TopicDescription again = Kit.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
    assertEquals(1, again.partitions().size());
    assertNotEquals(firstId, again.topicId());
  }

  @Test
  void describeLogDirs() throws Exception {
    String topic = Kit.unique("logdirs");
    Kit.createTopic(admin, topic, 2);
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < 50; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, "v".repeat(100)));
      p.flush();
    }
    Map<String, LogDirDescription> dirs = Kit.get(admin.describeLogDirs(List.of(nodeId)).allDescriptions()).get(nodeId);
    assertEquals(Set.of(broker.dataDir().toString()), dirs.keySet(), "the one log.dirs entry");
    LogDirDescription dir = dirs.get(broker.dataDir().toString());
    assertEquals(null, dir.error());
    ReplicaInfo p0 = dir.replicaInfos().get(new TopicPartition(topic, 0));
    ReplicaInfo p1 = dir.replicaInfos().get(new TopicPartition(topic, 1));
    assertNotNull(p0, "partition 0 listed: " + dir.replicaInfos().keySet());
    assertNotNull(p1, "partition 1 listed");
    assertTrue(p0.size() > 50 * 100, "partition 0 holds 50 records of 100 bytes: " + p0.size());
    assertEquals(0, p1.size(), "partition 1 is empty");
    assertEquals(0, p0.offsetLag());
    assertFalse(p0.isFuture());
    assertTrue(dir.totalBytes().isPresent() && dir.totalBytes().getAsLong() > 0, "totalBytes " + dir.totalBytes());
    assertTrue(dir.usableBytes().isPresent() && dir.usableBytes().getAsLong() > 0
        && dir.usableBytes().getAsLong() <= dir.totalBytes().getAsLong(), "usableBytes " + dir.usableBytes());
  }
}
