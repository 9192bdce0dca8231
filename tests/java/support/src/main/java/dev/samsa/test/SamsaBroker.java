package dev.samsa.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One real samsa process on 127.0.0.1 with its own data directory, for JVM tests.
 *
 * <pre>
 * try (SamsaBroker broker = SamsaBroker.builder().override("num.partitions", "3").start()) {
 *   props.put("bootstrap.servers", broker.bootstrap());
 * }
 * </pre>
 *
 * The first start binds an ephemeral port (listeners=...:0) and reads the bound port from
 * the broker's start-up line; later starts (restart(), kill() then start()) reuse that port
 * and the data directory, so a test can check what survives. Output goes to broker.log in
 * the work directory, which close() deletes (kept with SAMSA_KEEP_TMP=1). A JVM shutdown
 * hook kills any broker still running, so none outlives its test JVM.
 *
 * The binary comes from the system property samsa.binary (set by ctest through Maven), else
 * the environment variable SAMSA_BINARY, else build/samsa above the working directory.
 *
 * <p>External broker: with the system property samsa.bootstrap (e.g. {@code mvn
 * -Dsamsa.bootstrap=127.0.0.1:9092}) or the environment variable SAMSA_BOOTSTRAP set, no
 * process is started: bootstrap() answers that address, overrides are ignored (printed),
 * close() leaves the broker running, and restart()/stop()/kill()/startAgain() throw. This
 * runs a test class against another broker, e.g. a real Kafka (the oracle's
 * {@code KafkaBroker} main), to check what the test expects.
 */
