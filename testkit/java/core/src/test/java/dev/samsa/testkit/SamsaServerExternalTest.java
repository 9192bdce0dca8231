package dev.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * A SamsaServer that stands for a broker it did not start (samsa.bootstrap): here a real
 * samsa started by this class, which the external servers must use and leave running.
 */
@Timeout(120)
class SamsaServerExternalTest {
  static SamsaServer real;

  @BeforeAll
  static void startTheOtherBroker() {
    real = SamsaServer.start();
  }

  @AfterAll
  static void stopIt() {
    if (real != null) assertEquals(0, real.stop(), real.log());
  }

  /** What the action wrote to System.err, with its result. */
  private static <T> T capturingStderr(StringBuilder err, Supplier<T> action) {
    PrintStream previous = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      return action.get();
    } finally {
      System.setErr(previous);
      err.append(buf.toString(StandardCharsets.UTF_8));
    }
  }

  private static void refuses(String method, Executable call) {
    SamsaException e = assertThrows(SamsaException.class, call, method);
    assertTrue(e.getMessage().startsWith(method + " is not known for the external broker at "
        + real.bootstrapServers()), e.getMessage());
  }

  @Test
  void anExternalServerUsesTheRunningBrokerAndLeavesItRunning() {
    StringBuilder err = new StringBuilder();
    SamsaServer external = capturingStderr(err, () -> SamsaServer.builder()
        .external(real.bootstrapServers())
        .brokerProperty("num.partitions", "5")
        .topic("made-through-external", 3)
        .start());
    assertEquals("samsa-testkit: using the external broker at " + real.bootstrapServers()
        + " (SamsaServerOptions.external), no samsa started; broker properties not applied:"
        + " {num.partitions=5}\n", err.toString(), "one line on System.err");
    assertTrue(external.isExternal());
    assertFalse(real.isExternal());
    assertEquals(real.bootstrapServers(), external.bootstrapServers());
    assertTrue(external.isRunning());
    assertEquals(3, SamsaServerTest.partitionCount(real, "made-through-external"),
        "its topics are created on the running broker");
    external.createTopic("made-later", 2);
    assertEquals(2, SamsaServerTest.partitionCount(real, "made-later"));
    external.runToolWithInput("hello\n", "produce", "made-later", "-p", "1");
    assertEquals("hello\n", real.runTool("consume", "made-later", "-e", "-p", "1"));

    refuses("pid()", external::pid);
    refuses("dataDir()", external::dataDir);
    refuses("httpAddress()", external::httpAddress);
    refuses("listeners()", external::listeners);
    refuses("readyInfo()", external::readyInfo);
    assertEquals("", external.log());
    assertNull(external.version());
    assertTrue(external.toString().contains("external"), external.toString());

    external.close();
    assertFalse(external.isRunning(), "this server is done");
    assertEquals(0, external.stop());
    assertTrue(real.isRunning(), "the broker it stood for runs on");
    assertTrue(real.runTool("topic", "list").contains("made-later"));
  }

  @Test
  void theSystemPropertyMakesEveryServerExternal() {
    String before = System.getProperty(SamsaServer.BOOTSTRAP_PROPERTY);
    System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, " " + real.bootstrapServers() + " ");
    StringBuilder err = new StringBuilder();
    try (SamsaServer external = capturingStderr(err, () -> SamsaServer.builder().topic("by-property", 1).start())) {
      assertTrue(external.isExternal());
      assertEquals(real.bootstrapServers(), external.bootstrapServers());
      assertTrue(err.toString().contains("(system property samsa.bootstrap), no samsa started"), err.toString());
      assertEquals(1, SamsaServerTest.partitionCount(real, "by-property"));
    } finally {
      if (before == null) System.clearProperty(SamsaServer.BOOTSTRAP_PROPERTY);
      else System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, before);
    }
    assertTrue(real.isRunning());
    // An unresolved Maven placeholder is not set: a broker of its own again.
    System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, "${samsa.bootstrap}");
    try (SamsaServer own = SamsaServer.start()) {
      assertFalse(own.isExternal());
    } finally {
      if (before == null) System.clearProperty(SamsaServer.BOOTSTRAP_PROPERTY);
      else System.setProperty(SamsaServer.BOOTSTRAP_PROPERTY, before);
    }
  }

  @Test
  void anAddressThatDoesNotAnswerOrIsNotHostPortFails() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String address = "127.0.0.1:" + closed;
    SamsaException e = assertThrows(SamsaException.class, () -> SamsaServer.builder()
        .external(address).startupTimeout(Duration.ofMillis(500)).start());
    assertTrue(e.getMessage().startsWith("the external broker " + address
        + " (SamsaServerOptions.external) does not accept connections within PT0.5S"), e.getMessage());
    e = assertThrows(SamsaException.class, () -> SamsaServer.builder().external("localhost").start());
    assertTrue(e.getMessage().contains("\"localhost\" is not host:port"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SamsaServer.builder().external(" "));
  }

  @Test
  void withoutABinaryTheToolsFailSayingWhy() {
    String before = System.getProperty(SamsaBinary.PROPERTY);
    System.clearProperty(SamsaBinary.PROPERTY);
    try {
      boolean elsewhere;
      try {
        SamsaBinary.locate();
        elsewhere = true;
      } catch (SamsaException none) {
        elsewhere = false;
      }
      assumeTrue(!elsewhere, "a samsa binary is found without samsa.binary (SAMSA_BINARY or PATH)");
      StringBuilder err = new StringBuilder();
      SamsaServer external = capturingStderr(err,
          () -> SamsaServer.builder().external(real.bootstrapServers()).start());
      assertTrue(err.toString().endsWith("; no samsa binary found, so creating topics and runTool will fail\n"),
          err.toString());
      assertNull(external.binary());
      SamsaException e = assertThrows(SamsaException.class, () -> external.createTopic("never", 1));
      assertTrue(e.getMessage().startsWith("samsa topic create never --if-not-exists -p 1 against the"
          + " external broker at " + real.bootstrapServers() + " needs the samsa binary"), e.getMessage());
      assertTrue(e.getMessage().contains("no samsa binary found; looked at, in order:"), e.getMessage());
      SamsaException withTopics = assertThrows(SamsaException.class, () -> capturingStderr(new StringBuilder(),
          () -> SamsaServer.builder().external(real.bootstrapServers()).topic("never", 1).start()));
      assertTrue(withTopics.getMessage().contains("needs the samsa binary"), withTopics.getMessage());
    } finally {
      if (before != null) System.setProperty(SamsaBinary.PROPERTY, before);
    }
  }
}
