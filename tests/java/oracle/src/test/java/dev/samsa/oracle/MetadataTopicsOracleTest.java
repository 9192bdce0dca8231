package dev.samsa.oracle;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopicCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicCollection;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfigCollection;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.Test;

/** ApiVersions, Metadata, CreateTopics, DeleteTopics, CreatePartitions, DescribeCluster,
 *  DescribeTopicPartitions: every version both serve, with their error paths. */
class MetadataTopicsOracleTest extends OracleTestBase {

  @Test
  void apiVersionsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.API_VERSIONS)) {
      ApiVersionsRequestData req = new ApiVersionsRequestData();
      if (v >= 3) req.setClientSoftwareName("samsa-oracle").setClientSoftwareVersion("1.0");
      oracle.send("plain", ApiKeys.API_VERSIONS, v, req);
    }
  }

  @Test
  void apiVersionsUnsupportedVersionAnswersV0WithError() {
    byte[] body = encode(new ApiVersionsRequestData().setClientSoftwareName("samsa-oracle")
        .setClientSoftwareVersion("1.0"), (short) 3);
    oracle.sendRaw("version 127", ApiKeys.API_VERSIONS, (short) 127, (short) 2, body,
        ApiKeys.API_VERSIONS, (short) 0, (short) 0);
  }

  @Test
  void unsupportedVersionOfOtherApiClosesConnection() {
    byte[] body = encode(new MetadataRequestData().setTopics(List.of()), (short) 12);
    oracle.sendRaw("Metadata v99", ApiKeys.METADATA, (short) 99, (short) 2, body,
        ApiKeys.METADATA, (short) 12, (short) 1);
  }

  @Test
  void metadataEveryVersion() {
    String topic = unique("md");
    createTopic(topic, 3);
    for (short v : oracle.versions(ApiKeys.METADATA)) {
      oracle.send("existing topic", ApiKeys.METADATA, v, metadata(v, false, topic));
      // v0 has no null list: an empty one means every topic, which other tests change.
      if (v >= 1) oracle.send("no topics", ApiKeys.METADATA, v, metadata(v, false));
      if (v >= 4) {
        oracle.send("unknown topic, no auto-create", ApiKeys.METADATA, v,
            metadata(v, false, unique("md-unknown")));
      }
      oracle.send("invalid topic name", ApiKeys.METADATA, v, metadata(v, false, "bad name!"));
      oracle.send("existing and unknown", ApiKeys.METADATA, v,
          metadata(v, false, topic, "bad*name"));
    }
  }

  @Test
  void metadataAutoCreatesTopic() {
    short v = latest(oracle, ApiKeys.METADATA);
    String topic = unique("md-auto");
    oracle.send("unknown topic, auto-create #auto-create", ApiKeys.METADATA, v, metadata(v, true, topic));
    awaitTopic(topic, 1);
    oracle.send("auto-created topic", ApiKeys.METADATA, v, metadata(v, false, topic));
  }

  @Test
  void metadataByTopicId() {
    short v = latest(oracle, ApiKeys.METADATA);
    if (v < 12) return;
    String topic = unique("md-id");
    createTopic(topic, 1);
    oracle.send("by topic id", ApiKeys.METADATA, v, side -> {
      Uuid id = topicId(side, topic);
      return new MetadataRequestData().setAllowAutoTopicCreation(false)
          .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setTopicId(id)));
    });
    oracle.send("unknown topic id", ApiKeys.METADATA, v, new MetadataRequestData()
        .setAllowAutoTopicCreation(false)
        .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic()
            .setTopicId(Uuid.randomUuid()))));
  }

  @Test
  void createTopicsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.CREATE_TOPICS)) {
      String ok = unique("ct-ok");
      oracle.send("new topic, 2 partitions", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(ok, 2, (short) 1)));
      awaitTopic(ok, 2);
      oracle.send("already exists", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(ok, 2, (short) 1)));
      oracle.send("with configs", ApiKeys.CREATE_TOPICS, v, createTopics(v, false,
          topic(unique("ct-cfg"), 1, (short) 1, "retention.ms", "3600000",
              "cleanup.policy", "compact", "max.message.bytes", "2000")));
      oracle.send("invalid name", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic("bad name!", 1, (short) 1)));
      oracle.send("name '..'", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic("..", 1, (short) 1)));
      oracle.send("name too long", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic("x".repeat(250), 1, (short) 1)));
      oracle.send("zero partitions", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(unique("ct-zero"), 0, (short) 1)));
      oracle.send("partitions -2", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(unique("ct-neg"), -2, (short) 1)));
      oracle.send("replication factor 0", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(unique("ct-rf0"), 1, (short) 0)));
      oracle.send("replication factor 3 (one node) #rf-clamp", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(unique("ct-rf3"), 1, (short) 3)));
      oracle.send("unknown config", ApiKeys.CREATE_TOPICS, v, createTopics(v, false,
          topic(unique("ct-badcfg"), 1, (short) 1, "no.such.config", "1")));
      oracle.send("invalid config value", ApiKeys.CREATE_TOPICS, v, createTopics(v, false,
          topic(unique("ct-badval"), 1, (short) 1, "retention.ms", "soon")));
      oracle.send("invalid cleanup.policy", ApiKeys.CREATE_TOPICS, v, createTopics(v, false,
          topic(unique("ct-badpol"), 1, (short) 1, "cleanup.policy", "shred")));
      oracle.send("validate only", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, true, topic(unique("ct-dry"), 4, (short) 1)));
      oracle.send("validate only, invalid", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, true, topic(unique("ct-dry"), 0, (short) 1)));
      String dup = unique("ct-dup");
      oracle.send("same topic twice in one request", ApiKeys.CREATE_TOPICS, v,
          createTopics(v, false, topic(dup, 1, (short) 1), topic(dup + "-b", 1, (short) 1)));
      if (v >= 4) {
        String dflt = unique("ct-default");
        oracle.send("default partitions and replication (-1)", ApiKeys.CREATE_TOPICS, v,
            createTopics(v, false, topic(dflt, -1, (short) -1)));
      }
    }
  }

  @Test
  void deleteTopicsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.DELETE_TOPICS)) {
      String t = unique("dt");
      createTopic(t, 1);
      oracle.send("existing and unknown", ApiKeys.DELETE_TOPICS, v,
          deleteTopics(v, t, unique("dt-unknown")));
      oracle.send("invalid name", ApiKeys.DELETE_TOPICS, v, deleteTopics(v, "bad name!"));
      if (v >= 6) {
        String byId = unique("dt-id");
        createTopic(byId, 1);
        oracle.send("by topic id", ApiKeys.DELETE_TOPICS, v, side -> {
          Uuid id = topicId(side, byId);
          return new DeleteTopicsRequestData().setTimeoutMs(30000).setTopics(List.of(
              new DeleteTopicsRequestData.DeleteTopicState().setName(null).setTopicId(id)));
        });
        oracle.send("unknown topic id", ApiKeys.DELETE_TOPICS, v,
            new DeleteTopicsRequestData().setTimeoutMs(30000).setTopics(List.of(
                new DeleteTopicsRequestData.DeleteTopicState().setName(null)
                    .setTopicId(Uuid.randomUuid()))));
      }
    }
  }

  @Test
  void createPartitionsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.CREATE_PARTITIONS)) {
      String t = unique("cp");
      createTopic(t, 1);
      oracle.send("1 -> 3", ApiKeys.CREATE_PARTITIONS, v, createPartitions(false, t, 3));
      awaitTopic(t, 3);
      oracle.send("same count", ApiKeys.CREATE_PARTITIONS, v, createPartitions(false, t, 3));
      oracle.send("fewer", ApiKeys.CREATE_PARTITIONS, v, createPartitions(false, t, 2));
      oracle.send("unknown topic", ApiKeys.CREATE_PARTITIONS, v,
          createPartitions(false, unique("cp-unknown"), 2));
      oracle.send("validate only", ApiKeys.CREATE_PARTITIONS, v, createPartitions(true, t, 5));
      oracle.send("metadata after validate only", ApiKeys.METADATA, 12, metadata((short) 12, false, t));
    }
  }

  @Test
  void describeClusterEveryVersion() {
    for (short v : oracle.versions(ApiKeys.DESCRIBE_CLUSTER)) {
      DescribeClusterRequestData req = new DescribeClusterRequestData()
          .setIncludeClusterAuthorizedOperations(false);
      oracle.send("plain", ApiKeys.DESCRIBE_CLUSTER, v, req);
      oracle.send("with authorized operations", ApiKeys.DESCRIBE_CLUSTER, v,
          new DescribeClusterRequestData().setIncludeClusterAuthorizedOperations(true));
      if (v >= 1) {
        oracle.send("controllers endpoint type", ApiKeys.DESCRIBE_CLUSTER, v,
            new DescribeClusterRequestData().setEndpointType((byte) 2));
      }
    }
  }

  @Test
  void describeTopicPartitionsEveryVersion() {
    String t = unique("dtp");
    createTopic(t, 3);
    for (short v : oracle.versions(ApiKeys.DESCRIBE_TOPIC_PARTITIONS)) {
      oracle.send("existing and unknown", ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v,
          new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2000).setTopics(List.of(
              new DescribeTopicPartitionsRequestData.TopicRequest().setName(t),
              new DescribeTopicPartitionsRequestData.TopicRequest().setName(unique("dtp-unknown")))));
      oracle.send("partition limit 2", ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v,
          new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2).setTopics(List.of(
              new DescribeTopicPartitionsRequestData.TopicRequest().setName(t))));
      oracle.send("cursor", ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v,
          new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2000)
              .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(t)
                  .setPartitionIndex(1))
              .setTopics(List.of(new DescribeTopicPartitionsRequestData.TopicRequest().setName(t))));
    }
  }

  // ---- request builders ----

  static MetadataRequestData metadata(short v, boolean autoCreate, String... topics) {
    MetadataRequestData r = new MetadataRequestData();
    List<MetadataRequestData.MetadataRequestTopic> list = new ArrayList<>();
    for (String t : topics) list.add(new MetadataRequestData.MetadataRequestTopic().setName(t));
    r.setTopics(list);
    if (v >= 4) r.setAllowAutoTopicCreation(autoCreate);
    return r;
  }

  static CreatableTopic topic(String name, int partitions, short rf, String... configs) {
    CreatableTopicConfigCollection cc = new CreatableTopicConfigCollection();
    for (int i = 0; i < configs.length; i += 2) {
      cc.add(new CreatableTopicConfig().setName(configs[i]).setValue(configs[i + 1]));
    }
    return new CreatableTopic().setName(name).setNumPartitions(partitions)
        .setReplicationFactor(rf).setConfigs(cc);
  }

  static CreateTopicsRequestData createTopics(short v, boolean validateOnly, CreatableTopic... ts) {
    CreatableTopicCollection c = new CreatableTopicCollection();
    for (CreatableTopic t : ts) c.add(t);
    CreateTopicsRequestData r = new CreateTopicsRequestData().setTopics(c).setTimeoutMs(30000);
    if (v >= 1) r.setValidateOnly(validateOnly);
    return r;
  }

  static DeleteTopicsRequestData deleteTopics(short v, String... names) {
    DeleteTopicsRequestData r = new DeleteTopicsRequestData().setTimeoutMs(30000);
    if (v >= 6) {
      List<DeleteTopicsRequestData.DeleteTopicState> l = new ArrayList<>();
      for (String n : names) l.add(new DeleteTopicsRequestData.DeleteTopicState().setName(n));
      r.setTopics(l);
    } else {
      r.setTopicNames(List.of(names));
    }
    return r;
  }

  static CreatePartitionsRequestData createPartitions(boolean validateOnly, String topic, int count) {
    CreatePartitionsTopicCollection c = new CreatePartitionsTopicCollection();
    c.add(new CreatePartitionsTopic().setName(topic).setCount(count).setAssignments(null));
    return new CreatePartitionsRequestData().setTopics(c).setTimeoutMs(30000)
        .setValidateOnly(validateOnly);
  }


  static byte[] encode(org.apache.kafka.common.protocol.ApiMessage m, short v) {
    ObjectSerializationCache cache = new ObjectSerializationCache();
    ByteBuffer b = ByteBuffer.allocate(m.size(cache, v));
    m.write(new ByteBufferAccessor(b), cache, v);
    return b.array();
  }
}
