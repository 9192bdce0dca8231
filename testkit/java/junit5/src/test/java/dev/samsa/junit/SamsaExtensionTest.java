package dev.samsa.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.samsa.testkit.SamsaServer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small test classes (the static classes below, which Surefire does not pick up by
 * itself) through the Jupiter engine and checks which brokers they got, what those held,
 * and that each was stopped when its scope ended.
 */
@Timeout(120)
class SamsaExtensionTest {
  /** What the sample classes saw, by class simple name. */
  static final Map<String, SamsaServer> SEEN = new ConcurrentHashMap<>();
  static final Map<String, String> PROPERTY_SEEN = new ConcurrentHashMap<>();
  static final String PROPERTY = "samsa.junit.test.bootstrap";

  private static EngineExecutionResults run(Class<?>... classes) {
    var request = EngineTestKit.engine("junit-jupiter");
    for (Class<?> c : classes) request.selectors(selectClass(c));
    EngineExecutionResults results = request.execute();
    List<Event> failed = results.allEvents().failed().list();
    assertTrue(failed.isEmpty(), () -> failed.stream()
        .map(e -> e.getTestDescriptor().getDisplayName() + ": " + e.getPayload().orElse(null))
        .collect(Collectors.joining("\n")));
    return results;
  }

  static int partitionCount(SamsaServer samsa, String topic) {
    String json = samsa.runTool("topic", "describe", topic, "--format", "json");
    Matcher m = Pattern.compile("\"partition_count\":(\\d+)").matcher(json);
    assertTrue(m.find(), json);
    return Integer.parseInt(m.group(1));
  }

  @Test
  void aBrokerPerClassInjectedEverywhereWithItsTopicsAndStoppedAfterTheClass() {
    EngineExecutionResults results = run(PerClassA.class, PerClassB.class);
    results.testEvents().assertStatistics(s -> s.started(4).succeeded(4));
    SamsaServer a = SEEN.get("PerClassA");
    SamsaServer b = SEEN.get("PerClassB");
    assertNotNull(a);
    assertNotNull(b);
    assertNotEquals(a.bootstrapServers(), b.bootstrapServers(), "one broker each");
    for (SamsaServer s : List.of(a, b)) {
      assertFalse(s.isRunning(), s + " stopped after its class");
      assertEquals(0, s.stop(), "it exited cleanly");
      assertFalse(Files.exists(s.dataDir()), "its data directory is gone");
    }
  }

  @Test
  void oneBrokerForTheRunSharedByTheClassesThatAskStoppedWhenTheRunEnds() {
    String before = System.getProperty(PROPERTY);
    run(SharedA.class, SharedB.class, PerClassA.class);
    SamsaServer a = SEEN.get("SharedA");
    SamsaServer b = SEEN.get("SharedB");
    assertSame(a, b, "one broker for both classes");
    assertNotEquals(SEEN.get("PerClassA").bootstrapServers(), a.bootstrapServers(),
        "a per-class broker is another one");
    assertEquals(a.bootstrapServers(), PROPERTY_SEEN.get("SharedA"), "bootstrapServersProperty set");
    assertEquals(a.bootstrapServers(), PROPERTY_SEEN.get("SharedB"));
    assertEquals(before, System.getProperty(PROPERTY), "the property restored after the class");
    assertFalse(a.isRunning(), "stopped at the end of the run (the root store closed)");
    assertFalse(Files.exists(a.dataDir()));
  }

  @Test
  void aNestedClassUsesItsEnclosingClassesBroker() {
    run(Outer.class).testEvents().assertStatistics(s -> s.succeeded(2));
    assertSame(SEEN.get("Outer"), SEEN.get("Inner"));
    assertFalse(SEEN.get("Outer").isRunning());
  }

