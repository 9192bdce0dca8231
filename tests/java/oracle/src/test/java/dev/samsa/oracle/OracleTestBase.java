package dev.samsa.oracle;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/** One oracle (a connection to each broker) per test method; its findings fail the method. */
abstract class OracleTestBase {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String RUN = Long.toString(System.currentTimeMillis() % 100000, 36);

  protected Oracle oracle;

  @BeforeEach
  void openOracle(TestInfo info) {
    oracle = new Oracle(getClass().getSimpleName() + "." + info.getTestMethod().get().getName());
  }

  @AfterEach
  void closeOracle() {
    try {
      oracle.assertNoFindings();
    } finally {
      oracle.close();
    }
  }

  /** Kafka creates __consumer_offsets on the first FindCoordinator; wait for it before comparing. */
  protected void warmUpKafkaCoordinator() {
    long deadline = System.currentTimeMillis() + 60000;
    while (true) {
      var r = (org.apache.kafka.common.message.FindCoordinatorResponseData) oracle.only(Oracle.Side.KAFKA,
          ApiKeys.FIND_COORDINATOR, 3, new org.apache.kafka.common.message.FindCoordinatorRequestData().setKey("warm-up").setKeyType((byte) 0));
      if (r.errorCode() == 0) return;
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no coordinator: " + r);
      KafkaBroker.sleep(100);
    }
  }

  /**
   * Kafka's group coordinator answers NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS until the
   * __consumer_offsets partition of this group is loaded; waits for that (Kafka only).
   */
  protected void awaitKafkaGroupCoordinator(String group) {
    warmUpKafkaCoordinator();
    long deadline = System.currentTimeMillis() + 30000;
    while (true) {
      var r = (org.apache.kafka.common.message.OffsetFetchResponseData) oracle.only(Oracle.Side.KAFKA,
          ApiKeys.OFFSET_FETCH, 8, new org.apache.kafka.common.message.OffsetFetchRequestData()
              .setGroups(List.of(new org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup()
                  .setGroupId(group).setTopics(null))));
      short e = r.groups().get(0).errorCode();
      if (e != Errors.NOT_COORDINATOR.code() && e != Errors.COORDINATOR_LOAD_IN_PROGRESS.code()
          && e != Errors.COORDINATOR_NOT_AVAILABLE.code()) {
        return;
      }
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("group coordinator: " + r);
      KafkaBroker.sleep(100);
    }
  }

  /** A topic or group name no other test (or earlier run on the same brokers) uses. */
  static String unique(String prefix) {
    return prefix + "-" + RUN + "-" + SEQ.incrementAndGet();
  }

  static short latest(Oracle o, ApiKeys api) {
    List<Short> v = o.versions(api);
    if (v.isEmpty()) throw new IllegalStateException(api.name + " is not served by both");
    return v.get(v.size() - 1);
  }

  /** Creates a topic on both (compared too) and waits until both show it with a leader. */
  protected void createTopic(String name, int partitions) {
    createTopic(name, partitions, new CreatableTopic().setName(name));
  }

  protected void createTopic(String name, int partitions, CreatableTopic topic) {
    topic.setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1);
    CreatableTopicCollection c = new CreatableTopicCollection();
    c.add(topic);
    oracle.send("create topic " + name, ApiKeys.CREATE_TOPICS, latest(oracle, ApiKeys.CREATE_TOPICS),
        new CreateTopicsRequestData().setTopics(c).setTimeoutMs(30000));
    awaitTopic(name, partitions);
  }

  /**
   * Kafka's metadata cache can show a leader a moment before its replica manager leads the
   * partition (Produce then answers NOT_LEADER_OR_FOLLOWER); ListOffsets goes through the latter.
   */
  private boolean leaderReady(Oracle.Side side, String topic, int partitions) {
    var ps = new java.util.ArrayList<org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition>();
    for (int p = 0; p < partitions; p++) {
      ps.add(new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition()
          .setPartitionIndex(p).setTimestamp(-1L));
    }
    var r = (org.apache.kafka.common.message.ListOffsetsResponseData) oracle.only(side,
        ApiKeys.LIST_OFFSETS, 7, new org.apache.kafka.common.message.ListOffsetsRequestData()
            .setReplicaId(-1).setTopics(List.of(
                new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic()
                    .setName(topic).setPartitions(ps))));
    return r.topics().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.errorCode() == 0);
  }

  /** The topic's id on one broker (each broker picks its own), or a random id if unknown. */
  protected org.apache.kafka.common.Uuid topicId(Oracle.Side side, String topic) {
    MetadataResponseData r = (MetadataResponseData) oracle.only(side, ApiKeys.METADATA, 12,
        new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(
            List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic))));
    var t = r.topics().find(topic);
    return t == null || t.errorCode() != 0 ? org.apache.kafka.common.Uuid.randomUuid() : t.topicId();
  }

  /** Waits until both brokers' metadata has the topic with a leader for every partition. */
  protected void awaitTopic(String name, int partitions) {
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 15000;
      while (true) {
        MetadataResponseData r = (MetadataResponseData) oracle.only(side, ApiKeys.METADATA, 12,
            new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(
                List.of(new MetadataRequestData.MetadataRequestTopic().setName(name))));
        var t = r.topics().find(name);
        if (t != null && t.errorCode() == Errors.NONE.code() && t.partitions().size() == partitions
            && t.partitions().stream().allMatch(p -> p.leaderId() >= 0)
            && leaderReady(side, name, partitions)) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(side + ": topic " + name + " not ready: " + r);
        }
        KafkaBroker.sleep(20);
      }
    }
  }
}
