package dev.samsa.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What SamsaContainer decides before any container exists: no Docker needed. setup.sh runs this
 * class alone, so that Surefire fetches its JUnit provider while the network is there.
 */
class SamsaContainerSettingsTest {

  @Test
  void keysBecomeTheVariablesKafkaImagesRead() {
    assertEquals(
        Optional.of("KAFKA_NUM_PARTITIONS"), SamsaContainer.environmentVariable("num.partitions"));
    assertEquals(Optional.of("KAFKA_FOO__BAR"), SamsaContainer.environmentVariable("foo_bar"));
    assertEquals(Optional.of("KAFKA_A___B_C"), SamsaContainer.environmentVariable("a-b.c"));
    assertEquals(
        Optional.of("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"),
        SamsaContainer.environmentVariable("group.initial.rebalance.delay.ms"));
    // No variable spells these: they go into the late file.
    assertFalse(SamsaContainer.environmentVariable("listener.name.BROKER.x").isPresent());
    assertFalse(SamsaContainer.environmentVariable("a..b").isPresent());
    assertFalse(SamsaContainer.environmentVariable("._a").isPresent());
  }

  @Test
  void topicsGoIntoKafkaCreateTopics() {
    try (SamsaContainer samsa =
        new SamsaContainer().withTopic("orders", 3).withTopic("a.b-c_d", 1)) {
      samsa.configure();
      assertEquals("orders:3:1,a.b-c_d:1:1", samsa.getEnvMap().get("KAFKA_CREATE_TOPICS"));
    }
  }

  @Test
  void badTopicsAreRefusedAtOnce() {
    SamsaContainer samsa = new SamsaContainer();
    assertThrows(IllegalArgumentException.class, () -> samsa.withTopic("a,b", 1));
    assertThrows(IllegalArgumentException.class, () -> samsa.withTopic("a:b", 1));
    assertThrows(IllegalArgumentException.class, () -> samsa.withTopic("", 1));
    assertThrows(IllegalArgumentException.class, () -> samsa.withTopic("..", 1));
    assertThrows(IllegalArgumentException.class, () -> samsa.withTopic("t", 0));
  }

  @Test
  void brokerPropertiesAreVariablesWhereTheyCanBe() {
    SamsaContainer samsa =
        new SamsaContainer()
            .withBrokerProperty("num.partitions", "4")
            .withBrokerProperty("listener.name.BROKER.x", "y");
    assertEquals("4", samsa.getEnvMap().get("KAFKA_NUM_PARTITIONS"));
    assertFalse(samsa.getEnvMap().values().contains("y"));
  }
}