  @Test
  void withSamsaBootstrapSetTheClassesUseThatBrokerAndLeaveItRunning() {
    String before = System.getProperty(SamsaServer.BOOTSTRAP_PROPERTY);
    try (SamsaServer running = SamsaServer.start()) {
      System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, running.bootstrapServers());
      try {
        run(ExternalSample.class).testEvents().assertStatistics(s -> s.started(1).succeeded(1));
      } finally {
        if (before == null) System.clearProperty(SamsaServer.BOOTSTRAP_PROPERTY);
        else System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, before);
      }
      SamsaServer seen = SEEN.get("ExternalSample");
      assertTrue(seen.isExternal());
      assertEquals(running.bootstrapServers(), seen.bootstrapServers());
      assertFalse(seen.isRunning(), "closed after its class");
      assertTrue(running.isRunning(), "the broker it used runs on");
      assertEquals(4, partitionCount(running, "external-orders"), "the class's topics were made there");
    }
  }

  // ------------------------------------------------------------- the sample classes

  @Samsa(topics = "external-orders", partitions = 4)
  static class ExternalSample {
    @Test
    void sees(SamsaServer samsa, @SamsaBootstrap String address) {
      SEEN.put("ExternalSample", samsa);
      assertEquals(System.getProperty(SamsaServer.BOOTSTRAP_PROPERTY), address);
    }
  }

  @Samsa(topics = {"orders", "audit"}, partitions = 3, brokerProperties = "num.partitions=2")
  static class PerClassA {
    @SamsaBootstrap static String staticBootstrap;
    @SamsaBootstrap String bootstrap;
    private final SamsaServer fromConstructor;
    static SamsaServer fromBeforeAll;

    PerClassA(SamsaServer samsa) {
      this.fromConstructor = samsa;
    }

    @BeforeAll
    static void before(SamsaServer samsa, @SamsaBootstrap String address) {
      fromBeforeAll = samsa;
      assertEquals(samsa.bootstrapServers(), address);
      assertEquals(samsa.bootstrapServers(), staticBootstrap, "static field set before @BeforeAll");
      SEEN.put("PerClassA", samsa);
    }

    @Test
    void theSameBrokerEverywhere(SamsaServer samsa) {
      assertSame(fromBeforeAll, samsa);
      assertSame(fromConstructor, samsa);
      assertEquals(samsa.bootstrapServers(), bootstrap);
      assertTrue(samsa.isRunning());
    }

    @Test
    void topicsAndBrokerPropertiesApplied(SamsaServer samsa) {
      assertEquals(3, partitionCount(samsa, "orders"));
      assertEquals(3, partitionCount(samsa, "audit"));
      samsa.runTool("topic", "create", "by-default");
      assertEquals(2, partitionCount(samsa, "by-default"), "num.partitions=2 reached the broker");
      samsa.runToolWithInput("hello\n", "produce", "orders", "-p", "1");
      assertEquals("hello\n", samsa.runTool("consume", "orders", "-e", "-p", "1"));
    }
  }

  @Samsa
  static class PerClassB {
    @Test
    void ownBroker(SamsaServer samsa) {
      SEEN.put("PerClassB", samsa);
      assertFalse(samsa.runTool("topic", "list").contains("orders"), "not PerClassA's broker");
    }

    @Test
    void noTopicsAsked(SamsaServer samsa) {
      assertFalse(samsa.runTool("topic", "list").contains("audit"));
    }
  }

  @Samsa(scope = Samsa.Scope.JVM, topics = "shared-a", bootstrapServersProperty = PROPERTY)
  static class SharedA {
    @Test
    void sees(SamsaServer samsa) {
      SEEN.put("SharedA", samsa);
      PROPERTY_SEEN.put("SharedA", System.getProperty(PROPERTY));
      assertEquals(1, partitionCount(samsa, "shared-a"));
    }
  }

  @Samsa(scope = Samsa.Scope.JVM, topics = "shared-b", partitions = 2, bootstrapServersProperty = PROPERTY)
  static class SharedB {
    @Test
    void sees(SamsaServer samsa) {
      SEEN.put("SharedB", samsa);
      PROPERTY_SEEN.put("SharedB", System.getProperty(PROPERTY));
      assertEquals(2, partitionCount(samsa, "shared-b"));
      String topics = samsa.runTool("topic", "list");
      assertTrue(topics.contains("shared-a") || SEEN.get("SharedA") == null,
          "SharedA's topic is on the shared broker: " + topics);
    }
  }

  @Samsa
  static class Outer {
    @Test
    void outer(SamsaServer samsa) {
      SEEN.put("Outer", samsa);
    }

    @Nested
    class Inner {
      @Test
      void inner(SamsaServer samsa) {
        SEEN.put("Inner", samsa);
        assertNull(null);
      }
    }
  }
}
