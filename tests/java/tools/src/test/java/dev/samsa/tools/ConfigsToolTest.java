package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * kafka-configs.sh: --describe and --alter (--add-config, --delete-config) on topics,
 * --describe (and --all) on the broker. The expected lines are Apache Kafka's, synonyms
 * included: the effective value's source first, then what it would fall back to.
 */
class ConfigsToolTest extends ToolTestBase {

  @Override
  protected SamsaBroker.Builder configure(SamsaBroker.Builder builder) {
    // Static broker settings (server.properties), seen as STATIC_BROKER_CONFIG.
    return builder.override("num.partitions", "2").override("log.segment.bytes", "2097152");
  }

  @Test
  void describeTopicShowsOnlyItsOverrides() {
    createTopic("cfg-described", 1, "retention.ms=86400000");
    KafkaTool.Result r = configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-described").ok();
    assertEquals(
        List.of(
            "Dynamic configs for topic cfg-described are:",
            // As Kafka 4.4 answers (the oracle compares it): broker synonyms start at the
            // primary key log.retention.ms, which has no default, so none follow.
            "  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}"),
        r.lines(),
        r::describe);

    // The --topic shorthand is the same request.
    KafkaTool.Result shorthand = configs("--describe", "--topic", "cfg-described").ok();
    assertEquals(r.lines(), shorthand.lines(), shorthand::describe);

    KafkaTool.Result missing =
        configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-never-created").ok();
    assertEquals(
        List.of("The topic 'cfg-never-created' doesn't exist and doesn't have dynamic config."),
        missing.lines(),
        missing::describe);
  }

  @Test
  void describeTopicAllShowsDefaultsAndBrokerSettings() {
    createTopic("cfg-all", 1, "retention.ms=86400000");
    KafkaTool.Result r =
        configs("--describe", "--all", "--entity-type", "topics", "--entity-name", "cfg-all").ok();
    List<String> lines = r.lines();
    assertEquals("All configs for topic cfg-all are:", lines.get(0), r::describe);
    assertContainsLine(
        r,
        "  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000}");
    // The broker's static log.segment.bytes is the topic's segment.bytes (the full synonym
    // list is checked in staticBrokerSettingsListTheirDefaultAsSynonym).
    assertContainsLinePrefix(
        r, "  segment.bytes=2097152 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=2097152");
    assertContainsLine(
        r, "  cleanup.policy=delete sensitive=false synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}");
    assertContainsLine(
        r, "  max.message.bytes=1048588 sensitive=false synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}");
    assertContainsLine(
        r, "  compression.type=producer sensitive=false synonyms={DEFAULT_CONFIG:compression.type=producer}");
    assertContainsLine(
        r, "  retention.bytes=-1 sensitive=false synonyms={DEFAULT_CONFIG:log.retention.bytes=-1}");
    assertContainsLine(
        r, "  segment.ms=604800000 sensitive=false synonyms={}");  // log.roll.ms: no default
    // Sorted by name, as the tool prints them.
    List<String> entries = new ArrayList<>(lines.subList(1, lines.size()));
    List<String> sorted = new ArrayList<>(entries);
    sorted.sort(null);
    assertEquals(sorted, entries, r::describe);
  }

  @Test
  void staticBrokerSettingsListTheirDefaultAsSynonym() {
    createTopic("cfg-static", 1);
    KafkaTool.Result topic =
        configs("--describe", "--all", "--entity-type", "topics", "--entity-name", "cfg-static").ok();
    assertContainsLine(
        topic,
        "  segment.bytes=2097152 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=2097152, DEFAULT_CONFIG:log.segment.bytes=1073741824}");
    KafkaTool.Result broker =
        configs("--describe", "--all", "--entity-type", "brokers", "--entity-name", Integer.toString(NODE_ID))
            .ok();
    assertContainsLine(
        broker,
        "  num.partitions=2 sensitive=false synonyms={STATIC_BROKER_CONFIG:num.partitions=2, DEFAULT_CONFIG:num.partitions=1}");
    assertContainsLine(
        broker,
        "  log.segment.bytes=2097152 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=2097152, DEFAULT_CONFIG:log.segment.bytes=1073741824}");
  }

