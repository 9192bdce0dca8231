package dev.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup order and the copy of a binary carried on the classpath, with fake binaries. */
class SamsaBinaryTest {
  @TempDir Path tmp;

  private Path script(Path dir, String name, String body) throws IOException {
    Files.createDirectories(dir);
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  /** A class loader whose only resource is a fake binary at the carried binary's path. */
  private URLClassLoader carrying(Path root, String body) throws IOException {
    Path resource = root.resolve(SamsaBinary.resourcePath());
    Files.createDirectories(resource.getParent());
    Files.writeString(resource, "#!/bin/sh\n" + body + "\n"); // not executable inside the "jar"
    return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
  }

  private static ClassLoader empty() {
    return new URLClassLoader(new URL[0], null);
  }

  @Test
  void thePropertyComesFirstThenTheEnvironment() throws Exception {
    Path a = script(tmp.resolve("a"), "samsa-a", "true");
    Path b = script(tmp.resolve("b"), "samsa-b", "true");
    Path onPath = script(tmp.resolve("path"), "samsa", "true");
    String path = onPath.getParent().toString();
    assertEquals(a, SamsaBinary.locate(new SamsaBinary.Places(a.toString(), b.toString(), empty(), path, tmp)));
    assertEquals(b, SamsaBinary.locate(new SamsaBinary.Places(null, b.toString(), empty(), path, tmp)));
    assertEquals(b, SamsaBinary.locate(new SamsaBinary.Places(" ", b.toString(), empty(), path, tmp)),
        "a blank property is not set");
    assertEquals(b, SamsaBinary.locate(new SamsaBinary.Places("${samsa.binary}", b.toString(), empty(), path, tmp)),
        "an unresolved Maven placeholder is not set");
    assertEquals(onPath, SamsaBinary.locate(new SamsaBinary.Places(null, "", empty(), "/nonexistent:" + path, tmp)));
    assertEquals(new SamsaBinary.Found(a, SamsaBinary.Source.PROPERTY),
        SamsaBinary.find(new SamsaBinary.Places(a.toString(), b.toString(), empty(), path, tmp)));
    assertEquals(new SamsaBinary.Found(b, SamsaBinary.Source.ENVIRONMENT),
        SamsaBinary.find(new SamsaBinary.Places(null, b.toString(), empty(), path, tmp)));
    assertEquals(new SamsaBinary.Found(onPath, SamsaBinary.Source.PATH),
        SamsaBinary.find(new SamsaBinary.Places(null, null, empty(), path, tmp)));
  }

  @Test
  void aPropertyNamingNoExecutableIsAnErrorNotAFallThrough() throws Exception {
    Path notExecutable = tmp.resolve("plain");
    Files.writeString(notExecutable, "x");
    Path onPath = script(tmp.resolve("path"), "samsa", "true");
    SamsaException e = assertThrows(SamsaException.class, () -> SamsaBinary.locate(
        new SamsaBinary.Places(notExecutable.toString(), null, empty(), onPath.getParent().toString(), tmp)));
    assertTrue(e.getMessage().contains("system property samsa.binary names " + notExecutable), e.getMessage());
    e = assertThrows(SamsaException.class, () -> SamsaBinary.locate(
        new SamsaBinary.Places(null, tmp.resolve("missing").toString(), empty(), null, tmp)));
    assertTrue(e.getMessage().contains("environment variable SAMSA_BINARY names"), e.getMessage());
  }

  @Test
  void nothingFoundNamesAllFourPlaces() {
    SamsaException e = assertThrows(SamsaException.class, () -> SamsaBinary.locate(
        new SamsaBinary.Places(null, null, empty(), tmp.toString(), tmp.resolve("cache"))));
    String m = e.getMessage();
    assertTrue(m.contains("system property samsa.binary"), m);
    assertTrue(m.contains("environment variable SAMSA_BINARY"), m);
    assertTrue(m.contains("classpath resource dev/samsa/testkit/bin/"), m);
    assertTrue(m.contains("samsa on the PATH (" + tmp), m);
  }

  @Test
  void aCarriedBinaryIsCopiedOnceByHashAndRuns() throws Exception {
    Path cache = tmp.resolve("cache");
    Path onPath = script(tmp.resolve("path"), "samsa", "echo from-path");
    try (URLClassLoader loader = carrying(tmp.resolve("jar1"), "echo fake-samsa \"$@\"")) {
      SamsaBinary.Places places = new SamsaBinary.Places(null, null, loader, onPath.getParent().toString(), cache);
      Path first = SamsaBinary.locate(places);
      assertTrue(first.startsWith(cache), first + " under " + cache);
      assertEquals("samsa", first.getFileName().toString());
      assertEquals(32, first.getParent().getFileName().toString().length(), "a directory named by the hash");
      assertTrue(Files.isExecutable(first));
      assertEquals("fake-samsa --version\n", run(first, "--version"));
      assertEquals(SamsaBinary.Source.CLASSPATH, SamsaBinary.find(places).source(), "before the PATH");

      // Found again, and as another JVM would (a URL this JVM has not copied yet): the copy
      // with the same hash is used as it is, not written again.
      FileTime old = FileTime.fromMillis(1_000_000_000_000L);
      Files.setLastModifiedTime(first, old);
      assertEquals(first, SamsaBinary.locate(places));
      URL url = loader.getResource(SamsaBinary.resourcePath());
      assertEquals(first, SamsaBinary.extract(new URL(url + "#another-jvm"), cache));
      assertEquals(old, Files.getLastModifiedTime(first));
      try (var files = Files.list(first.getParent())) {
        assertEquals(1, files.count(), "no temporary file left beside it");
      }
    }
    // Another binary (another samsa version) gets its own directory; the first stays.
    try (URLClassLoader loader = carrying(tmp.resolve("jar2"), "echo other-samsa")) {
      Path second = SamsaBinary.locate(new SamsaBinary.Places(null, null, loader, null, cache));
      assertTrue(second.startsWith(cache));
      assertEquals("other-samsa\n", run(second));
      try (var dirs = Files.list(cache)) {
        assertEquals(2, dirs.count());
      }
    }
  }

  @Test
  void aDamagedCopyIsReplaced() throws Exception {
    Path cache = tmp.resolve("cache");
    try (URLClassLoader loader = carrying(tmp.resolve("jar"), "echo intact")) {
      Path copy = SamsaBinary.extract(loader.getResource(SamsaBinary.resourcePath()), cache);
      Files.writeString(copy, "#!/bin/sh\necho tru"); // shorter: a torn copy
      Path again = SamsaBinary.extract(new URL(loader.getResource(SamsaBinary.resourcePath()) + "#again"), cache);
      assertEquals(copy, again);
      assertEquals("intact\n", run(again));
    }
  }

  @Test
  void platformNamesOsAndArchitecture() {
    String p = SamsaBinary.platform();
    assertTrue(p.matches("[a-z0-9]+-[a-z0-9_]+"), p);
    if (System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64")) {
      assertEquals("linux-x86_64", p);
    }
    assertNotEquals("", SamsaBinary.resourcePath());
  }

  private static String run(Path binary, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = binary.toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
