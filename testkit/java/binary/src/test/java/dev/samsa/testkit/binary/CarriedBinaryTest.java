package dev.samsa.testkit.binary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.testkit.SamsaBinary;
import dev.samsa.testkit.SamsaServer;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The samsa-binary jar this module just made, on the classpath, as a user's test would have
 * it: no samsa.binary, no SAMSA_BINARY. The pom runs this class in two JVMs, one after the
 * other, sharing one cache directory: the first (samsa.test.cache.expected=empty) finds the
 * cache empty and copies the binary out of the jar; the second (=filled) finds that copy and
 * runs it as it is (same file, same modification time).
 */
@Timeout(120)
class CarriedBinaryTest {
  static final Path CACHE = Paths.get(System.getProperty(SamsaBinary.CACHE_PROPERTY));
  static final String EXPECTED = System.getProperty("samsa.test.cache.expected");
  static final Path JAR = Paths.get(System.getProperty("samsa.test.carried.jar"));

  @BeforeAll
  static void nothingButTheJar() throws IOException {
    // Surefire hands the -Dsamsa.binary the jar was made from on to the test JVM: gone.
    System.clearProperty(SamsaBinary.PROPERTY);
    assertNull(System.getenv(SamsaBinary.ENV), "Surefire removes SAMSA_BINARY");
    assertNull(System.getenv(SamsaServer.BOOTSTRAP_ENV));
    assertNull(System.getProperty(SamsaServer.BOOTSTRAP_PROPERTY));
    assertTrue(EXPECTED.equals("empty") || EXPECTED.equals("filled"), EXPECTED);
    if (EXPECTED.equals("empty") && Files.exists(CACHE)) {
      try (Stream<Path> all = Files.walk(CACHE)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) Files.delete(p);
      }
    }
  }

  /** The copies in the cache: samsa files one directory down. */
  private static List<Path> cached() throws IOException {
    if (!Files.isDirectory(CACHE)) return List.of();
    try (Stream<Path> dirs = Files.list(CACHE)) {
      return dirs.map(d -> d.resolve("samsa")).filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  private static Object identity(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
    return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime(), a.size());
  }

  @Test
  void theBrokerRunsFromTheJarAndIsCopiedOnce() throws Exception {
    URL resource = getClass().getClassLoader().getResource(SamsaBinary.resourcePath());
    assertNotNull(resource, SamsaBinary.resourcePath() + " on the classpath");
    assertEquals("jar", resource.getProtocol(), resource.toString());
    assertEquals(JAR, Paths.get(((JarURLConnection) resource.openConnection()).getJarFileURL().toURI()),
        "from the samsa-binary jar");

    List<Path> before = cached();
    Object identityBefore = null;
    if (EXPECTED.equals("empty")) {
      assertEquals(List.of(), before, "a fresh cache");
    } else {
      assertEquals(1, before.size(), "the first JVM's copy: " + before);
      identityBefore = identity(before.get(0));
    }

    SamsaBinary.Found found = SamsaBinary.find();
    assertEquals(SamsaBinary.Source.CLASSPATH, found.source(), found.toString());
    assertTrue(found.path().startsWith(CACHE), found.path() + " under " + CACHE);
    assertTrue(Files.isExecutable(found.path()));
    assertEquals(List.of(found.path()), cached(), "one copy");
    Object identity = identity(found.path());
    if (identityBefore != null) assertEquals(identityBefore, identity, "used as it was, not written again");
    System.out.println("CarriedBinaryTest (" + EXPECTED + " cache): " + found + ", "
        + Files.size(found.path()) + " bytes, jar " + Files.size(JAR) + " bytes");

    // Two brokers in turn, both from that copy; the second start copies nothing.
    for (int i = 0; i < 2; i++) {
      try (SamsaServer samsa = SamsaServer.builder().topic("carried", 2).start()) {
        assertFalse(samsa.isExternal());
        assertEquals(found.path(), samsa.binary());
        assertTrue(samsa.bootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), samsa.bootstrapServers());
        samsa.runToolWithInput("k:v" + i + "\n", "produce", "carried", "-k", ":");
        assertEquals("k=v" + i + "\n", samsa.runTool("consume", "carried", "-e", "--print", "%k=%v\n"),
            "the broker answers");
        assertEquals(0, samsa.stop(), samsa.log());
      }
      assertEquals(identity, identity(found.path()), "start " + (i + 1) + " left the copy as it was");
    }
    assertEquals(List.of(found.path()), cached());
  }
}