  @Test
  void topicConfigsListTheirBrokerSynonyms() {
    createTopic("cfg-synonyms", 1);
    KafkaTool.Result r =
        configs("--describe", "--all", "--entity-type", "topics", "--entity-name", "cfg-synonyms").ok();
    assertContainsLine(
        r, "  min.insync.replicas=1 sensitive=false synonyms={DEFAULT_CONFIG:min.insync.replicas=1}");
    assertContainsLine(
        r,
        "  delete.retention.ms=86400000 sensitive=false synonyms={DEFAULT_CONFIG:log.cleaner.delete.retention.ms=86400000}");
    assertContainsLine(
        r,
        "  file.delete.delay.ms=60000 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.delete.delay.ms=60000}");
    assertContainsLine(
        r,
        "  unclean.leader.election.enable=false sensitive=false synonyms={DEFAULT_CONFIG:unclean.leader.election.enable=false}");
    assertContainsLine(
        r, "  preallocate=false sensitive=false synonyms={DEFAULT_CONFIG:log.preallocate=false}");
  }

  @Test
  void alterAddAndDeleteTopicConfigs() {
    createTopic("cfg-altered", 1);
    KafkaTool.Result add =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-altered",
                "--add-config",
                "max.message.bytes=128000,retention.bytes=1048576")
            .ok();
    assertEquals(
        List.of("Completed updating config for topic cfg-altered."), add.lines(), add::describe);

    KafkaTool.Result described =
        configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-altered").ok();
    assertEquals(
        List.of(
            "Dynamic configs for topic cfg-altered are:",
            "  max.message.bytes=128000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=128000, DEFAULT_CONFIG:message.max.bytes=1048588}",
            "  retention.bytes=1048576 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.bytes=1048576, DEFAULT_CONFIG:log.retention.bytes=-1}"),
        described.lines(),
        described::describe);

    // kafka-topics sees the same overrides, and (as with Kafka) the broker's static
    // log.segment.bytes: it lists every config whose source is not DEFAULT_CONFIG.
    KafkaTool.Result topic = topics("--describe", "--topic", "cfg-altered").ok();
    String configsField = TopicsToolTest.fields(topic.lines().get(0)).get("Configs");
    assertEquals(
        new TreeSet<>(List.of("max.message.bytes=128000", "retention.bytes=1048576", "segment.bytes=2097152")),
        new TreeSet<>(List.of(configsField.split(","))),
        topic::describe);

