package dev.samsa.spring.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.test.annotation.DirtiesContext;

/**
 * InventoryApp's KafkaAdmin: creates its topics with their configs on the first start; a later
 * start with more partitions and other configs in its properties alters the existing topics
 * (no error: spring.kafka.admin.fail-fast=true would fail the start); a start with nothing
 * changed changes nothing.
 */
@SpringBootTest(classes = InventoryApp.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EmbeddedSamsa // one broker for this class's context; the app's NewTopic beans make its topics
@DirtiesContext // the app, then its broker, stop after the class
class TopicAdminTest {
  @Autowired SamsaServer samsa;
  @Autowired KafkaAdmin kafkaAdmin;

  @Test
  @Order(1)
  void firstStartCreatesTheTopicsWithTheirConfigs() throws Exception {
    Map<String, TopicDescription> topics =
        kafkaAdmin.describeTopics(InventoryApp.MOVEMENTS, InventoryApp.SNAPSHOTS, InventoryApp.RESERVATIONS);
    assertEquals(4, topics.get(InventoryApp.MOVEMENTS).partitions().size());
    assertEquals(2, topics.get(InventoryApp.SNAPSHOTS).partitions().size());
    assertEquals(1, topics.get(InventoryApp.RESERVATIONS).partitions().size());
    assertEquals(1, topics.get(InventoryApp.RESERVATIONS).partitions().get(0).replicas().size(),
        "replicas left to the broker's default");

    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      Map<String, Config> configs = describeConfigs(admin);
      assertTopicConfig(configs, InventoryApp.MOVEMENTS, "retention.ms", "3600000");
      assertTopicConfig(configs, InventoryApp.MOVEMENTS, "cleanup.policy", "delete");
      assertTopicConfig(configs, InventoryApp.SNAPSHOTS, "cleanup.policy", "compact");
      assertTopicConfig(configs, InventoryApp.SNAPSHOTS, "segment.bytes", "1048576");
      assertDefault(configs, InventoryApp.RESERVATIONS, "cleanup.policy", "delete");
      assertDefault(configs, InventoryApp.RESERVATIONS, "retention.ms", "604800000");
    }
  }

  @Test
  @Order(2)
  void laterStartsAlterTheExistingTopicsToMatch() throws Exception {
    try (ConfigurableApplicationContext changed = startApp(
        "--inventory.movements.partitions=6",
        "--inventory.movements.retention-ms=7200000",
        "--inventory.snapshots.segment-bytes=2097152")) {
      Map<String, TopicDescription> topics =
          changed.getBean(KafkaAdmin.class).describeTopics(InventoryApp.MOVEMENTS, InventoryApp.SNAPSHOTS);
      assertEquals(6, topics.get(InventoryApp.MOVEMENTS).partitions().size(), "partitions added");
      assertEquals(2, topics.get(InventoryApp.SNAPSHOTS).partitions().size());
    }
    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      Map<String, Config> configs = describeConfigs(admin);
      assertTopicConfig(configs, InventoryApp.MOVEMENTS, "retention.ms", "7200000");
      assertTopicConfig(configs, InventoryApp.MOVEMENTS, "cleanup.policy", "delete");
      assertTopicConfig(configs, InventoryApp.SNAPSHOTS, "segment.bytes", "2097152");
      assertTopicConfig(configs, InventoryApp.SNAPSHOTS, "cleanup.policy", "compact");
    }

    // The same settings again: nothing to create or alter, and the start succeeds.
    try (ConfigurableApplicationContext same = startApp(
        "--inventory.movements.partitions=6",
        "--inventory.movements.retention-ms=7200000",
        "--inventory.snapshots.segment-bytes=2097152")) {
      assertEquals(6, same.getBean(KafkaAdmin.class).describeTopics(InventoryApp.MOVEMENTS)
          .get(InventoryApp.MOVEMENTS).partitions().size());
    }
    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      assertTopicConfig(describeConfigs(admin), InventoryApp.MOVEMENTS, "retention.ms", "7200000");
      assertEquals(3, admin.listTopics().names().get().stream()
          .filter(n -> n.startsWith("inventory.")).count());
    }
  }

  /** Another InventoryApp against this class's broker. */
  private ConfigurableApplicationContext startApp(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--spring.kafka.bootstrap-servers=" + samsa.bootstrapServers();
    System.arraycopy(args, 0, all, 1, args.length);
    return new SpringApplicationBuilder(InventoryApp.class).web(WebApplicationType.NONE).run(all);
  }

  private static Map<String, Config> describeConfigs(Admin admin) throws Exception {
    Map<String, Config> byTopic = new HashMap<>();
    List<ConfigResource> resources = List.of(
        new ConfigResource(ConfigResource.Type.TOPIC, InventoryApp.MOVEMENTS),
        new ConfigResource(ConfigResource.Type.TOPIC, InventoryApp.SNAPSHOTS),
        new ConfigResource(ConfigResource.Type.TOPIC, InventoryApp.RESERVATIONS));
    admin.describeConfigs(resources).all().get().forEach((r, c) -> byTopic.put(r.name(), c));
    return byTopic;
  }

  /** A config set on the topic itself. */
  private static void assertTopicConfig(Map<String, Config> configs, String topic, String name, String value) {
    ConfigEntry e = configs.get(topic).get(name);
    assertEquals(value, e == null ? null : e.value(), topic + " " + name);
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, e.source(), topic + " " + name + " source");
  }

  /** A config the topic takes from the broker's default. */
  private static void assertDefault(Map<String, Config> configs, String topic, String name, String value) {
    ConfigEntry e = configs.get(topic).get(name);
    assertEquals(value, e == null ? null : e.value(), topic + " " + name);
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, e.source(), topic + " " + name + " source");
  }
}
