package dev.samsa.oracle;

import static dev.samsa.oracle.MetadataTopicsOracleTest.topic;

import java.util.List;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** DescribeConfigs, AlterConfigs, IncrementalAlterConfigs: every version both serve, for
 *  topics and the broker, with invalid names, values and operations. */
class ConfigsOracleTest extends OracleTestBase {
  static final byte TOPIC = 2;
  static final byte BROKER = 4;
  static final byte SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;
  /** The topic configs compared (samsa reports these; see docs/configuration.md). */
  static final List<String> TOPIC_KEYS = List.of("cleanup.policy", "compression.type",
      "flush.messages", "flush.ms", "index.interval.bytes", "max.message.bytes",
      "message.timestamp.type", "min.insync.replicas", "retention.bytes", "retention.ms",
      "segment.bytes", "segment.index.bytes", "segment.ms");
  /** Broker configs neither broker sets explicitly in this test, so both report defaults. */
  static final List<String> BROKER_KEYS = List.of("log.retention.hours", "message.max.bytes",
      "log.segment.bytes", "log.cleanup.policy", "compression.type", "auto.create.topics.enable");

  static DescribeConfigsRequestData describe(int v, byte type, String name, List<String> keys,
      boolean synonyms) {
    DescribeConfigsRequestData r = new DescribeConfigsRequestData().setResources(List.of(
        new DescribeConfigsRequestData.DescribeConfigsResource().setResourceType(type)
            .setResourceName(name).setConfigurationKeys(keys)));
    r.setIncludeSynonyms(synonyms);
    if (v >= 3) r.setIncludeDocumentation(false);
    return r;
  }

  void describeTopic(String scenario, String topic) {
    short v = latest(oracle, ApiKeys.DESCRIBE_CONFIGS);
    oracle.send(scenario, ApiKeys.DESCRIBE_CONFIGS, v, describe(v, TOPIC, topic, TOPIC_KEYS, true));
  }

  /**
   * Kafka answers (Incremental)AlterConfigs once the change is in its metadata log and
   * applies it to the topic's config a moment later (samsa before answering): wait, up to
   * 15 s, until Kafka's DescribeConfigs shows `key` as samsa does (value and source), so the
   * comparison that follows sees both brokers after the change. A real difference outlasts
   * the wait and is reported by that comparison.
   */
  void awaitKafkaTopicConfig(String topic, String key) {
    short v = latest(oracle, ApiKeys.DESCRIBE_CONFIGS);
    long deadline = System.currentTimeMillis() + 15000;
    while (System.currentTimeMillis() < deadline) {
      String samsa = configOf(Oracle.Side.SAMSA, v, topic, key);
      if (samsa != null && samsa.equals(configOf(Oracle.Side.KAFKA, v, topic, key))) return;
      KafkaBroker.sleep(20);
    }
  }

  private String configOf(Oracle.Side side, short v, String topic, String key) {
    var r = (org.apache.kafka.common.message.DescribeConfigsResponseData) oracle.only(
        side, ApiKeys.DESCRIBE_CONFIGS, v, describe(v, TOPIC, topic, List.of(key), false));
    return r.results().get(0).configs().stream().filter(c -> c.name().equals(key)).findFirst()
        .map(c -> c.value() + "/" + c.configSource()).orElse(null);
  }

