package dev.samsa.spring.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.testkit.SamsaServer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

/** A Spring test class as users write it: the broker, its topics and its properties. */
@SpringJUnitConfig(EmbeddedSamsaTest.Config.class)
@EmbeddedSamsa(topics = {"orders", "${extra.topics}"}, partitions = 3, brokerProperties = "num.partitions=${auto.partitions}")
@TestPropertySource(properties = {"extra.topics=payments,refunds", "auto.partitions=5"})
@Timeout(60)
class EmbeddedSamsaTest {
  @Configuration
  static class Config {
    /** A bean that reads the address while the context starts, as a Kafka client factory would. */
    @Bean
    String kafkaAddressAtStartup(@Value("${spring.kafka.bootstrap-servers}") String bootstrap) {
      return bootstrap;
    }
  }

  @Autowired SamsaServer samsa;
  @Autowired String kafkaAddressAtStartup;
  @Autowired Environment env;

  @Test
  void theContextHasTheRunningBrokerAndItsAddress() {
    assertTrue(samsa.isRunning());
    assertEquals(samsa.bootstrapServers(), kafkaAddressAtStartup);
    assertEquals(samsa.bootstrapServers(), env.getProperty("spring.kafka.bootstrap-servers"));
    assertEquals(samsa.bootstrapServers(), env.getProperty("spring.embedded.kafka.brokers"),
        "what code written for @EmbeddedKafka reads");
  }

  @Test
  void topicsAndBrokerPropertiesWithPlaceholders() {
    assertEquals(3, partitionCount(samsa, "orders"));
    assertEquals(3, partitionCount(samsa, "payments"));
    assertEquals(3, partitionCount(samsa, "refunds"));
    samsa.runTool("topic", "create", "auto");
    assertEquals(5, partitionCount(samsa, "auto"), "num.partitions=5 reached the broker");
    samsa.runToolWithInput("k:v\n", "produce", "orders", "-k", ":", "-p", "2");
    assertEquals("k=v\n", samsa.runTool("consume", "orders", "-e", "-p", "2", "--print", "%k=%v\n"));
  }

  static int partitionCount(SamsaServer samsa, String topic) {
    String json = samsa.runTool("topic", "describe", topic, "--format", "json");
    Matcher m = Pattern.compile("\"partition_count\":(\\d+)").matcher(json);
    assertTrue(m.find(), json);
    return Integer.parseInt(m.group(1));
  }

  @Test
  void noAnnotationNoCustomizer() {
    assertNull(new EmbeddedSamsaContextCustomizerFactory().createContextCustomizer(String.class, java.util.List.of()));
    assertNotNull(new EmbeddedSamsaContextCustomizerFactory().createContextCustomizer(getClass(), java.util.List.of()));
    assertSame(samsa, samsa);
    assertFalse(samsa.bootstrapServers().isEmpty());
  }
}
