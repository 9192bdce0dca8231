package dev.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real brokers, from the binary of -Dsamsa.binary (ctest passes the build's). */
@Timeout(120)
class SamsaServerTest {
  @BeforeAll
  static void binaryIsThere() {
    SamsaBinary.locate(); // fails with the places it looked at
  }

  @Test
  void startsAnswersCreatesTopicsCarriesRecordsAndStopsCleanly() throws Exception {
    Path dataDir;
    long pid;
    SamsaServer samsa = SamsaServer.builder()
        .brokerProperty("num.partitions", "3")
        .topic("orders", 4)
        .topic("audit", 1)
        .start();
    try {
      assertTrue(samsa.isRunning());
      assertTrue(samsa.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), samsa.bootstrapServers());
      assertEquals(samsa.bootstrapServers(), samsa.listeners().get("PLAINTEXT"));
      assertNotNull(samsa.httpAddress(), "the console and /metrics, on by default");
      assertNotEquals(samsa.bootstrapServers(), samsa.httpAddress());
      pid = samsa.pid();
      assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid);
      dataDir = samsa.dataDir();
      assertTrue(Files.isDirectory(dataDir), dataDir.toString());
      assertTrue(samsa.log().contains("started in"), samsa.log());

      assertEquals(4, partitionCount(samsa, "orders"));
      assertEquals(1, partitionCount(samsa, "audit"));
      samsa.createTopic("orders", 9); // exists: left as it is
      assertEquals(4, partitionCount(samsa, "orders"));
      samsa.createTopic("auto", 2, java.util.Map.of("cleanup.policy", "compact"));
      String auto = samsa.runTool("topic", "describe", "auto", "--format", "json");
      assertTrue(auto.contains("\"name\":\"cleanup.policy\",\"value\":\"compact\""), auto);

      // The broker property reached the broker: a topic created without a count gets 3.
      samsa.runTool("topic", "create", "defaulted");
      assertEquals(3, partitionCount(samsa, "defaulted"));

      samsa.runToolWithInput("k1:first\nk2:second\nk1:third\n", "produce", "orders", "-k", ":");
      String consumed = samsa.runTool("consume", "orders", "-e", "--print", "%k=%v\n");
      List<String> lines = List.of(consumed.split("\n"));
      assertEquals(3, lines.size(), consumed);
      assertTrue(lines.containsAll(List.of("k1=first", "k2=second", "k1=third")), consumed);
      assertTrue(lines.indexOf("k1=first") < lines.indexOf("k1=third"), "one key, one partition, in order");

      assertEquals(0, apiVersionsErrorCode(samsa.bootstrapServers()), "ApiVersions on a raw socket");
    } finally {
      assertEquals(0, samsa.stop(), samsa.log());
    }
    assertFalse(samsa.isRunning());
    assertEquals(0, samsa.stop(), "stop again: the same code");
    samsa.close();
    assertFalse(Files.exists(dataDir), "the ephemeral directory goes with the broker");
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void twoBrokersSideBySideAreIndependent() {
    try (SamsaServer a = SamsaServer.start(); SamsaServer b = SamsaServer.start()) {
      assertNotEquals(a.bootstrapServers(), b.bootstrapServers());
      assertNotEquals(a.dataDir(), b.dataDir());
      a.createTopic("only-in-a", 1);
      assertTrue(a.runTool("topic", "list").contains("only-in-a"));
      assertFalse(b.runTool("topic", "list").contains("only-in-a"));
    }
  }

  @Test
  void aBrokerThatCannotStartFailsWithItsLog() {
    // The ephemeral mode refuses a data directory of the caller's: samsa exits at once.
    SamsaException e = assertThrows(SamsaException.class, () -> SamsaServer.builder()
        .brokerProperty("log.dirs", "/tmp/not-with-ephemeral")
        .startupTimeout(Duration.ofSeconds(20))
        .start());
    String m = e.getMessage();
    assertTrue(m.startsWith("samsa did not start (it closed stdout without a ready line; exit code "), m);
    assertTrue(m.contains("--override log.dirs=/tmp/not-with-ephemeral"), m);
    assertTrue(m.contains("log.dirs"), "the last lines of its log say why: " + m);
  }

  @Test
  void aNamedBinaryThatIsNotSamsaFails() throws Exception {
    Path notSamsa = Files.createTempFile("not-samsa", ".sh");
    try {
      Files.writeString(notSamsa, "#!/bin/sh\necho 'this is not samsa' >&2\necho '{\"hello\":1}'\nsleep 1\n");
      notSamsa.toFile().setExecutable(true);
      SamsaException e = assertThrows(SamsaException.class,
          () -> SamsaServer.builder().binary(notSamsa).start());
      assertTrue(e.getMessage().contains("not a ready line"), e.getMessage());
      assertTrue(e.getMessage().contains("this is not samsa"), e.getMessage());
    } finally {
      Files.delete(notSamsa);
    }
  }

  static int partitionCount(SamsaServer samsa, String topic) {
    String json = samsa.runTool("topic", "describe", topic, "--format", "json");
    Matcher m = Pattern.compile("\"partition_count\":(\\d+)").matcher(json);
    assertTrue(m.find(), json);
    return Integer.parseInt(m.group(1));
  }

  /** ApiVersions v0 by hand: the broker speaks Kafka on the advertised address. */
  private static int apiVersionsErrorCode(String bootstrap) throws Exception {
    int colon = bootstrap.lastIndexOf(':');
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(bootstrap.substring(0, colon),
          Integer.parseInt(bootstrap.substring(colon + 1))), 5000);
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeInt(2 + 2 + 4 + 2); // api key, version, correlation id, null client id
      out.writeShort(18);
      out.writeShort(0);
      out.writeInt(4711);
      out.writeShort(-1);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int size = in.readInt();
      assertTrue(size > 8, "response size " + size);
      assertEquals(4711, in.readInt(), "correlation id");
      short error = in.readShort();
      int apis = in.readInt();
      assertTrue(apis > 10, apis + " APIs");
      return error;
    }
  }
}
