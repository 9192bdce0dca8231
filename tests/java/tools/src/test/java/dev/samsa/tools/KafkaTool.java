package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs one of Apache Kafka's command-line tools as its own JVM, the way bin/kafka-*.sh do
 * ({@code java -Xmx256m -Dlog4j2.configurationFile=... -cp <libs> <MainClass> args...}),
 * and captures its exit code, stdout and stderr. Every run is bounded: a tool still running
 * at its deadline gets a thread dump taken (for the report), then is killed.
 *
 * <pre>
 * KafkaTool tool = new KafkaTool(broker);
 * KafkaTool.Result r = tool.run(KafkaTool.TOPICS, "--bootstrap-server", broker.bootstrap(), "--list").ok();
 * </pre>
 *
 * The classpath is the one Maven wrote at build time (target/kafka-tools.classpath: the
 * module's provided-scope dependencies, kafka-tools and kafka_2.13 with what they bring).
 */
public final class KafkaTool {
  // bin/kafka-topics.sh and friends, Kafka 4.x main classes.
  public static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
  public static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
  public static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
  public static final String CONSUMER_GROUPS =
      "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
  /** kafka-configs.sh: moved from kafka.admin (core) to kafka-tools in Kafka 4.x. */
  public static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
  public static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
  public static final String DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand";
  public static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
  public static final String PRODUCER_PERF = "org.apache.kafka.tools.ProducerPerformance";
  public static final String CONSUMER_PERF = "org.apache.kafka.tools.ConsumerPerformance";

  /** Long enough for a cold JVM on a loaded 2-core machine plus the tool's own work. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

  private static final int BROKER_LOG_TAIL_LINES = 60;
  private static final java.util.concurrent.atomic.AtomicLong RUNS =
      new java.util.concurrent.atomic.AtomicLong();

  private final SamsaBroker broker;

  public KafkaTool(SamsaBroker broker) {
    this.broker = broker;
  }

  /** Runs the tool with no input and the default deadline. */
  public Result run(String mainClass, String... args) {
    return run(mainClass, null, DEFAULT_TIMEOUT, args);
  }

  /** Runs the tool with the given text on its stdin (null: none) and deadline. */
  public Result run(String mainClass, String stdin, Duration timeout, String... args) {
    Running running = start(mainClass, stdin, args);
    return running.await(timeout);
  }

  /**
   * Runs the tool again and again (each run bounded) until its result satisfies the
   * condition, for state that becomes visible a little later (a group turning Empty after
   * its member left, a deleted topic leaving the list); fails with the last result after
   * the deadline.
   */
  public Result runUntil(
      Predicate<Result> condition, Duration timeout, String what, String mainClass, String... args) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Result r = run(mainClass, args);
      if (condition.test(r)) return r;
      if (System.nanoTime() > deadline) {
        fail("no " + what + " after " + timeout + "; last run:\n" + r.describe());
      }
      sleepQuietly(200);
    }
  }

  /** Starts the tool in the background; the caller awaits its output and stops it. */
  public Running start(String mainClass, String stdin, String... args) {
    try {
      Path dir = Files.createTempDirectory("kafka-tool-");
      Path archive = classDataArchive(mainClass);
      Path newArchive = null;
      List<String> jvm = new ArrayList<>();
      if (archive != null && Files.isRegularFile(archive)) {
        jvm.add("-XX:SharedArchiveFile=" + archive);
      } else if (archive != null) {
        newArchive =
            archive.resolveSibling(
                archive.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
        jvm.add("-XX:ArchiveClassesAtExit=" + newArchive);
      }
      List<String> command = command(mainClass, jvm, args);
      ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
      Path in = dir.resolve("stdin");
      Files.writeString(in, stdin == null ? "" : stdin, StandardCharsets.UTF_8);
      pb.redirectInput(in.toFile());
      pb.redirectOutput(dir.resolve("stdout").toFile());
      pb.redirectError(dir.resolve("stderr").toFile());
      return new Running(this, command, dir, pb.start(), newArchive, archive);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The command line, as bin/kafka-run-class.sh would build it. */
  static List<String> command(String mainClass, List<String> extraJvmOptions, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    // kafka-run-class.sh's default heap for tools; a small collector and C1 only, since the
    // machine is shared and each tool lives a few seconds.
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    // Class data sharing (see classDataArchive); the JVM's own log lines (such as a CDS
    // archive it cannot use) would go to stdout, which belongs to the tool.
    cmd.addAll(List.of("-Xshare:auto", "-Xlog:disable"));
    cmd.addAll(extraJvmOptions);
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dlog4j2.configurationFile=" + log4jConfig());
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(mainClass);
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /**
   * A dynamic class-data-sharing archive per tool under target/cds: the first run of a tool
   * writes it at exit, later runs map it and start with about half the CPU time (the machine
   * is small and shared). Null when disabled (-Dkafka.tools.cds=false).
   */
  private static Path classDataArchive(String mainClass) throws IOException {
    if ("false".equals(System.getProperty("kafka.tools.cds"))) return null;
    Path dir = classpathFile().toAbsolutePath().getParent().resolve("cds");
    Files.createDirectories(dir);
    return dir.resolve(mainClass + ".jsa");
  }

  private static String cachedClasspath;

  private static Path classpathFile() {
    String prop = System.getProperty("kafka.tools.classpath.file");
    return prop != null && !prop.isBlank()
        ? Paths.get(prop)
        : Paths.get("target", "kafka-tools.classpath").toAbsolutePath();
  }

  static synchronized String classpath() {
    if (cachedClasspath != null) return cachedClasspath;
    Path file = classpathFile();
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          file + " is missing: build the module with `mvn install` (tests/java/setup.sh)");
    }
    try {
      cachedClasspath = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return cachedClasspath;
  }

  private static String log4jConfig() {
    URL url = KafkaTool.class.getResource("/tools-log4j2.yaml");
    if (url == null) throw new IllegalStateException("tools-log4j2.yaml is not on the classpath");
    try {
      return Paths.get(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  String brokerLogTail() {
    if (broker == null) return "(no broker)";
    List<String> lines = broker.log().lines().collect(Collectors.toList());
    int from = Math.max(0, lines.size() - BROKER_LOG_TAIL_LINES);
    return String.join("\n", lines.subList(from, lines.size()));
  }

  /** A tool process started in the background. */
  public static final class Running implements AutoCloseable {
    private final KafkaTool tool;
    private final List<String> command;
    private final Path dir;
    private final Process process;
    private final long startNanos = System.nanoTime();
    private final Path newArchive;
    private final Path archive;
    private Result result;

    private Running(
        KafkaTool tool, List<String> command, Path dir, Process process, Path newArchive, Path archive) {
      this.tool = tool;
      this.command = command;
      this.dir = dir;
      this.process = process;
      this.newArchive = newArchive;
      this.archive = archive;
    }

    public boolean isAlive() {
      return process.isAlive();
    }

    public String stdoutSoFar() {
      return read("stdout");
    }

    public String stderrSoFar() {
      return read("stderr");
    }

    /**
     * Waits until the tool's stdout satisfies the condition; fails (with the tool's output and
     * the broker log) if the tool exits first or the deadline passes.
     */
    public String awaitStdout(Predicate<String> condition, Duration timeout, String what) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String out = stdoutSoFar();
        if (condition.test(out)) return out;
        if (!process.isAlive()) {
          fail("tool exited before " + what + "\n" + finish(false, null).describe());
        }
        if (System.nanoTime() > deadline) {
          String dump = threadDump(process);
          fail("no " + what + " after " + timeout + "\n" + stop().describe() + "\n" + dump);
        }
        sleepQuietly(50);
      }
    }

    /** Waits for the tool to exit on its own; kills it at the deadline. */
    public Result await(Duration timeout) {
      if (result != null) return result;
      boolean exited;
      try {
        exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        exited = false;
      }
      if (exited) return finish(false, null);
      String dump = threadDump(process);
      kill(process);
      return finish(true, dump);
    }

    /** SIGTERM (the tools' shutdown hooks close their clients, as on Ctrl-C), then SIGKILL. */
    public Result stop() {
      if (result != null) return result;
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) kill(process);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill(process);
      }
      return finish(false, null);
    }

    @Override
    public void close() {
      if (result == null) stop();
    }

    private Result finish(boolean timedOut, String threadDump) {
      if (result != null) return result;
      if (process.isAlive()) kill(process);
      Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
      result =
          new Result(
              tool,
              command,
              timedOut ? -1 : process.exitValue(),
              read("stdout"),
              read("stderr"),
              timedOut,
              threadDump,
              took);
      deleteTree(dir);
      publishArchive(!timedOut && result.exitCode == 0);
      return result;
    }

    /** A class-data archive written by a tool that ran to a clean end becomes the tool's. */
    private void publishArchive(boolean clean) {
      if (newArchive == null) return;
      try {
        if (clean && Files.isRegularFile(newArchive) && !Files.exists(archive)) {
          Files.move(newArchive, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.deleteIfExists(newArchive);
      } catch (IOException e) {
        // No archive: the next run makes one.
      }
    }

    private String read(String name) {
      try {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
      } catch (IOException e) {
        return "(cannot read " + name + ": " + e + ")";
      }
    }
  }

  /** What a finished tool left: exit code, stdout, stderr. */
  public static final class Result {
    private final KafkaTool tool;
    public final List<String> command;
    public final int exitCode;
    public final String stdout;
    public final String stderr;
    public final boolean timedOut;
    public final String threadDump;
    public final Duration took;

    Result(
        KafkaTool tool,
        List<String> command,
        int exitCode,
        String stdout,
        String stderr,
        boolean timedOut,
        String threadDump,
        Duration took) {
      this.tool = tool;
      this.command = command;
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
      this.timedOut = timedOut;
      this.threadDump = threadDump;
      this.took = took;
    }

    /** Asserts a clean exit (code 0, in time) and returns this. */
    public Result ok() {
      if (timedOut || exitCode != 0) fail("tool failed\n" + describe());
      return this;
    }

    /** Asserts a failure exit (non-zero, in time) and returns this. */
    public Result failed() {
      if (timedOut || exitCode == 0) fail("tool was expected to fail\n" + describe());
      return this;
    }

    /** stdout then stderr: tools print errors to either (TopicCommand: message to stdout,
     * stack trace through the logger to stderr). */
    public String output() {
      return stdout + stderr;
    }

    /** stdout's lines, without blank ones. */
    public List<String> lines() {
      return stdout.lines().filter(l -> !l.isBlank()).collect(Collectors.toList());
    }

    /** For assertion messages: the command, the outcome, both streams and the broker log. */
    public String describe() {
      StringBuilder sb = new StringBuilder();
      sb.append("$ ").append(shortCommand()).append('\n');
      sb.append(timedOut ? "TIMED OUT (killed)" : "exit code " + exitCode)
          .append(" after ")
          .append(took.toMillis())
          .append(" ms\n");
      sb.append("--- stdout ---\n").append(stdout);
      sb.append("--- stderr ---\n").append(stderr);
      if (threadDump != null) sb.append("--- thread dump ---\n").append(threadDump).append('\n');
      sb.append("--- samsa log (tail) ---\n").append(tool.brokerLogTail()).append('\n');
      return sb.toString();
    }

    /** The command without the JVM options and classpath. */
    public String shortCommand() {
      int main = 0;
      for (int i = 0; i < command.size(); i++) {
        if (command.get(i).equals("-cp")) {
          main = i + 2;
          break;
        }
      }
      return String.join(" ", command.subList(main, command.size()));
    }

    @Override
    public String toString() {
      return describe();
    }
  }

  private static String threadDump(Process process) {
    if (!process.isAlive()) return null;
    Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) return "(no jcmd for a thread dump)";
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
              .redirectErrorStream(true)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(thread dump failed: " + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(thread dump interrupted)";
    }
  }

  private static void kill(Process process) {
    process.destroyForcibly();
    try {
      process.waitFor(15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // A leftover temp directory is harmless.
    }
  }
}