  @Test
  void describeConfigsEveryVersion() {
    String plain = unique("dc");
    createTopic(plain, 1);
    String custom = unique("dc-custom");
    createTopic(custom, 1, topic(custom, 1, (short) 1, "retention.ms", "3600000",
        "cleanup.policy", "compact,delete", "max.message.bytes", "5000"));
    for (short v : oracle.versions(ApiKeys.DESCRIBE_CONFIGS)) {
      oracle.send("topic defaults", ApiKeys.DESCRIBE_CONFIGS, v, describe(v, TOPIC, plain, TOPIC_KEYS, false));
      oracle.send("topic defaults with synonyms", ApiKeys.DESCRIBE_CONFIGS, v,
          describe(v, TOPIC, plain, TOPIC_KEYS, true));
      oracle.send("topic overrides with synonyms", ApiKeys.DESCRIBE_CONFIGS, v,
          describe(v, TOPIC, custom, TOPIC_KEYS, true));
      oracle.send("unknown key", ApiKeys.DESCRIBE_CONFIGS, v,
          describe(v, TOPIC, plain, List.of("no.such.config"), false));
      oracle.send("unknown topic", ApiKeys.DESCRIBE_CONFIGS, v,
          describe(v, TOPIC, unique("dc-unknown"), TOPIC_KEYS, false));
      oracle.send("invalid topic name", ApiKeys.DESCRIBE_CONFIGS, v,
          describe(v, TOPIC, "bad name!", TOPIC_KEYS, false));
      oracle.send("broker defaults", ApiKeys.DESCRIBE_CONFIGS, v, describe(v, BROKER, "1", BROKER_KEYS, true));
      oracle.send("other broker id", ApiKeys.DESCRIBE_CONFIGS, v, describe(v, BROKER, "7", BROKER_KEYS, false));
      if (v >= 3) {
        DescribeConfigsRequestData d = describe(v, TOPIC, plain, List.of("retention.ms"), false);
        d.setIncludeDocumentation(true);
        oracle.send("with documentation", ApiKeys.DESCRIBE_CONFIGS, v, d);
      }
    }
  }

  static AlterConfigsRequestData alter(byte type, String name, boolean validateOnly, String... kv) {
    AlterConfigsRequestData.AlterableConfigCollection cs = new AlterConfigsRequestData.AlterableConfigCollection();
    for (int i = 0; i < kv.length; i += 2) {
      cs.add(new AlterConfigsRequestData.AlterableConfig().setName(kv[i]).setValue(kv[i + 1]));
    }
    AlterConfigsRequestData.AlterConfigsResourceCollection rs = new AlterConfigsRequestData.AlterConfigsResourceCollection();
    rs.add(new AlterConfigsRequestData.AlterConfigsResource().setResourceType(type).setResourceName(name).setConfigs(cs));
    return new AlterConfigsRequestData().setResources(rs).setValidateOnly(validateOnly);
  }