    KafkaTool.Result delete =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-altered",
                "--delete-config",
                "retention.bytes")
            .ok();
    assertEquals(
        List.of("Completed updating config for topic cfg-altered."), delete.lines(), delete::describe);
    KafkaTool.Result after =
        configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-altered").ok();
    assertEquals(
        List.of(
            "Dynamic configs for topic cfg-altered are:",
            "  max.message.bytes=128000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=128000, DEFAULT_CONFIG:message.max.bytes=1048588}"),
        after.lines(),
        after::describe);

    // Deleting a config that is not set: kafka-configs 4.4 sends the DELETE (older ones
    // refused it themselves) and the broker treats it as done, changing nothing.
    KafkaTool.Result notSet =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-altered",
                "--delete-config",
                "retention.bytes")
            .ok();
    assertEquals(
        List.of("Completed updating config for topic cfg-altered."), notSet.lines(), notSet::describe);
    KafkaTool.Result unchanged =
        configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-altered").ok();
    assertEquals(after.lines(), unchanged.lines(), unchanged::describe);
  }

  @Test
  void alterErrorsComeFromTheBroker() {
    createTopic("cfg-errors", 1);
    KafkaTool.Result unknown =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-errors",
                "--add-config",
                "no.such.config=1")
            .failed();
    assertTrue(unknown.output().contains("InvalidConfigurationException"), unknown::describe);

    KafkaTool.Result badValue =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-errors",
                "--add-config",
                "retention.ms=soon")
            .failed();
    assertTrue(badValue.output().contains("InvalidConfigurationException"), badValue::describe);

    KafkaTool.Result noTopic =
        configs(
                "--alter",
                "--entity-type",
                "topics",
                "--entity-name",
                "cfg-never-created",
                "--add-config",
                "retention.ms=1000")
            .failed();
    assertTrue(noTopic.output().contains("UnknownTopicOrPartitionException"), noTopic::describe);

    // Nothing was changed by the failed calls.
    KafkaTool.Result described =
        configs("--describe", "--entity-type", "topics", "--entity-name", "cfg-errors").ok();
    assertEquals(
        List.of("Dynamic configs for topic cfg-errors are:"), described.lines(), described::describe);
  }

  @Test
  void describeBrokerDynamicConfigs() {
    // samsa has no dynamic broker configs: just the heading, as a Kafka broker without any.
    KafkaTool.Result r =
        configs("--describe", "--entity-type", "brokers", "--entity-name", Integer.toString(NODE_ID))
            .ok();
    assertEquals(List.of("Dynamic configs for broker " + NODE_ID + " are:"), r.lines(), r::describe);

    KafkaTool.Result shorthand = configs("--describe", "--broker", Integer.toString(NODE_ID)).ok();
    assertEquals(r.lines(), shorthand.lines(), shorthand::describe);

    KafkaTool.Result unknown =
        configs("--describe", "--entity-type", "brokers", "--entity-name", "42").ok();
    assertEquals(
        List.of("The broker '42' doesn't exist and doesn't have dynamic config."),
        unknown.lines(),
        unknown::describe);
  }

  @Test
  void describeBrokerAll() {
    KafkaTool.Result r =
        configs(
                "--describe",
                "--all",
                "--entity-type",
                "brokers",
                "--entity-name",
                Integer.toString(NODE_ID))
            .ok();
    assertEquals("All configs for broker " + NODE_ID + " are:", r.lines().get(0), r::describe);
    // Static settings (the full synonym lists: staticBrokerSettingsListTheirDefaultAsSynonym).
    assertContainsLinePrefix(
        r, "  num.partitions=2 sensitive=false synonyms={STATIC_BROKER_CONFIG:num.partitions=2");
    assertContainsLinePrefix(
        r, "  log.segment.bytes=2097152 sensitive=false synonyms={STATIC_BROKER_CONFIG:log.segment.bytes=2097152");
    assertContainsLine(
        r, "  message.max.bytes=1048588 sensitive=false synonyms={DEFAULT_CONFIG:message.max.bytes=1048588}");
    assertContainsLine(
        r, "  auto.create.topics.enable=true sensitive=false synonyms={DEFAULT_CONFIG:auto.create.topics.enable=true}");
    assertContainsLine(
        r, "  log.retention.hours=168 sensitive=false synonyms={DEFAULT_CONFIG:log.retention.hours=168}");
    assertContainsLinePrefix(
        r, "  log.dirs=" + broker.dataDir() + " sensitive=false synonyms={STATIC_BROKER_CONFIG:log.dirs=" + broker.dataDir());
    assertContainsLinePrefix(r, "  node.id=" + NODE_ID + " sensitive=false synonyms={");
    assertContainsLinePrefix(r, "  listeners=PLAINTEXT://127.0.0.1:");
    List<String> entries = new ArrayList<>(r.lines().subList(1, r.lines().size()));
    List<String> sorted = new ArrayList<>(entries);
    sorted.sort(null);
    assertEquals(sorted, entries, r::describe);
  }

  @Test
  void describeAllBrokersAndClusterDefaults() {
    // Without a name the tool describes each broker, then the cluster-wide defaults (the
    // BROKER resource with an empty name).
    KafkaTool.Result r = configs("--describe", "--entity-type", "brokers").ok();
    assertEquals(
        List.of(
            "Dynamic configs for broker " + NODE_ID + " are:",
            "Default configs for brokers in the cluster are:"),
        r.lines(),
        r::describe);

    KafkaTool.Result defaults =
        configs("--describe", "--entity-type", "brokers", "--entity-default").ok();
    assertEquals(
        List.of("Default configs for brokers in the cluster are:"),
        defaults.lines(),
        defaults::describe);
  }

  private KafkaTool.Result configs(String... args) {
    return tool.run(KafkaTool.CONFIGS, withBootstrap(args));
  }

  private static void assertContainsLine(KafkaTool.Result r, String line) {
    assertTrue(r.lines().contains(line), () -> "no line\n" + line + "\nin\n" + r.describe());
  }

  private static void assertContainsLinePrefix(KafkaTool.Result r, String prefix) {
    assertTrue(
        r.lines().stream().anyMatch(l -> l.startsWith(prefix)),
        () -> "no line starting with\n" + prefix + "\nin\n" + r.describe());
  }
}
