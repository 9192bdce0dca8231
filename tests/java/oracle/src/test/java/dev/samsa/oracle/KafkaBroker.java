package dev.samsa.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real single-node Apache Kafka broker (KRaft combined mode: broker and controller in one
 * process) in its own JVM, on 127.0.0.1 ephemeral ports, with its own temp directory.
 *
 * <p>The classpath is the module's runtime classpath, written by maven-dependency-plugin to
 * target/kafka-classpath.txt (system property oracle.kafka.classpath.file). The storage is
 * formatted first with kafka.tools.StorageTool under a cluster id the caller chooses (samsa
 * is given the same one). Kafka logs at WARN into kafka.log in the temp directory, which
 * close() deletes (kept with SAMSA_KEEP_TMP=1). A shutdown hook kills the process.
 *
 * <p>Public and shipped in the oracle's test-jar: the migration module (MirrorMaker 2 from
 * samsa to Kafka) starts its Kafka with it too.
 *
 * <p>Standalone (main): a Kafka 4.4 for other test families to target through samsa.bootstrap
 * / SAMSA_BOOTSTRAP (SamsaBroker's external mode), e.g. to check a client test's expectations
 * against real Kafka; extra arguments are server.properties lines:
 * <pre>
 * java -cp tests/java/oracle/target/test-classes \
 *   -Doracle.kafka.classpath.file=tests/java/oracle/target/kafka-classpath.txt \
 *   dev.samsa.oracle.KafkaBroker [key=value ...]      # prints "bootstrap 127.0.0.1:PORT"
 * SAMSA_BOOTSTRAP=127.0.0.1:PORT tests/java/run-test.sh clients-kafka4 TransactionsTest build/samsa
 * </pre>
 * It runs until its stdin closes or it is terminated; then Kafka stops and its directory goes.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Path workDir;
  private final Path logFile;
  private final int port;
  private final int controllerPort;
  private Process process;

  private KafkaBroker(Path workDir, int port, int controllerPort) {
    this.workDir = workDir;
    this.logFile = workDir.resolve("kafka.log");
    this.port = port;
    this.controllerPort = controllerPort;
  }

  public int port() {
    return port;
  }

  public String log() {
    try {
      return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + logFile + ")";
    }
  }

  /** Formats storage and starts Kafka; returns once its client listener accepts connections. */
  public static KafkaBroker start(String clusterId, List<String> settings) {
    try {
      Path dir = Files.createTempDirectory("samsa-oracle-kafka-");
      KafkaBroker k = new KafkaBroker(dir, freePort(), freePort());
      k.launch(clusterId, settings);
      return k;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** See the class comment: starts Kafka, prints its bootstrap, runs until stdin closes. */
  public static void main(String[] args) throws IOException {
    byte[] id = new byte[16];
    new java.security.SecureRandom().nextBytes(id);
    String clusterId = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    KafkaBroker k = start(clusterId, List.of(args));
    Runtime.getRuntime().addShutdownHook(new Thread(k::close));
    System.out.println("bootstrap 127.0.0.1:" + k.port() + " (cluster id " + clusterId
        + ", log " + k.logFile + ")");
    System.out.flush();
    while (System.in.read() >= 0) {
      // until stdin closes (or SIGTERM: the shutdown hook stops Kafka)
    }
    System.exit(0);
  }

  private void launch(String clusterId, List<String> extra) throws IOException {
    String classpath = readClasspath();
    Path props = workDir.resolve("server.properties");
    List<String> lines = new ArrayList<>(List.of(
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + workDir.resolve("data"),
        // Kafka's own defaults already match samsa's (num.partitions=1, auto.create.topics.enable
        // and delete.topic.enable true, offsets.topic.num.partitions=50); setting them here
        // would make them STATIC_BROKER_CONFIG in DescribeConfigs. Only one-node necessities:
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // Small and quiet: one node on a shared machine.
        "num.network.threads=2",
        "num.io.threads=2",
        "background.threads=2"));
    lines.addAll(extra);
    Files.write(props, lines, StandardCharsets.UTF_8);
    Path log4j = workDir.resolve("log4j2.properties");
    Files.writeString(log4j, String.join("\n",
        "status = error",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = " + logFile,
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = warn",
        "rootLogger.appenderRef.file.ref = file",
        ""), StandardCharsets.UTF_8);

    List<String> jvm = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        "-Dlog4j2.configurationFile=" + log4j,
        "-Dkafka.logs.dir=" + workDir,
        "-cp", classpath));
    List<String> format = new ArrayList<>(jvm);
    format.addAll(List.of("kafka.tools.StorageTool", "format", "--cluster-id", clusterId,
        "--config", props.toString(), "--ignore-formatted"));
    Process f = new ProcessBuilder(format).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    try {
      if (!f.waitFor(120, TimeUnit.SECONDS) || f.exitValue() != 0) {
        f.destroyForcibly();
        throw new IllegalStateException("kafka storage format failed:\n" + log());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }

    List<String> serve = new ArrayList<>(jvm);
    serve.addAll(List.of("kafka.Kafka", props.toString()));
    ProcessBuilder pb = new ProcessBuilder(serve).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    process = pb.start();
    Process p = process;
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));

    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("kafka exited with " + process.exitValue() + ":\n" + log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        sleep(200);
      }
    }
    close();
    throw new IllegalStateException("kafka not listening after " + START_TIMEOUT + ":\n" + log());
  }

  private static String readClasspath() throws IOException {
    String file = System.getProperty("oracle.kafka.classpath.file");
    Path path = file != null && !file.isBlank() && !file.startsWith("${")
        ? Paths.get(file) : Paths.get("target", "kafka-classpath.txt");
    if (!Files.exists(path)) {
      throw new IllegalStateException("no Kafka classpath at " + path + "; build the oracle module");
    }
    return Files.readString(path, StandardCharsets.UTF_8).trim();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    Process p = process;
    process = null;
    if (p != null) {
      p.destroy();
      try {
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    if ("1".equals(System.getenv("SAMSA_KEEP_TMP"))) return;
    try (Stream<Path> paths = Files.walk(workDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    } catch (IOException e) {
      System.err.println("KafkaBroker: cannot remove " + workDir + ": " + e);
    }
  }
}
