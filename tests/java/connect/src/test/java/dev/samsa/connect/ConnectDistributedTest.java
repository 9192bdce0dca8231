package dev.samsa.connect;

import static dev.samsa.test.Await.tail;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.samsa.test.Await;
import dev.samsa.test.SamsaBroker;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka Connect (connect-runtime and connect-file from Maven Central) in distributed mode on
 * samsa: one worker, in its own JVM ({@code ConnectDistributed} with a worker properties
 * file), keeps its connector configs, source offsets and statuses in the three internal
 * topics it creates on samsa (compacted, as Connect always creates them), and runs a
 * FileStreamSource connector (input file -> topic {@value #TOPIC}) and a FileStreamSink
 * connector (that topic -> output file), through a worker restart and a broker restart.
 *
 * <p>What is asserted, step by step (every wait is bounded by {@link #WAIT}; a timeout fails
 * with what was seen last and the tails of the worker's and the broker's logs):
 * <ol>
 *   <li>The worker creates its internal topics on samsa: {@value #CONFIGS} (1 partition),
 *       {@value #OFFSETS} (25) and {@value #STATUS} (5), each with cleanup.policy=compact
 *       (DescribeConfigs through the Admin client) and the segment.ms /
 *       min.cleanable.dirty.ratio the worker passed on (its {@code *.storage.} prefixes).
 *   <li>Both connectors and their tasks run; the source connector creates {@value #TOPIC}
 *       (topic.creation.default.*, replication factor -1: the broker's default); the output
 *       file holds exactly the input's lines, in order, also after lines appended while the
 *       worker runs.
 *   <li>samsa's log cleaner compacts the config and offset topics (segment.ms=100 and a
 *       broker cleaner backoff of 100 ms; the broker logs each clean) before the worker
 *       restart, removing superseded source offsets from the offset topic, so that the
 *       restarted worker reads its connectors and source offsets from compacted topics.
 *   <li>Worker restart: the worker is stopped (SIGTERM: Connect's shutdown hook stops the
 *       tasks, which commit their offsets), lines are appended while no worker runs, and a
 *       new worker process with the same group.id starts. Without any REST call it finds both
 *       connectors (from the config topic), the source goes on at the position in the offset
 *       topic and the sink at its consumer group's committed offset: the output file is
 *       exactly all the input's lines, in order, once each, and so is the topic.
 *   <li>Up to here the worker logged no ERROR.
 *   <li>Broker restart: samsa is stopped (SIGTERM) under the running worker, lines are
 *       appended while it is down (the source task reads them, its producer cannot deliver
 *       them), samsa starts again 2 s later on the same port and data directory, more lines
 *       follow. The connectors are RUNNING again, and the output file and the topic are
 *       exactly all the input's lines, in order, once each; both connectors' offsets are
 *       committed up to the end.
 *   <li>The status topic is compacted too by the end (superseded statuses removed).
 * </ol>
 *
 * <p>Why "exactly once" in the output file although FileStreamSink is at-least-once: a sink
 * record is written to the file before its consumer offset is committed, so a task that
 * loses its partition or restarts between the two writes the uncommitted records again; a
 * source task likewise re-reads from its last committed position. Before each restart this
 * test waits until both connectors' committed offsets (read back through Connect's REST
 * offsets API, KIP-875: the offset topic for the source, the consumer group for the sink)
 * cover every line, and the worker restart is a clean stop, so an honest broker leaves
 * nothing to redeliver. Connect's source producer is not idempotent (its base producer
 * settings turn idempotence off unless exactly-once source support is on; its batches carry
 * producer id -1), so a produce request answered by no one could be retried into a duplicate:
 * that is why samsa is stopped only with nothing in flight, and the lines appended while it
 * is down are first sent after it is back. A duplicate therefore means an offset that samsa
 * lost or answered wrongly, and the failure message says where (topic or file) and which
 * lines.
 *
 * <p>SAMSA_KEEP_TMP=1 keeps the work directory (worker.properties, worker.log, the files).
 * The worker logs at INFO to worker.log; its WARN and ERROR lines are printed at the end
 * (the many "could not be established" warnings while samsa is down only counted).
 */
class ConnectDistributedTest {
  private static final String GROUP = "samsa-connect";
  private static final String CONFIGS = "connect-configs";
  private static final String OFFSETS = "connect-offsets";
  private static final String STATUS = "connect-status";
  private static final String TOPIC = "lines";
  private static final String SOURCE = "file-source";
  private static final String SINK = "file-sink";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern REST_URL =
      Pattern.compile("REST server listening at (http://[^,\\s]+), advertising URL");
  private static final ObjectMapper JSON = new ObjectMapper();

  private SamsaBroker broker;
  private Admin admin;
  private Path dir;
  private Path input;
  private Path output;
  private Process worker;
  private String workerUrl;
  private int workerStarts;
  /** Lines written to the input file so far (line(0) .. line(written - 1)). */
  private int written;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void tearDown() throws Exception {
    try {
      stopWorker(false);
    } finally {
      if (admin != null) admin.close(Duration.ofSeconds(5));
      if (broker != null) broker.close();
      if (dir != null && !"1".equals(System.getenv("SAMSA_KEEP_TMP"))) {
        try (Stream<Path> paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void fileMovesThroughATopicAcrossWorkerAndBrokerRestarts() throws Exception {
    long t0 = System.nanoTime();
    broker = SamsaBroker.builder().override("log.cleaner.backoff.ms", "100").start();
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    dir = Files.createTempDirectory("samsa-connect-");
    input = dir.resolve("input.txt");
    output = dir.resolve("output.txt");
    Files.createFile(input);

    // 1. A worker; its internal topics on samsa, compacted.
    startWorker();
    log("worker up at %s after %d ms", workerUrl, ms(t0));
    checkInternalTopics();

    // 2. The two connectors; the file moves through the topic.
    append(100);
    put("/connectors/" + SOURCE + "/config", Map.of(
        "connector.class", "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max", "1",
        "file", input.toString(),
        "topic", TOPIC,
        "topic.creation.default.partitions", "1",
        "topic.creation.default.replication.factor", "-1"));
    put("/connectors/" + SINK + "/config", Map.of(
        "connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max", "1",
        "file", output.toString(),
        "topics", TOPIC));
    awaitRunning();
    awaitOutputIsInput("the first 100 lines");
    TopicDescription lines = admin.describeTopics(List.of(TOPIC)).allTopicNames()
        .get(30, TimeUnit.SECONDS).get(TOPIC);
    assertEquals(1, lines.partitions().size(),
        "partitions of " + TOPIC + " as the source connector created it");
    // 100 more in four rounds, each awaited until the source committed its position: every
    // round writes the source's offset key again (more than a second apart, segment.ms=100,
    // so in a segment of its own), which gives the cleaner superseded offsets to remove.
    for (int round = 0; round < 4; round++) {
      append(25);
      awaitOutputIsInput("25 more lines while the worker runs");
      awaitCommitted("after round " + (round + 1) + " of 4");
    }
    log("200 lines through the topic after %d ms", ms(t0));

    // 3. The cleaner has compacted what the restarted worker will read: the source's older
    // offsets are gone from the offset topic.
    awaitCleaned(CONFIGS, false);
    awaitCleaned(OFFSETS, true);

    // 4. Worker restart: a clean stop, lines appended meanwhile, a new process, same group.
    awaitCommitted("before the worker restart");
    long tw = System.nanoTime();
    stopWorker(true);
    append(100);
    startWorker();
    JsonNode connectors = get("/connectors");
    Set<String> names = new TreeSet<>();
    connectors.forEach(n -> names.add(n.asText()));
    assertEquals(Set.of(SOURCE, SINK), names,
        "connectors the restarted worker read from " + CONFIGS);
    awaitRunning();
    awaitOutputIsInput("after the worker restart (100 lines appended while it was down)");
    assertTopicIsInput("after the worker restart");
    log("worker restart: all %d lines once each, %d ms after the stop", written, ms(tw));

    // 5. Broker restart under the running worker, lines appended while samsa is down.
    awaitCommitted("before the broker restart");
    long tb = System.nanoTime();
    List<String> errors = workerErrors();
    assertTrue(errors.isEmpty(),
        "ERROR lines in the worker's log before the broker restart:\n" + String.join("\n", errors));
    assertEquals(0, broker.stop(), "samsa's exit code on SIGTERM");
    append(100);
    // The source task looks at the file every second: it reads the new lines and hands them
    // to a producer that cannot reach the broker. Down for 2 s: a worker that cannot reach
    // its coordinator for a heartbeat interval (3 s) revokes its own assignment and stops its
    // tasks until it rejoins (Connect's behaviour; seen here with 3 s down); samsa is back
    // well within a stopping task's 5 s graceful shutdown, so a source task's records are
    // still acknowledged and their offsets committed.
    Thread.sleep(2000);
    broker.startAgain();
    log("samsa down for %d ms, back on %s", ms(tb), broker.bootstrap());
    append(100);
    awaitRunning();
    awaitOutputIsInput("after the broker restart (100 lines appended while it was down)");
    assertTopicIsInput("after the broker restart");
    awaitCommitted("after the broker restart");
    log("broker restart: all %d lines once each, %d ms after the stop", written, ms(tb));

    // 6. The status topic was compacted too (each restart rewrote the same statuses).
    awaitCleaned(STATUS, true);

    stopWorker(true);
    // While samsa is down every client logs that it cannot connect: counted, not printed.
    List<String> warnings = workerLog().lines().filter(l -> l.contains("] WARN "))
        .collect(Collectors.toList());
    long unreachable = warnings.stream().filter(ConnectDistributedTest::isUnreachable).count();
    log("worker log: %d WARN lines about the broker being unreachable while it was down",
        unreachable);
    warnings.stream().filter(l -> !isUnreachable(l)).forEach(l -> log("worker log: %s", l));
    workerErrors().forEach(l -> log("worker log: %s", l));
    log("done in %d ms: %d lines, worker started %d times", ms(t0), written, workerStarts);
  }

  private static boolean isUnreachable(String line) {
    return line.contains("could not be established. Node may not be available")
        || line.contains(") disconnected (org.apache.kafka.clients.NetworkClient)");
  }

  private List<String> workerErrors() {
    return workerLog().lines().filter(l -> l.contains("] ERROR ")).collect(Collectors.toList());
  }

  // --- the internal topics ---

  private void checkInternalTopics() throws Exception {
    Map<String, Integer> partitions = Map.of(CONFIGS, 1, OFFSETS, 25, STATUS, 5);
    Map<String, TopicDescription> topics = admin.describeTopics(partitions.keySet())
        .allTopicNames().get(30, TimeUnit.SECONDS);
    List<ConfigResource> resources = new ArrayList<>();
    for (String t : partitions.keySet()) {
      assertEquals(partitions.get(t), topics.get(t).partitions().size(), "partitions of " + t);
      resources.add(new ConfigResource(ConfigResource.Type.TOPIC, t));
    }
    Map<ConfigResource, Config> configs =
        admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
    for (ConfigResource r : resources) {
      Config c = configs.get(r);
      assertEquals("compact", c.get("cleanup.policy").value(), "cleanup.policy of " + r.name());
      assertEquals("100", c.get("segment.ms").value(), "segment.ms of " + r.name());
      assertEquals("0.01", c.get("min.cleanable.dirty.ratio").value(),
          "min.cleanable.dirty.ratio of " + r.name());
      log("%s: %d partitions, cleanup.policy=%s", r.name(), partitions.get(r.name()),
          c.get("cleanup.policy").value());
    }
  }

  /**
   * Waits for the broker to log a clean of some partition of the topic (with removing: one
   * that removed at least one record, a value superseded by a newer one of its key).
   */
  private void awaitCleaned(String topic, boolean removing) {
    Pattern clean = Pattern.compile(Pattern.quote(topic) + "-\\d+: cleaned "
        + (removing ? ".*removed [1-9][0-9]* of " : ""));
    await("samsa's cleaner compacts " + topic + (removing ? ", removing records" : ""),
        () -> broker.log().lines().anyMatch(l -> clean.matcher(l).find()));
    List<String> cleans = broker.log().lines().filter(l -> clean.matcher(l).find())
        .collect(Collectors.toList());
    log("%d cleans of %s%s, the last: %s", cleans.size(), topic,
        removing ? " that removed records" : "", cleans.get(cleans.size() - 1));
  }

  // --- the files and the topic ---

  private static String line(int i) {
    // ASCII only: FileStreamSource skips to its stored position in bytes but counts it in
    // characters, so a multi-byte line would make Connect itself resume at the wrong place.
    return String.format("line %04d %s", i, "abcdefghijklmnopqrstuvwxyz".substring(i % 17));
  }

  private List<String> expected() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < written; i++) out.add(line(i));
    return out;
  }

  private void append(int count) throws IOException {
    List<String> more = new ArrayList<>();
    for (int i = 0; i < count; i++) more.add(line(written + i));
    Files.write(input, more, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    written += count;
  }

  /** The output file's complete lines (a line still being written is left out). */
  private List<String> outputLines() throws IOException {
    if (!Files.exists(output)) return List.of();
    String text = Files.readString(output, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) return List.of();
    return List.of(text.substring(0, end).split("\n", -1));
  }

  private void awaitOutputIsInput(String when) throws IOException {
    List<String> want = expected();
    AtomicReference<List<String>> last = new AtomicReference<>(List.of());
    await("the output file holds the " + want.size() + " input lines " + when, () -> {
      try {
        last.set(outputLines());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return last.get().size() >= want.size();
    }, () -> "the output file has " + last.get().size() + " lines"
        + describeDifference(want, last.get()));
    assertSameLines(want, outputLines(), "the output file " + when);
  }

  private void assertTopicIsInput(String when) {
    assertSameLines(expected(), readTopic(), "topic " + TOPIC + " " + when);
  }

  private static void assertSameLines(List<String> want, List<String> got, String what) {
    if (!want.equals(got)) fail(what + ": " + describeDifference(want, got));
  }

  /** Where two lists of lines part: counts, duplicates, missing lines, the first difference. */
  private static String describeDifference(List<String> want, List<String> got) {
    if (want.equals(got)) return "";
    StringBuilder sb = new StringBuilder();
    sb.append(" (expected ").append(want.size()).append(" lines, got ").append(got.size());
    Map<String, Integer> counts = new LinkedHashMap<>();
    got.forEach(l -> counts.merge(l, 1, Integer::sum));
    List<String> dups = counts.entrySet().stream().filter(e -> e.getValue() > 1)
        .map(e -> e.getKey() + " x" + e.getValue()).collect(Collectors.toList());
    List<String> missing = want.stream().filter(l -> !counts.containsKey(l))
        .collect(Collectors.toList());
    if (!dups.isEmpty()) sb.append("; duplicated: ").append(abbreviate(dups));
    if (!missing.isEmpty()) sb.append("; missing: ").append(abbreviate(missing));
    for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
      if (!want.get(i).equals(got.get(i))) {
        sb.append("; first difference at line ").append(i).append(": expected '")
            .append(want.get(i)).append("', got '").append(got.get(i)).append('\'');
        break;
      }
    }
    return sb.append(')').toString();
  }

  private static String abbreviate(List<String> items) {
    return items.size() <= 6 ? items.toString()
        : items.subList(0, 3) + " ... " + items.subList(items.size() - 3, items.size())
            + " (" + items.size() + ")";
  }

  /** Every record value of the topic, in offset order. */
  private List<String> readTopic() {
    TopicPartition tp = new TopicPartition(TOPIC, 0);
    Map<String, Object> props = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c =
        new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
      await("read " + TOPIC + " to its end offset " + end, () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.value());
        }
        return c.position(tp) >= end;
      });
    }
    return out;
  }

  // --- the connectors, through the REST API ---

  private void awaitRunning() {
    String[] last = {""};
    await("both connectors and their tasks RUNNING", () -> {
      boolean all = true;
      StringBuilder seen = new StringBuilder();
      for (String name : List.of(SOURCE, SINK)) {
        JsonNode s = tryGet("/connectors/" + name + "/status");
        if (s == null) {
          seen.append(name).append(": no status; ");
          all = false;
          continue;
        }
        seen.append(name).append(": ").append(s).append("; ");
        for (JsonNode task : s.path("tasks")) {
          if ("FAILED".equals(task.path("state").asText())) {
            fail("task of " + name + " FAILED: " + task.path("trace").asText()
                + "\nworker log:\n" + tail(workerLog(), 60));
          }
        }
        all &= "RUNNING".equals(s.path("connector").path("state").asText())
            && s.path("tasks").size() == 1
            && "RUNNING".equals(s.path("tasks").get(0).path("state").asText());
      }
      last[0] = seen.toString();
      return all;
    }, () -> last[0]);
  }

  /**
   * Waits until the source's committed position (offset topic) is the input file's size and
   * the sink's committed offset (its consumer group) is the topic's end: nothing left that a
   * restart could redeliver.
   */
  private void awaitCommitted(String when) throws IOException {
    long size = Files.size(input);
    String[] last = {""};
    await("both connectors' offsets committed " + when, () -> {
      JsonNode src = tryGet("/connectors/" + SOURCE + "/offsets");
      JsonNode snk = tryGet("/connectors/" + SINK + "/offsets");
      last[0] = "source " + src + ", sink " + snk + ", input " + size + " bytes, " + written
          + " lines";
      if (src == null || snk == null) return false;
      long position = -1;
      for (JsonNode o : src.path("offsets")) {
        if (input.toString().equals(o.path("partition").path("filename").asText())) {
          position = o.path("offset").path("position").asLong();
        }
      }
      long committed = -1;
      for (JsonNode o : snk.path("offsets")) {
        if (TOPIC.equals(o.path("partition").path("kafka_topic").asText())) {
          committed = o.path("offset").path("kafka_offset").asLong();
        }
      }
      return position == size && committed == written;
    }, () -> last[0]);
    log("offsets committed %s: %s", when, last[0]);
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create(workerUrl + path)).timeout(Duration.ofSeconds(30))
            .GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** GET, or null on any error (the worker may be rebalancing or the herder starting). */
  private JsonNode tryGet(String path) {
    try {
      return get(path);
    } catch (Exception e) {
      return null;
    }
  }

  private void put(String path, Map<String, String> body) throws Exception {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create(workerUrl + path)).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      fail("PUT " + path + ": HTTP " + r.statusCode() + " " + r.body() + "\nworker log:\n"
          + tail(workerLog(), 60));
    }
  }

  // --- the worker process ---

  private List<String> workerProperties() {
    List<String> p = new ArrayList<>(List.of(
        "bootstrap.servers=" + broker.bootstrap(),
        "group.id=" + GROUP,
        "config.storage.topic=" + CONFIGS,
        "offset.storage.topic=" + OFFSETS,
        "status.storage.topic=" + STATUS,
        "config.storage.replication.factor=1",
        "offset.storage.replication.factor=1",
        "status.storage.replication.factor=1",
        "key.converter=org.apache.kafka.connect.storage.StringConverter",
        "value.converter=org.apache.kafka.connect.storage.StringConverter",
        // An ephemeral port, read back from the worker's log.
        "listeners=http://127.0.0.1:0",
        // connect-file and connect-runtime declare their plugins (ServiceLoader manifests):
        // no classpath scan.
        "plugin.discovery=service_load",
        // Commit source offsets and sink offsets every second (default 60 s).
        "offset.flush.interval.ms=1000",
        // Reassignment of a vanished worker's work waits this long (default 5 min).
        "scheduled.rebalance.max.delay.ms=10000",
        // The sink task's consumer (worker-level "consumer." override; default 45 s). When
        // the worker stops its tasks while samsa is down, that consumer's LeaveGroup is lost;
        // after the restart the group still has the old member, as Kafka's coordinator does
        // when it reloads a group, and the new member's join completes only when the old one's
        // session expires.
        "consumer.session.timeout.ms=10000"));
    // Topic settings for the internal topics the worker creates (KIP-605 prefixes): the
    // broker's cleaner compacts them within the test.
    for (String prefix : List.of("config.storage.", "offset.storage.", "status.storage.")) {
      p.add(prefix + "segment.ms=100");
      p.add(prefix + "min.cleanable.dirty.ratio=0.01");
    }
    return p;
  }

  private Path workerLogFile() {
    return dir.resolve("worker.log");
  }

  private String workerLog() {
    try {
      return Files.exists(workerLogFile()) ? Files.readString(workerLogFile()) : "";
    } catch (IOException e) {
      return "(cannot read the worker's log: " + e + ")";
    }
  }

  private void startWorker() throws Exception {
    workerStarts++;
    Path props = dir.resolve("worker.properties");
    Files.write(props, workerProperties(), StandardCharsets.UTF_8);
    Path log4j = dir.resolve("log4j2.properties");
    Files.writeString(log4j, String.join("\n",
        "status = error",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = " + workerLogFile(),
        "appender.file.append = true",
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.file.ref = file",
        // Every client's and config's full settings at each start: too much to read.
        "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
        "logger.config.level = warn",
        "logger.appinfo.name = org.apache.kafka.common.utils.AppInfoParser",
        "logger.appinfo.level = warn",
        ""), StandardCharsets.UTF_8);
    long logOffset = Files.exists(workerLogFile()) ? Files.size(workerLogFile()) : 0;
    Files.writeString(workerLogFile(), "===== ConnectDistributedTest: worker start #"
        + workerStarts + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    List<String> cmd = List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dlog4j2.configurationFile=" + log4j,
        "-cp", readClasspath(),
        "org.apache.kafka.connect.cli.ConnectDistributed", props.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(workerLogFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    long t = System.nanoTime();
    worker = pb.start();
    Process p = worker;
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));

    String[] url = {null};
    await("the worker's REST server", () -> {
      String text = workerLog();
      Matcher m = REST_URL.matcher(text.substring((int) Math.min(logOffset, text.length())));
      if (m.find()) url[0] = m.group(1).replaceAll("/$", "");
      return url[0] != null;
    });
    workerUrl = url[0];
    // The herder answers once it has read the config topic and joined the group.
    await("the worker's herder answers GET /connectors", () -> tryGet("/connectors") != null);
    log("worker #%d (pid %d) ready at %s in %d ms", workerStarts, p.pid(), workerUrl, ms(t));
  }

  /** SIGTERM and a bounded wait; checked=true fails the test if it needs SIGKILL. */
  private void stopWorker(boolean checked) throws InterruptedException {
    Process p = worker;
    worker = null;
    if (p == null) return;
    long t = System.nanoTime();
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      if (checked) fail("the worker ignored SIGTERM for 30 s; killed it\n" + tail(workerLog(), 60));
    }
    if (checked) log("worker stopped (exit %d) in %d ms", p.exitValue(), ms(t));
  }

  private static String readClasspath() throws IOException {
    String file = System.getProperty("connect.classpath.file");
    Path path = file != null && !file.isBlank() && !file.startsWith("${")
        ? Paths.get(file) : Paths.get("target", "connect-classpath.txt");
    if (!Files.exists(path)) {
      throw new IllegalStateException("no worker classpath at " + path + "; build this module");
    }
    return Files.readString(path, StandardCharsets.UTF_8).trim();
  }

  // --- waiting ---

  private void await(String what, BooleanSupplier done) {
    await(what, done, () -> "");
  }

  private void await(String what, BooleanSupplier done, Supplier<String> seen) {
    Await.until(WAIT, what, done,
        () -> seen.get() + "\nworker log:\n" + tail(workerLog(), 80) + "\nbroker log:\n"
            + tail(broker.log(), 40),
        () -> worker != null && !worker.isAlive()
            ? "the worker exited with " + worker.exitValue() + "\nworker log:\n"
                + tail(workerLog(), 80)
            : null);
  }

  private static void log(String format, Object... args) {
    System.err.printf("%tT.%<tL ConnectDistributedTest: %s%n", System.currentTimeMillis(),
        String.format(format, args));
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