public final class SamsaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern STARTED =
      Pattern.compile("started in [0-9.]+ ms: .* listening on PLAINTEXT://[^:]+:(\\d+)");
  private static final Set<SamsaBroker> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(SamsaBroker::killQuietly)));
  }

  private final Path binary;
  private final Map<String, String> overrides;
  private final Path workDir;
  private final Path dataDir;
  private final Path logFile;
  private final boolean keep;
  /** host:port of a broker this object did not start (samsa.bootstrap), else null. */
  private final String external;
  private Process process;
  private int port;
  private int starts;

  private SamsaBroker(Builder b) throws IOException {
    this.external = externalBootstrap();
    this.binary = b.binary != null || external != null ? b.binary : locateBinary();
    this.overrides = new LinkedHashMap<>(b.overrides);
    this.workDir = Files.createTempDirectory("samsa-jvm-");
    this.dataDir = workDir.resolve("data");
    this.logFile = workDir.resolve("broker.log");
    this.keep = "1".equals(System.getenv("SAMSA_KEEP_TMP"));
    this.port = b.port;
    LIVE.add(this);
  }

  /** samsa.bootstrap (system property), else SAMSA_BOOTSTRAP (environment), else null. */
  private static String externalBootstrap() {
    String prop = System.getProperty("samsa.bootstrap");
    if (prop != null && !prop.isBlank() && !prop.startsWith("${")) return prop.trim();
    String env = System.getenv("SAMSA_BOOTSTRAP");
    if (env != null && !env.isBlank()) return env.trim();
    return null;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A broker with test defaults (no initial rebalance delay), started. */
  public static SamsaBroker start() {
    return builder().start();
  }

  /** Settings for one broker; every override is a server.properties key. */
  public static final class Builder {
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Path binary;
    private int port;

    private Builder() {
      // A group forms at once instead of after Kafka's 3 s default; tests that time the
      // delay set it back.
      overrides.put("group.initial.rebalance.delay.ms", "0");
    }

    public Builder override(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public Builder binary(Path path) {
      this.binary = path;
      return this;
    }

    /** A fixed port instead of an ephemeral one (0, the default). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public SamsaBroker start() {
      try {
        SamsaBroker broker = new SamsaBroker(this);
        broker.startProcess();
        return broker;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** "127.0.0.1:PORT", for bootstrap.servers. */
  public String bootstrap() {
    return external != null ? external : "127.0.0.1:" + port;
  }

  public int port() {
    return external != null ? Integer.parseInt(external.substring(external.lastIndexOf(':') + 1)) : port;
  }

  /** True when this object only names a broker it did not start (samsa.bootstrap). */
  public boolean isExternal() {
    return external != null;
  }

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isRunning() {
    if (external != null) return true;
    return process != null && process.isAlive();
  }

  /** Starts the broker again after stop() or kill(), on the same port and data. */
  public synchronized SamsaBroker startAgain() {
    requireOwn("startAgain");
    try {
      startProcess();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** SIGTERM, then waits for a clean exit; throws if it does not come in time. */
  public synchronized int stop() {
    requireOwn("stop");
    if (process == null) return 0;
    Process p = process;
    process = null;
    p.destroy(); // SIGTERM
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        throw new IllegalStateException("samsa ignored SIGTERM for " + STOP_TIMEOUT + "; killed it");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL: a crash, with nothing flushed or synced beyond what samsa already made durable. */
  public synchronized void kill() {
    requireOwn("kill");
    if (process == null) return;
    Process p = process;
    process = null;
    p.destroyForcibly();
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A clean stop and a start on the same port and data directory. */
  public SamsaBroker restart() {
    stop();
    return startAgain();
  }

  /** The broker's output so far (all starts), for failure messages. */
  public String log() {
    if (external != null) return "(external broker at " + external + ": its log is not here)";
    try {
      return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    try {
      if (external == null) stop();
    } finally {
      LIVE.remove(this);
      if (!keep) deleteTree(workDir);
    }
  }

  private void requireOwn(String what) {
    if (external != null) {
      throw new UnsupportedOperationException(
          what + "() on the external broker " + external + " (samsa.bootstrap)");
    }
  }

  private void startProcess() throws IOException {
    if (external != null) {
      System.err.println("SamsaBroker: samsa.bootstrap=" + external + ": using that broker, "
          + "not starting samsa" + (overrides.isEmpty() ? "" : "; ignored overrides " + overrides));
      return;
    }
    if (process != null) throw new IllegalStateException("samsa is already running");
    starts++;
    String listener = "PLAINTEXT://127.0.0.1:" + port;
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "serve"));
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("listeners", listener);
    // Port 0 in the advertised listener means "the port actually bound".
    settings.put("advertised.listeners", listener);
    settings.put("log.dirs", dataDir.toString());
    settings.putAll(overrides);
    settings.forEach((k, v) -> cmd.addAll(List.of("--override", k + "=" + v)));

    long logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
    Files.writeString(
        logFile,
        "===== SamsaBroker: start #" + starts + ": " + String.join(" ", cmd) + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    // The broker reads KAFKA_* variables as settings; a developer's shell must not leak in.
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    process = pb.start();
    awaitReady(logOffset);
  }

  private void awaitReady(long logOffset) throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        int code = process.exitValue();
        process = null;
        throw new IllegalStateException(
            "samsa exited with code " + code + " before it was ready:\n" + log());
      }
      String out = Files.readString(logFile, StandardCharsets.UTF_8);
      Matcher m = STARTED.matcher(out.substring((int) Math.min(logOffset, out.length())));
      if (m.find()) {
        port = Integer.parseInt(m.group(1));
        return;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    killQuietly();
    throw new IllegalStateException("samsa not ready after " + READY_TIMEOUT + ":\n" + log());
  }

  private void killQuietly() {
    Process p = process;
    if (p != null) p.destroyForcibly();
  }

  /**
   * The samsa binary: the system property samsa.binary, else the environment variable
   * SAMSA_BINARY, else build/samsa in the working directory or one above it. Also for tests
   * that run the binary's tools rather than a broker.
   */
  public static Path locateBinary() {
    String prop = System.getProperty("samsa.binary");
    if (prop != null && !prop.isBlank() && !prop.startsWith("${")) return Paths.get(prop);
    String env = System.getenv("SAMSA_BINARY");
    if (env != null && !env.isBlank()) return Paths.get(env);
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("build").resolve("samsa");
      if (Files.isExecutable(candidate)) return candidate;
    }
    throw new IllegalStateException(
        "samsa binary not found: set -Dsamsa.binary=PATH or SAMSA_BINARY, or build into build/");
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("SamsaBroker: cannot remove " + root + ": " + e);
    }
  }
}