  @Test
  void alterConfigsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.ALTER_CONFIGS)) {
      String t = unique("ac");
      createTopic(t, 1, topic(t, 1, (short) 1, "segment.ms", "600000"));
      oracle.send("set two configs", ApiKeys.ALTER_CONFIGS, v,
          alter(TOPIC, t, false, "retention.ms", "7200000", "cleanup.policy", "compact"));
      // AlterConfigs too is applied by Kafka a moment after its answer (CI caught the
      // overrides still in place right after the empty set below).
      for (String key : List.of("retention.ms", "cleanup.policy", "segment.ms")) awaitKafkaTopicConfig(t, key);
      describeTopic("after AlterConfigs (segment.ms override replaced)", t);
      oracle.send("validate only", ApiKeys.ALTER_CONFIGS, v, alter(TOPIC, t, true, "retention.ms", "1000"));
      describeTopic("after validate only", t);
      oracle.send("invalid value", ApiKeys.ALTER_CONFIGS, v, alter(TOPIC, t, false, "retention.ms", "soon"));
      oracle.send("invalid cleanup.policy", ApiKeys.ALTER_CONFIGS, v,
          alter(TOPIC, t, false, "cleanup.policy", "shred"));
      oracle.send("unknown key", ApiKeys.ALTER_CONFIGS, v, alter(TOPIC, t, false, "no.such.config", "1"));
      oracle.send("unknown topic", ApiKeys.ALTER_CONFIGS, v,
          alter(TOPIC, unique("ac-unknown"), false, "retention.ms", "1000"));
      oracle.send("empty set (removes all overrides)", ApiKeys.ALTER_CONFIGS, v, alter(TOPIC, t, false));
      for (String key : List.of("retention.ms", "cleanup.policy", "segment.ms")) awaitKafkaTopicConfig(t, key);
      describeTopic("after removing all overrides", t);
      oracle.send("broker: read-only key", ApiKeys.ALTER_CONFIGS, v,
          alter(BROKER, "1", false, "log.dirs", "/tmp/elsewhere"));
    }
  }

  static IncrementalAlterConfigsRequestData incremental(byte type, String name, boolean validateOnly,
      Object... opKv) {
    IncrementalAlterConfigsRequestData.AlterableConfigCollection cs =
        new IncrementalAlterConfigsRequestData.AlterableConfigCollection();
    for (int i = 0; i < opKv.length; i += 3) {
      cs.add(new IncrementalAlterConfigsRequestData.AlterableConfig().setConfigOperation((byte) opKv[i])
          .setName((String) opKv[i + 1]).setValue((String) opKv[i + 2]));
    }
    IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection rs =
        new IncrementalAlterConfigsRequestData.AlterConfigsResourceCollection();
    rs.add(new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(type)
        .setResourceName(name).setConfigs(cs));
    return new IncrementalAlterConfigsRequestData().setResources(rs).setValidateOnly(validateOnly);
  }

  @Test
  void incrementalAlterConfigsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.INCREMENTAL_ALTER_CONFIGS)) {
      String t = unique("iac");
      createTopic(t, 1, topic(t, 1, (short) 1, "segment.ms", "600000"));
      ApiKeys k = ApiKeys.INCREMENTAL_ALTER_CONFIGS;
      oracle.send("set retention.ms", k, v, incremental(TOPIC, t, false, SET, "retention.ms", "7200000"));
      awaitKafkaTopicConfig(t, "retention.ms");
      describeTopic("after SET (segment.ms kept)", t);
      oracle.send("append compact to cleanup.policy", k, v,
          incremental(TOPIC, t, false, APPEND, "cleanup.policy", "compact"));
      awaitKafkaTopicConfig(t, "cleanup.policy");
      describeTopic("after APPEND", t);
      oracle.send("subtract delete from cleanup.policy", k, v,
          incremental(TOPIC, t, false, SUBTRACT, "cleanup.policy", "delete"));
      awaitKafkaTopicConfig(t, "cleanup.policy");
      describeTopic("after SUBTRACT", t);
      oracle.send("delete segment.ms", k, v, incremental(TOPIC, t, false, DELETE, "segment.ms", null));
      awaitKafkaTopicConfig(t, "segment.ms");
      describeTopic("after DELETE", t);
      oracle.send("delete a key without override", k, v,
          incremental(TOPIC, t, false, DELETE, "flush.ms", null));
      oracle.send("append to a non-list key", k, v,
          incremental(TOPIC, t, false, APPEND, "retention.ms", "5"));
      oracle.send("invalid value", k, v, incremental(TOPIC, t, false, SET, "max.message.bytes", "big"));
      oracle.send("unknown key", k, v, incremental(TOPIC, t, false, SET, "no.such.config", "1"));
      oracle.send("invalid operation 9 #bad-op", k, v, incremental(TOPIC, t, false, (byte) 9, "retention.ms", "1"));
      oracle.send("same key twice", k, v, incremental(TOPIC, t, false,
          SET, "retention.ms", "1000", DELETE, "retention.ms", null));
      oracle.send("unknown topic", k, v,
          incremental(TOPIC, unique("iac-unknown"), false, SET, "retention.ms", "1000"));
      oracle.send("validate only", k, v, incremental(TOPIC, t, true, SET, "retention.ms", "1000"));
      describeTopic("after validate only", t);
      oracle.send("broker: read-only key", k, v,
          incremental(BROKER, "1", false, SET, "log.dirs", "/tmp/elsewhere"));
    }
  }
}
