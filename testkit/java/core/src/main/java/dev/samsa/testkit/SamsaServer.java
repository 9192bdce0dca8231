package dev.samsa.testkit;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One real samsa broker for tests: {@code samsa serve --ephemeral}, on free loopback ports,
 * with a fresh data directory that is removed when it stops.
 *
 * <pre>
 * try (SamsaServer samsa = SamsaServer.builder().topic("orders", 3).start()) {
 *   props.put("bootstrap.servers", samsa.bootstrapServers());
 *   ...
 * }
 * </pre>
 *
 * The broker is started with {@code --print-ready} (this class reads the ready line, the
 * JSON of what it bound, from its stdout), {@code --parent-pid} of this JVM and {@code
 * --watch-stdin} on a pipe this object holds: when the JVM ends, however it ends, the broker
 * stops and removes its directory. A JVM shutdown hook also stops any broker still running.
 * The broker's log (stderr) is kept, bounded, for {@link #log()} and failure messages.
 * Environment variables {@code KAFKA_*}, which samsa reads as settings, are not passed on:
 * a test's broker depends only on its options.
 *
 * <p>The binary is found by {@link SamsaBinary#locate()} unless the options name one.
 *
 * <h2>Against another broker</h2>
 * With the system property {@code samsa.bootstrap} (e.g. {@code -Dsamsa.bootstrap=127.0.0.1:9092})
 * or else the environment variable {@code SAMSA_BOOTSTRAP} set, or {@link
 * SamsaServerOptions.Builder#external(String)}, no process is started: the server stands for
 * the broker already running there (e.g. a real Apache Kafka, to check what a test expects).
 * {@link #start} checks that the address accepts connections and writes one line to
 * System.err; broker properties are not applied (that line names them); {@link
 * #bootstrapServers()} answers the address; topics are created, and {@link #runTool} runs,
 * through the samsa CLI, a Kafka client that works against any broker, so a binary is still
 * looked up (without one, they throw, saying so); {@link #stop()} and {@link #close()} leave
 * the broker running and answer 0. What only a process of this class has throws
 * SamsaException: {@link #pid()}, {@link #dataDir()}, {@link #httpAddress()}, {@link
 * #listeners()}, {@link #readyInfo()}; {@link #log()} is empty and {@link #version()} null.
 */
public final class SamsaServer implements AutoCloseable {
  private static final Set<SamsaServer> RUNNING = ConcurrentHashMap.newKeySet();
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  /** System property naming a running broker to use instead of starting one. */
  public static final String BOOTSTRAP_PROPERTY = "samsa.bootstrap";
  /** Environment variable naming a running broker to use instead of starting one. */
  public static final String BOOTSTRAP_ENV = "SAMSA_BOOTSTRAP";

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(SamsaServer::stopAllAtExit, "samsa-testkit-shutdown"));
  }

  private final Path binary;
  private final SamsaServerOptions options;
  private final Process process;
  private final OutputStream stdin;
  private final LogTail log;
  private final Map<String, Object> ready;
  private final String bootstrapServers;
  /** For an external broker: how it was named (e.g. "system property samsa.bootstrap"); else null. */
  private final String external;
  /** For an external broker without a binary for the CLI: why none was found; else null. */
  private final SamsaException noBinary;
  private volatile Integer exitCode;

  private SamsaServer(Path binary, SamsaServerOptions options, Process process, LogTail log,
      Map<String, Object> ready) {
    this.binary = binary;
    this.options = options;
    this.process = process;
    this.stdin = process.getOutputStream();
    this.log = log;
    this.ready = ready;
    this.bootstrapServers = string(ready, "bootstrap_servers");
    this.external = null;
    this.noBinary = null;
  }

  /** A broker this class did not start. */
  private SamsaServer(Path binary, SamsaServerOptions options, String bootstrapServers,
      String external, SamsaException noBinary) {
    this.binary = binary;
    this.options = options;
    this.process = null;
    this.stdin = null;
    this.log = new LogTail(1, 1);
    this.ready = Map.of();
    this.bootstrapServers = bootstrapServers;
    this.external = external;
    this.noBinary = noBinary;
  }

  /** A broker with the defaults, started. */
  public static SamsaServer start() {
    return start(SamsaServerOptions.defaults());
  }

  /** A broker with these options, started; its topics created. */
  public static SamsaServer start(SamsaServerOptions options) {
    SamsaServer server;
    if (options.external() != null) {
      server = useExternal(options.external(), "SamsaServerOptions.external", options);
    } else if (isSet(System.getProperty(BOOTSTRAP_PROPERTY))) {
      server = useExternal(System.getProperty(BOOTSTRAP_PROPERTY).trim(),
          "system property " + BOOTSTRAP_PROPERTY, options);
    } else if (isSet(System.getenv(BOOTSTRAP_ENV))) {
      server = useExternal(System.getenv(BOOTSTRAP_ENV).trim(), "environment variable " + BOOTSTRAP_ENV, options);
    } else {
      Path binary = options.binary() != null ? options.binary() : SamsaBinary.locate();
      server = launch(binary, options);
    }
    try {
      for (SamsaServerOptions.Topic t : options.topics()) server.createTopic(t.name(), t.partitions());
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** Options to fill in, then {@code start()}. */
  public static SamsaServerOptions.Builder builder() {
    return SamsaServerOptions.builder();
  }

  /** Set, and not a Maven placeholder left unresolved ("${samsa.bootstrap}"). */
  private static boolean isSet(String value) {
    return value != null && !value.isBlank() && !value.startsWith("${");
  }

  /**
   * The server for a broker already running at {@code bootstrap}: checked to accept
   * connections (within the startup timeout), announced on System.err, no process started.
   */
  private static SamsaServer useExternal(String bootstrap, String namedBy, SamsaServerOptions options) {
    awaitReachable(bootstrap, namedBy, options.startupTimeout());
    Path binary = options.binary();
    SamsaException noBinary = null;
    if (binary == null) {
      try {
        binary = SamsaBinary.locate();
      } catch (SamsaException e) {
        noBinary = e;
      }
    }
    System.err.println("samsa-testkit: using the external broker at " + bootstrap + " (" + namedBy
        + "), no samsa started"
        + (options.brokerProperties().isEmpty() ? "" : "; broker properties not applied: " + options.brokerProperties())
        + (binary == null ? "; no samsa binary found, so creating topics and runTool will fail" : ""));
    return new SamsaServer(binary, options, bootstrap, namedBy, noBinary);
  }

  /** Waits until one of the addresses accepts a TCP connection; throws when none did in time. */
  private static void awaitReachable(String bootstrap, String namedBy, Duration timeout) {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String a : bootstrap.split(",")) {
      String hostPort = a.trim();
      int colon = hostPort.lastIndexOf(':');
      int port = -1;
      if (colon > 0) {
        try {
          port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
      }
      if (port < 1 || port > 65535) {
        throw new SamsaException(namedBy + " is \"" + bootstrap + "\": \"" + hostPort + "\" is not host:port");
      }
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
      addresses.add(InetSocketAddress.createUnresolved(host, port));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (true) {
      for (InetSocketAddress a : addresses) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(a.getHostString(), a.getPort()), 2000);
          return;
        } catch (IOException e) {
          last = a.getHostString() + ":" + a.getPort() + ": " + e.getMessage();
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new SamsaException("the external broker " + bootstrap + " (" + namedBy
            + ") does not accept connections within " + timeout + " (" + last + ")");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SamsaException("interrupted while waiting for the external broker " + bootstrap, e);
      }
    }
  }

  private static SamsaServer launch(Path binary, SamsaServerOptions options) {
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "serve", "--ephemeral",
        "--print-ready", "--parent-pid", Long.toString(ProcessHandle.current().pid()), "--watch-stdin"));
    options.brokerProperties().forEach((k, v) -> cmd.addAll(List.of("--override", k + "=" + v)));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new SamsaException("cannot run " + binary + ": " + e.getMessage(), e);
    }
    LogTail log = new LogTail(2000, 256 * 1024);
    CompletableFuture<Void> stderrDone = drain(process.getErrorStream(), log::add, "samsa-stderr-" + process.pid());
    CompletableFuture<String> readyLine = new CompletableFuture<>();
    drain(process.getInputStream(), line -> {
      if (!readyLine.complete(line)) log.add("[stdout] " + line);
    }, "samsa-stdout-" + process.pid()).whenComplete((v, e) -> readyLine.complete(null));

    String line;
    Duration timeout = options.startupTimeout();
    try {
      line = readyLine.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw startFailure(process, log, stderrDone, cmd, "no ready line within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw startFailure(process, log, stderrDone, cmd, "interrupted while waiting for the ready line");
    } catch (ExecutionException e) {
      throw startFailure(process, log, stderrDone, cmd, "reading its stdout failed: " + e.getCause());
    }
    if (line == null) throw startFailure(process, log, stderrDone, cmd, "it closed stdout without a ready line");
    Map<String, Object> ready;
    try {
      ready = ReadyJson.parseObject(line);
      if (!"ready".equals(ready.get("samsa")) || !(ready.get("bootstrap_servers") instanceof String)) {
        throw new IllegalArgumentException("not a ready line: " + line);
      }
    } catch (IllegalArgumentException e) {
      throw startFailure(process, log, stderrDone, cmd, e.getMessage());
    }
    SamsaServer server = new SamsaServer(binary, options, process, log, ready);
    RUNNING.add(server);
    return server;
  }

  private static CompletableFuture<Void> drain(InputStream in, java.util.function.Consumer<String> sink, String name) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) sink.accept(line);
      } catch (IOException e) {
        // The process went; its pipe with it.
      } finally {
        done.complete(null);
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return done;
  }

  private static SamsaException startFailure(Process p, LogTail log, CompletableFuture<Void> stderrDone,
      List<String> cmd, String why) {
    // Through its handle: Process.destroyForcibly() would also close our ends of its pipes,
    // dropping what it wrote that the reader has not taken yet.
    p.toHandle().destroyForcibly();
    String exit;
    try {
      exit = p.waitFor(5, TimeUnit.SECONDS) ? "exit code " + p.exitValue() : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exit = "exit code unknown";
    }
    // What it wrote before it went may still be in the pipe: let the reader take it (the pipe
    // closes with the process, or with children that inherited it, hence the bound).
    try {
      stderrDone.get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the log as far as it got
    }
    p.destroyForcibly(); // and now its pipes
    return new SamsaException("samsa did not start (" + why + "; " + exit + ")\n  command: "
        + String.join(" ", cmd) + "\n  last lines of its log:\n" + indent(log.last(40)));
  }

  private static String indent(String text) {
    if (text.isEmpty()) return "    (nothing)\n";
    StringBuilder sb = new StringBuilder();
    for (String l : text.split("\n", -1)) if (!l.isEmpty()) sb.append("    ").append(l).append('\n');
    return sb.toString();
  }

  /** What bootstrap.servers takes: "127.0.0.1:PORT". */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** True when this server stands for a broker it did not start (samsa.bootstrap). */
  public boolean isExternal() {
    return external != null;
  }

  /** Throws for what only a broker started here has. */
  private void requireOwn(String what) {
    if (external != null) {
      throw new SamsaException(what + " is not known for the external broker at " + bootstrapServers
          + " (" + external + "): this SamsaServer started no process");
    }
  }

  /**
   * The console and /metrics, "127.0.0.1:PORT", or null when the broker serves no HTTP.
   * Throws SamsaException for an external broker.
   */
  public String httpAddress() {
    requireOwn("httpAddress()");
    Object http = ready.get("http");
    return http instanceof String ? (String) http : null;
  }

  /** The listeners by name, e.g. {PLAINTEXT=127.0.0.1:40321}. */
  public Map<String, String> listeners() {
    requireOwn("listeners()");
    Map<String, String> out = new LinkedHashMap<>();
    if (ready.get("listeners") instanceof Map) {
      ((Map<?, ?>) ready.get("listeners")).forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }

  /** The broker's process id (SamsaException for an external broker). */
  public long pid() {
    requireOwn("pid()");
    Object pid = ready.get("pid");
    return pid instanceof Long ? (Long) pid : process.pid();
  }

  /** The broker's data directory, gone once it stopped (SamsaException for an external broker). */
  public Path dataDir() {
    requireOwn("dataDir()");
    return Paths.get(string(ready, "data_dir"));
  }

  /** The samsa version that answered; null for an external broker. */
  public String version() {
    Object v = ready.get("version");
    return v == null ? null : v.toString();
  }

  /** The whole ready line, as parsed (SamsaException for an external broker). */
  public Map<String, Object> readyInfo() {
    requireOwn("readyInfo()");
    return ready;
  }

  /**
   * The binary this broker runs (also used for {@link #createTopic} and {@link #runTool});
   * for an external broker, the one those use, or null when none was found.
   */
  public Path binary() {
    return binary;
  }

  public SamsaServerOptions options() {
    return options;
  }

  /** Whether the process runs; for an external broker, whether this server was not stopped yet. */
  public boolean isRunning() {
    return external != null ? exitCode == null : process.isAlive();
  }

  /** The broker's recent log lines (stderr), bounded; empty for an external broker. */
  public String log() {
    return log.text();
  }

  /**
   * Creates the topic with this many partitions ({@code samsa topic create}); an existing
   * topic is left as it is.
   */
  public void createTopic(String name, int partitions) {
    createTopic(name, partitions, Map.of());
  }

  /** Creates the topic with these topic configs (e.g. cleanup.policy=compact). */
  public void createTopic(String name, int partitions, Map<String, String> configs) {
    if (partitions < 1) throw new IllegalArgumentException("partitions of " + name + ": " + partitions);
    List<String> args = new ArrayList<>(List.of("topic", "create", name, "--if-not-exists",
        "-p", Integer.toString(partitions)));
    configs.forEach((k, v) -> args.addAll(List.of("-c", k + "=" + v)));
    runTool(args.toArray(new String[0]));
  }

  /**
   * Runs {@code samsa ARGS} against this broker (a subcommand of the same binary, e.g.
   * "topic", "describe", "orders"; SAMSA_BROKERS names this broker) and answers its stdout;
   * throws SamsaException with its output when it fails or takes longer than 30 s.
   */
  public String runTool(String... args) {
    return runToolWithInput(null, args);
  }

  /** As {@link #runTool}, with this text on the tool's stdin (e.g. for "produce"). */
  public String runToolWithInput(String stdinText, String... args) {
    if (binary == null) {
      throw new SamsaException("samsa " + String.join(" ", args) + " against the external broker at "
          + bootstrapServers + " needs the samsa binary (its CLI is a Kafka client that works with any"
          + " broker), and none was found:\n" + noBinary.getMessage());
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(args));
    return run(cmd, stdinText, bootstrapServers);
  }

  private static String run(List<String> cmd, String input, String brokers) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    pb.environment().put("SAMSA_BROKERS", brokers);
    try {
      Process p = pb.start();
      CompletableFuture<byte[]> out = readAll(p.getInputStream());
      CompletableFuture<byte[]> err = readAll(p.getErrorStream());
      try (OutputStream in = p.getOutputStream()) {
        if (input != null) in.write(input.getBytes(StandardCharsets.UTF_8));
      }
      if (!p.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new SamsaException(String.join(" ", cmd) + ": no answer within " + TOOL_TIMEOUT);
      }
      String stdout = new String(out.get(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new SamsaException(String.join(" ", cmd) + " failed (exit code " + p.exitValue() + "):\n"
            + stdout + new String(err.get(), StandardCharsets.UTF_8));
      }
      return stdout;
    } catch (IOException | ExecutionException e) {
      throw new SamsaException(String.join(" ", cmd) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SamsaException(String.join(" ", cmd) + ": interrupted", e);
    }
  }

  private static CompletableFuture<byte[]> readAll(InputStream in) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        f.complete(buf.toByteArray());
      } catch (IOException e) {
        f.completeExceptionally(e);
      }
    }, "samsa-tool-output");
    t.setDaemon(true);
    t.start();
    return f;
  }

  /**
   * Stops the broker: SIGTERM, then waits up to the stop timeout for it to exit (it removes
   * its data directory), then SIGKILL. Answers the exit code (0 for an orderly stop). Calling
   * it again answers the same code.
   */
  public synchronized int stop() {
    if (exitCode != null) return exitCode;
    if (external != null) {
      exitCode = 0; // not ours to stop
      return exitCode;
    }
    try {
      process.destroy(); // SIGTERM
      boolean exited = process.waitFor(options.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
      exitCode = process.isAlive() ? -1 : process.exitValue();
      if (!exited) {
        log.add("[samsa-testkit] no exit within " + options.stopTimeout() + " of SIGTERM: killed");
      }
      return exitCode;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      exitCode = -1;
      return exitCode;
    } finally {
      closeQuietly(stdin);
      RUNNING.remove(this);
    }
  }

  /** {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  private static void closeQuietly(OutputStream s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed by the process's end
    }
  }

  private static void stopAllAtExit() {
    for (SamsaServer s : RUNNING) s.process.destroy();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (SamsaServer s : RUNNING) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !s.process.waitFor(left, TimeUnit.NANOSECONDS)) s.process.destroyForcibly();
      } catch (InterruptedException e) {
        s.process.destroyForcibly();
      }
    }
  }

  private static String string(Map<String, Object> map, String key) {
    Object v = map.get(key);
    if (!(v instanceof String)) throw new SamsaException("the ready line has no " + key + ": " + map);
    return (String) v;
  }

  @Override
  public String toString() {
    if (external != null) {
      return "SamsaServer{" + bootstrapServers + ", external" + (isRunning() ? "" : ", stopped") + "}";
    }
    return "SamsaServer{" + bootstrapServers + ", pid " + pid() + (isRunning() ? "" : ", stopped") + "}";
  }
}
