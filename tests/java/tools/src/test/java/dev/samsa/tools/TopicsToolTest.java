package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** kafka-topics.sh: --create, --list, --describe, --alter --partitions, --delete. */
class TopicsToolTest extends ToolTestBase {
  private static final Pattern TOPIC_ID = Pattern.compile("[A-Za-z0-9_-]{22}");

  @Test
  void createListDescribeDelete() {
    createTopic("orders", 3);
    createTopic("payments", 1);

    KafkaTool.Result list = topics("--list").ok();
    assertTrue(list.lines().containsAll(List.of("orders", "payments")), list::describe);
    // Sorted, as the tool prints them.
    List<String> sorted = new ArrayList<>(list.lines());
    sorted.sort(null);
    assertEquals(sorted, list.lines(), list::describe);

    KafkaTool.Result describe = topics("--describe", "--topic", "orders").ok();
    List<String> lines = describe.lines();
    assertEquals(4, lines.size(), describe::describe);
    Map<String, String> head = fields(lines.get(0));
    assertEquals("orders", head.get("Topic"), describe::describe);
    assertTrue(TOPIC_ID.matcher(head.get("TopicId")).matches(), describe::describe);
    assertEquals("3", head.get("PartitionCount"), describe::describe);
    assertEquals("1", head.get("ReplicationFactor"), describe::describe);
    assertEquals("", head.get("Configs"), describe::describe);
    for (int p = 0; p < 3; p++) {
      Map<String, String> part = fields(lines.get(1 + p));
      assertEquals("orders", part.get("Topic"), describe::describe);
      assertEquals(Integer.toString(p), part.get("Partition"), describe::describe);
      assertEquals(Integer.toString(NODE_ID), part.get("Leader"), describe::describe);
      assertEquals(Integer.toString(NODE_ID), part.get("Replicas"), describe::describe);
      assertEquals(Integer.toString(NODE_ID), part.get("Isr"), describe::describe);
    }

    // --describe without --topic describes every topic: both of ours are there.
    KafkaTool.Result all = topics("--describe").ok();
    assertTrue(all.stdout.contains("Topic: orders\t"), all::describe);
    assertTrue(all.stdout.contains("Topic: payments\t"), all::describe);

    KafkaTool.Result delete = topics("--delete", "--topic", "orders").ok();
    assertEquals(List.of(), delete.lines(), delete::describe);
    tool.runUntil(
        r -> r.exitCode == 0 && !r.lines().contains("orders"),
        Duration.ofSeconds(30),
        "deleted topic leaving --list",
        KafkaTool.TOPICS,
        withBootstrap("--list"));
    KafkaTool.Result after = topics("--list").ok();
    assertTrue(after.lines().contains("payments"), after::describe);

    // The deleted topic is gone for --describe too.
    KafkaTool.Result gone = topics("--describe", "--topic", "orders").failed();
    assertTrue(
        gone.output().contains("Topic 'orders' does not exist as expected"), gone::describe);
  }

  @Test
  void createWithConfigsShowsThemInDescribe() {
    createTopic("configured", 2, "retention.ms=3600000", "max.message.bytes=65536");
    KafkaTool.Result describe = topics("--describe", "--topic", "configured").ok();
    Map<String, String> head = fields(describe.lines().get(0));
    assertEquals("2", head.get("PartitionCount"), describe::describe);
    // Only the overrides, as Kafka lists them (not the defaults).
    assertEquals(
        new TreeSet<>(Set.of("retention.ms=3600000", "max.message.bytes=65536")),
        new TreeSet<>(List.of(head.get("Configs").split(","))),
        describe::describe);

    // --topics-with-overrides lists this topic and not one without overrides.
    createTopic("plain", 1);
    KafkaTool.Result overrides = topics("--describe", "--topics-with-overrides").ok();
    assertTrue(overrides.stdout.contains("Topic: configured\t"), overrides::describe);
    assertFalse(overrides.stdout.contains("Topic: plain\t"), overrides::describe);
  }

  @Test
  void alterPartitionsGrowsTheTopic() {
    createTopic("growing", 1);
    KafkaTool.Result alter = topics("--alter", "--topic", "growing", "--partitions", "4").ok();
    assertEquals(List.of(), alter.lines(), alter::describe);

    KafkaTool.Result describe = topics("--describe", "--topic", "growing").ok();
    List<String> lines = describe.lines();
    assertEquals("4", fields(lines.get(0)).get("PartitionCount"), describe::describe);
    assertEquals(5, lines.size(), describe::describe);
    for (int p = 0; p < 4; p++) {
      Map<String, String> part = fields(lines.get(1 + p));
      assertEquals(Integer.toString(p), part.get("Partition"), describe::describe);
      assertEquals(Integer.toString(NODE_ID), part.get("Leader"), describe::describe);
    }

    // Shrinking is refused by the broker (INVALID_PARTITIONS), and the tool says so.
    KafkaTool.Result shrink = topics("--alter", "--topic", "growing", "--partitions", "2").failed();
    assertTrue(shrink.output().contains("InvalidPartitionsException"), shrink::describe);
    KafkaTool.Result still = topics("--describe", "--topic", "growing").ok();
    assertEquals("4", fields(still.lines().get(0)).get("PartitionCount"), still::describe);
  }

  @Test
  void createErrorsAndIfNotExists() {
    createTopic("twice", 1);
    KafkaTool.Result again =
        topics("--create", "--topic", "twice", "--partitions", "1", "--replication-factor", "1")
            .failed();
    assertTrue(again.output().contains("TopicExistsException"), again::describe);
    assertTrue(again.output().contains("'twice' already exists"), again::describe);

    KafkaTool.Result tolerated =
        topics("--create", "--if-not-exists", "--topic", "twice", "--partitions", "1").ok();
    assertEquals(List.of(), tolerated.lines(), tolerated::describe);

    // An unknown topic config is refused by the broker (INVALID_CONFIG).
    KafkaTool.Result badConfig =
        topics("--create", "--topic", "badconfig", "--partitions", "1", "--config", "no.such.config=1")
            .failed();
    assertTrue(badConfig.output().contains("InvalidConfigurationException"), badConfig::describe);
    KafkaTool.Result list = topics("--list").ok();
    assertFalse(list.lines().contains("badconfig"), list::describe);

    // --if-exists on a missing topic: nothing to do, no error.
    topics("--delete", "--if-exists", "--topic", "never-created").ok();
  }

  /** "Key: value" fields of one --describe line, split on tabs. */
  static Map<String, String> fields(String line) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String field : line.strip().split("\t")) {
      int colon = field.indexOf(':');
      if (colon < 0) continue;
      out.put(field.substring(0, colon).strip(), field.substring(colon + 1).strip());
    }
    return out;
  }
}
