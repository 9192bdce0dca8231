package dev.samsa.spring.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.samsa.testkit.SamsaServer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

/** One broker per application context: its lifetime, and Spring's context cache. */
@Timeout(60)
class EmbeddedSamsaContextTest {
  static final Map<String, SamsaServer> SEEN = new ConcurrentHashMap<>();

  @Test
  void withSamsaBootstrapSetTheContextUsesThatBrokerAndLeavesItRunning() {
    String before = System.getProperty(SamsaServer.BOOTSTRAP_PROPERTY);
    try (SamsaServer running = SamsaServer.start()) {
      System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, running.bootstrapServers());
      SamsaServer server;
      try (GenericApplicationContext context = new GenericApplicationContext()) {
        new EmbeddedSamsaContextCustomizer(List.of("external-t"), 3, List.of("num.partitions=7"),
            "spring.kafka.bootstrap-servers").customizeContext(context, null);
        context.refresh();
        server = context.getBean(SamsaServer.class);
        assertTrue(server.isExternal());
        assertEquals(running.bootstrapServers(),
            context.getEnvironment().getProperty("spring.kafka.bootstrap-servers"));
        assertEquals(running.bootstrapServers(),
            context.getEnvironment().getProperty("spring.embedded.kafka.brokers"));
      } finally {
        if (before == null) System.clearProperty(SamsaServer.BOOTSTRAP_PROPERTY);
        else System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, before);
      }
      assertFalse(server.isRunning(), "closed with its context");
      assertTrue(running.isRunning(), "the broker it used runs on");
      assertTrue(running.runTool("topic", "describe", "external-t", "--format", "json")
          .contains("\"partition_count\":3"), "the context's topic was made there");
    }
  }

  @Test
  void theBrokerOutlivesTheAppsBeansAndStopsWithTheContext() {
    ContextCustomizer customizer = new EmbeddedSamsaContextCustomizer(
        List.of("t"), 1, List.of(), "my.bootstrap");
    AtomicBoolean brokerUpAtAppShutdown = new AtomicBoolean();
    SamsaServer server;
    try (GenericApplicationContext context = new GenericApplicationContext()) {
      customizer.customizeContext(context, null);
      // An application bean whose shutdown needs the broker (a consumer leaving its group).
      context.registerBean("app", DisposableBean.class, () -> () -> brokerUpAtAppShutdown.set(
          context.getBean(SamsaServer.class).isRunning()));
      context.refresh();
      server = context.getBean(EmbeddedSamsaContextCustomizer.BEAN_NAME, SamsaServer.class);
      context.getBean("app");
      assertTrue(server.isRunning());
      assertEquals(server.bootstrapServers(), context.getEnvironment().getProperty("my.bootstrap"));
      assertNull(context.getEnvironment().getProperty("spring.kafka.bootstrap-servers"),
          "only the property asked for");
      assertEquals(server.bootstrapServers(), context.getEnvironment().getProperty("spring.embedded.kafka.brokers"));
    }
    assertTrue(brokerUpAtAppShutdown.get(), "the app's beans were destroyed while the broker ran");
    assertFalse(server.isRunning(), "stopped with its context");
    assertEquals(0, server.stop(), "an orderly exit");
    assertFalse(Files.exists(server.dataDir()));
  }

  @Test
  void customizersAreEqualExactlyWhenTheAnnotationsValuesAre() {
    var factory = new EmbeddedSamsaContextCustomizerFactory();
    ContextCustomizer a = factory.createContextCustomizer(SameConfigA.class, List.of());
    ContextCustomizer b = factory.createContextCustomizer(SameConfigB.class, List.of());
    ContextCustomizer other = factory.createContextCustomizer(OtherConfig.class, List.of());
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, other);
    assertNotEquals(a, new EmbeddedSamsaContextCustomizer(List.of("cached"), 2, List.of(), ""));
    assertNotEquals(a, new EmbeddedSamsaContextCustomizer(List.of("cached"), 2, List.of("num.partitions=1"),
        "spring.kafka.bootstrap-servers"));
    assertEquals(a, new EmbeddedSamsaContextCustomizer(List.of("cached"), 2, List.of(),
        "spring.kafka.bootstrap-servers"));
  }

  @Test
  void testClassesWithTheSameConfigurationShareTheContextAndItsBroker() {
    EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(SameConfigA.class), selectClass(SameConfigB.class), selectClass(OtherConfig.class))
        .execute();
    List<Event> failed = results.allEvents().failed().list();
    assertTrue(failed.isEmpty(), () -> failed.stream()
        .map(e -> e.getTestDescriptor().getDisplayName() + ": " + e.getPayload().orElse(null))
        .collect(Collectors.joining("\n")));
    results.testEvents().assertStatistics(s -> s.succeeded(3));
    assertSame(SEEN.get("A"), SEEN.get("B"), "one cached context, one broker");
    assertNotSame(SEEN.get("A"), SEEN.get("Other"));
    assertTrue(SEEN.get("A").isRunning(), "cached contexts stay open until the JVM ends");
  }

  @Configuration
  static class Empty {}

  @SpringJUnitConfig(Empty.class)
  @EmbeddedSamsa(topics = "cached")
  static class SameConfigA {
    @Autowired SamsaServer samsa;

    @Test
    void sees() {
      SEEN.put("A", samsa);
      assertEquals(2, EmbeddedSamsaTest.partitionCount(samsa, "cached"), "@EmbeddedKafka's default");
    }
  }

  @SpringJUnitConfig(Empty.class)
  @EmbeddedSamsa(topics = "cached")
  static class SameConfigB {
    @Autowired SamsaServer samsa;

    @Test
    void sees() {
      SEEN.put("B", samsa);
    }
  }

  @SpringJUnitConfig(Empty.class)
  @EmbeddedSamsa(topics = "cached", partitions = 4)
  static class OtherConfig {
    @Autowired SamsaServer samsa;

    @Test
    void sees() {
      SEEN.put("Other", samsa);
      assertEquals(4, EmbeddedSamsaTest.partitionCount(samsa, "cached"));
    }
  }
}
