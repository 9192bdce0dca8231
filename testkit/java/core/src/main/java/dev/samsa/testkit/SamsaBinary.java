package dev.samsa.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the samsa binary to run, in this order:
 * <ol>
 *   <li>the system property {@code samsa.binary} (e.g. {@code mvn test -Dsamsa.binary=PATH},
 *       passed to the tests by Surefire's systemPropertyVariables);
 *   <li>the environment variable {@code SAMSA_BINARY};
 *   <li>a binary carried on the classpath, the resource
 *       {@code dev/samsa/testkit/bin/<os>-<arch>/samsa} (e.g. {@code linux-x86_64}), which the
 *       artifact {@code dev.samsa:samsa-binary} (classifier {@code <os>-<arch>}) carries: it is copied once into a per-user cache directory named by its
 *       SHA-256 ({@code samsa.cache.dir}, else {@code $XDG_CACHE_HOME/samsa-testkit}, else
 *       {@code ~/.cache/samsa-testkit}) and made executable;
 *   <li>{@code samsa} on the {@code PATH}.
 * </ol>
 * A property or variable that is set must name an executable file: a wrong path is an error,
 * not a reason to look further.
 */
public final class SamsaBinary {
  /** System property naming the binary. */
  public static final String PROPERTY = "samsa.binary";
  /** Environment variable naming the binary. */
  public static final String ENV = "SAMSA_BINARY";
  /** System property naming the directory a binary from the classpath is copied to. */
  public static final String CACHE_PROPERTY = "samsa.cache.dir";

  /** Binaries already copied out of the classpath in this JVM, by resource URL. */
  private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

  private SamsaBinary() {}

  /** Where to look; the real ones come from the JVM, tests make their own. */
  record Places(String property, String env, ClassLoader loader, String path, Path cacheRoot) {}

  /** Which of the four places a binary came from. */
  public enum Source {
    /** The system property {@code samsa.binary}. */
    PROPERTY,
    /** The environment variable {@code SAMSA_BINARY}. */
    ENVIRONMENT,
    /** A resource on the classpath, copied to the cache directory. */
    CLASSPATH,
    /** {@code samsa} on the {@code PATH}. */
    PATH
  }

  /** A binary found, and where from. */
  public record Found(Path path, Source source) {}

  /** The binary, by the lookup order above; throws SamsaException naming every place tried. */
  public static Path locate() {
    return find().path();
  }

  /** As {@link #locate()}, also saying which place the binary came from. */
  public static Found find() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) loader = SamsaBinary.class.getClassLoader();
    return find(new Places(System.getProperty(PROPERTY), System.getenv(ENV), loader,
        System.getenv("PATH"), cacheRoot()));
  }

  static Path locate(Places places) {
    return find(places).path();
  }

  static Found find(Places places) {
    String prop = places.property();
    if (isSet(prop)) {
      return new Found(executable(Paths.get(prop.trim()), "system property " + PROPERTY), Source.PROPERTY);
    }
    String env = places.env();
    if (isSet(env)) {
      return new Found(executable(Paths.get(env.trim()), "environment variable " + ENV), Source.ENVIRONMENT);
    }
    String resource = resourcePath();
    URL carried = places.loader() == null ? null : places.loader().getResource(resource);
    if (carried != null) {
      try {
        return new Found(extract(carried, places.cacheRoot()), Source.CLASSPATH);
      } catch (IOException e) {
        throw new SamsaException("cannot copy the samsa binary carried on the classpath ("
            + carried + ") to " + places.cacheRoot() + ": " + e, e);
      }
    }
    Path onPath = onPath(places.path());
    if (onPath != null) return new Found(onPath, Source.PATH);
    throw new SamsaException("no samsa binary found; looked at, in order:\n"
        + "  1. the system property " + PROPERTY + " (not set; e.g. mvn test -D" + PROPERTY + "=/path/to/samsa)\n"
        + "  2. the environment variable " + ENV + " (not set)\n"
        + "  3. the classpath resource " + resource + " (absent; the test dependency"
        + " dev.samsa:samsa-binary with the classifier " + platform() + " provides it)\n"
        + "  4. samsa on the PATH (" + (places.path() == null ? "PATH not set" : places.path()) + ": not there)\n"
        + "Set one of them, or install samsa.");
  }

  /** The classpath resource a carried binary for this platform is at. */
  public static String resourcePath() {
    return "dev/samsa/testkit/bin/" + platform() + "/samsa";
  }

  /** {@code <os>-<arch>}, e.g. linux-x86_64, linux-aarch64, darwin-aarch64. */
  static String platform() {
    String os = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) os = "linux";
    else if (os.startsWith("mac") || os.startsWith("darwin")) os = "darwin";
    else if (os.startsWith("windows")) os = "windows";
    else os = os.replaceAll("[^a-z0-9]", "");
    String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
    if (arch.equals("amd64") || arch.equals("x86_64")) arch = "x86_64";
    else if (arch.equals("aarch64") || arch.equals("arm64")) arch = "aarch64";
    return os + "-" + arch;
  }

  /** The per-user directory carried binaries are copied to. */
  static Path cacheRoot() {
    String prop = System.getProperty(CACHE_PROPERTY);
    if (isSet(prop)) return Paths.get(prop.trim());
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (isSet(xdg)) return Paths.get(xdg.trim(), "samsa-testkit");
    return Paths.get(System.getProperty("user.home"), ".cache", "samsa-testkit");
  }

  /**
   * Copies the resource to {@code cacheRoot/<sha-256 prefix>/samsa}, executable, unless a
   * copy with that hash is already there; answers its path. Concurrent JVMs are safe: each
   * writes its own temporary file and renames it into place.
   */
  static Path extract(URL resource, Path cacheRoot) throws IOException {
    Path known = EXTRACTED.get(resource.toString());
    if (known != null && Files.isExecutable(known)) return known;
    long[] size = new long[1];
    String hash;
    try (InputStream in = resource.openStream()) {
      hash = sha256(in, null, size);
    }
    Path dir = cacheRoot.resolve(hash.substring(0, 32));
    Path target = dir.resolve("samsa");
    if (!(Files.isRegularFile(target) && Files.size(target) == size[0] && Files.isExecutable(target))) {
      Files.createDirectories(dir);
      Path part = Files.createTempFile(dir, "samsa-", ".part");
      try {
        String copied;
        try (InputStream in = resource.openStream(); OutputStream out = Files.newOutputStream(part)) {
          copied = sha256(in, out, new long[1]);
        }
        if (!copied.equals(hash)) throw new IOException(resource + " changed while it was copied");
        try {
          Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
          if (!part.toFile().setExecutable(true)) throw new IOException("cannot make " + part + " executable");
        }
        try {
          Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(part);
      }
    }
    EXTRACTED.put(resource.toString(), target);
    return target;
  }

  private static String sha256(InputStream in, OutputStream copy, long[] size) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    for (int n; (n = in.read(buf)) > 0; ) {
      digest.update(buf, 0, n);
      if (copy != null) copy.write(buf, 0, n);
      size[0] += n;
    }
    StringBuilder hex = new StringBuilder(64);
    for (byte b : digest.digest()) hex.append(String.format("%02x", b));
    return hex.toString();
  }

  private static Path onPath(String path) {
    if (path == null) return null;
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) continue;
      Path candidate = Paths.get(dir, "samsa");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return candidate.toAbsolutePath();
    }
    return null;
  }

  private static Path executable(Path p, String source) {
    if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw new SamsaException(source + " names " + p + ", which is not an executable file");
    }
    return p.toAbsolutePath();
  }

  /** Set, and not a Maven placeholder left unresolved ("${samsa.binary}"). */
  private static boolean isSet(String value) {
    return value != null && !value.isBlank() && !value.startsWith("${");
  }
}
