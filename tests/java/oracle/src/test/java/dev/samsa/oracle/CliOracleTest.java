package dev.samsa.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.samsa.test.SamsaBroker;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The command-line tools of the samsa binary (health, cluster info, topic, group, produce,
 * consume) against the oracle's real Apache Kafka 4.4 broker, and the same scenario against
 * the oracle's samsa broker: the tools must work with any Kafka broker. Each scenario checks
 * the real outcome on each broker (exit codes, JSON output, and what Kafka's own Java clients
 * see afterwards), then compares the observations that must be equal on both.
 *
 * <p>The tools run as subprocesses of the samsa binary the oracle already runs (system
 * property samsa.binary), each with a 30 s limit. Topic and group names are unique per run:
 * the two brokers are shared with the other oracle classes.
 *
 * <p>Not compared, as they legitimately differ: topic ids, member ids, timestamps, the
 * partition of a record without key, Kafka's extra non-default configs
 * (min.insync.replicas from the broker), and `topic create -r 3`, which a one-broker Kafka
 * refuses while samsa clamps it to 1 (docs/compatibility.md). Kafka's metadata is eventually
 * consistent: checks that follow a create, grow or delete rerun the tool until it shows the
 * change (at most 20 s; a rerun is printed as "cli-oracle: ... settled after").
 */
class CliOracleTest {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

  enum Side {
    KAFKA, SAMSA;

    String bootstrap() {
      Brokers b = Brokers.get();
      return this == KAFKA ? "127.0.0.1:" + b.kafka.port() : b.samsa.bootstrap();
    }

    int port() {
      Brokers b = Brokers.get();
      return this == KAFKA ? b.kafka.port() : b.samsa.port();
    }
  }

  /** One finished tool run. */
  record Run(List<String> args, int exit, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + this, e);
      }
    }

    /** --format json output of tools that print one object per line (consume). */
    List<JsonNode> jsonLines() {
      List<JsonNode> nodes = new ArrayList<>();
      for (String line : out.split("\n")) {
        if (line.isBlank()) continue;
        try {
          nodes.add(JSON.readTree(line));
        } catch (IOException e) {
          throw new AssertionError("line not JSON: " + line + " in " + this, e);
        }
      }
      return nodes;
    }

    Run expectExit(int code) {
      assertEquals(code, exit, () -> "exit code of " + this);
      return this;
    }

    String brief() {
      String o = out.strip();
      return "samsa " + String.join(" ", args) + " -> exit " + exit + ", stdout "
          + (o.length() > 200 ? o.substring(0, 200) + "..." : o) + ", stderr " + err.strip();
    }

    @Override
    public String toString() {
      return "samsa " + String.join(" ", args) + " -> exit " + exit + "\n  stdout: " + out.strip()
          + "\n  stderr: " + err.strip();
    }
  }

  // ------------------------------------------------------------------------ helpers

  /** Runs the samsa binary with these arguments (and stdin), at most TOOL_TIMEOUT. */
  static Run tool(String stdin, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(SamsaBroker.locateBinary().toAbsolutePath().toString());
    command.addAll(args);
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("samsa-cli-out-", ".txt");
      err = Files.createTempFile("samsa-cli-err-", ".txt");
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().remove("SAMSA_BROKERS");
      pb.environment().remove("SAMSA_CONFIG");
      if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p = pb.start();
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        fail("samsa " + String.join(" ", args) + " did not finish in " + TOOL_TIMEOUT
            + "; stdout so far: " + Files.readString(out) + " stderr: " + Files.readString(err));
      }
      return new Run(List.copyOf(args), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      for (Path f : new Path[] {out, err}) {
        if (f != null) f.toFile().delete();
      }
    }
  }

  /** `samsa ARGS -b <side's bootstrap>`. */
  static Run tool(Side side, String... args) {
    return toolIn(side, null, args);
  }

  static Run toolIn(Side side, String stdin, String... args) {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    a.add("-b");
    a.add(side.bootstrap());
    return tool(stdin, a);
  }

  /**
   * Runs the tool until its outcome satisfies `done` (Kafka's metadata is eventually
   * consistent: a topic just created, grown or deleted shows a moment later); returns the
   * last run, which the caller asserts on.
   */
  static Run toolUntil(Side side, Predicate<Run> done, String... args) {
    long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
    Run first = null;
    for (int runs = 1; ; runs++) {
      Run r = tool(side, args);
      if (first == null) first = r;
      if (done.test(r) || System.nanoTime() > deadline) {
        if (runs > 1) {
          System.out.printf("cli-oracle: %s: settled after %d runs; the first was: %s%n", side,
              runs, first.brief());
        }
        return r;
      }
      KafkaBroker.sleep(200);
    }
  }

  static String unique(String prefix) {
    return "cli-" + prefix + "-" + RUN + "-" + SEQ.incrementAndGet();
  }

  static JsonNode find(JsonNode array, String field, String value) {
    for (JsonNode n : array) {
      if (value.equals(n.path(field).asText(null))) return n;
    }
    return null;
  }

  static JsonNode config(JsonNode describe, String name) {
    return find(describe.path("configs"), "name", name);
  }

  /** partition -> [log_start_offset, high_watermark] from `topic describe --format json`. */
  static Map<Integer, List<Long>> offsets(JsonNode describe) {
    Map<Integer, List<Long>> m = new TreeMap<>();
    for (JsonNode p : describe.path("partitions")) {
      m.put(p.path("partition").asInt(), List.of(
          p.path("log_start_offset").isNull() ? -1L : p.path("log_start_offset").asLong(),
          p.path("high_watermark").isNull() ? -1L : p.path("high_watermark").asLong()));
    }
    return m;
  }

  static Properties clientProps(Side side) {
    Properties p = new Properties();
    p.put("bootstrap.servers", side.bootstrap());
    return p;
  }

  static KafkaProducer<String, String> producer(Side side) {
    Properties p = clientProps(side);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  /** `count` records "v0".. with keys "k0".. into one partition. */
  static void produceTo(Side side, String topic, int partition, int count) throws Exception {
    try (KafkaProducer<String, String> pr = producer(side)) {
      for (int i = 0; i < count; i++) {
        pr.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  static KafkaConsumer<String, String> consumer(Side side, String group) {
    Properties p = clientProps(side);
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    }
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cli-oracle-" + side.name().toLowerCase());
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  static Admin admin(Side side) {
    Properties p = clientProps(side);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  static Map<Integer, Long> committed(Side side, String group) throws Exception {
    try (Admin a = admin(side)) {
      Map<TopicPartition, OffsetAndMetadata> m = a.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      Map<Integer, Long> out = new TreeMap<>();
      m.forEach((tp, om) -> out.put(tp.partition(), om == null ? null : om.offset()));
      return out;
    }
  }

  /** Creates a topic with the tool and waits until `topic describe` succeeds with every
   *  partition's offsets (its leaders are ready on both brokers). */
  static void createTopic(Side side, String topic, int partitions) {
    tool(side, "topic", "create", topic, "-p", String.valueOf(partitions)).expectExit(0);
    awaitDescribable(side, topic, partitions);
  }

  static JsonNode awaitDescribable(Side side, String topic, int partitions) {
    Run d = toolUntil(side, r -> r.exit == 0 && r.json().path("partition_count").asInt() == partitions,
        "topic", "describe", topic, "--format", "json");
    d.expectExit(0);
    assertEquals(partitions, d.json().path("partition_count").asInt(), d::toString);
    return d.json();
  }

  /** `samsa ARGS -b <side's bootstrap>` left running, stdout and stderr into files. */
  static Process startTool(Side side, Path out, Path err, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(SamsaBroker.locateBinary().toAbsolutePath().toString());
    command.addAll(Arrays.asList(args));
    command.addAll(List.of("-b", side.bootstrap()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile())
        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().remove("SAMSA_BROKERS");
    return pb.start();
  }

  private static boolean hasSubcommand(String name) {
    Run help = tool(null, List.of("--help"));
    return (help.out + help.err).matches("(?s).*\\b" + name + "\\b.*");
  }

  // ----------------------------------------------------------------- health, cluster

  @Test
  void healthAndClusterInfo() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    Run down = tool(null, List.of("health", "-b", "127.0.0.1:" + closed, "--timeout-ms", "2000"));
    down.expectExit(1);
    Run infoDown = tool(null, List.of("cluster", "info", "-b", "127.0.0.1:" + closed,
        "--timeout-ms", "2000"));
    infoDown.expectExit(3);

    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) {
      tool(side, "health").expectExit(0);
      Run hj = tool(side, "health", "--format", "json").expectExit(0);
      assertTrue(hj.json().path("healthy").asBoolean(), hj::toString);
      assertTrue(hj.json().path("apis").asInt() > 10, hj::toString);

      Run info = tool(side, "cluster", "info", "--format", "json").expectExit(0);
      JsonNode j = info.json();
      String id = j.path("cluster_id").asText("");
      assertFalse(id.isEmpty(), info::toString);
      // The oracle formats Kafka and configures samsa with the same cluster id.
      assertEquals(Brokers.CLUSTER_ID, id, info::toString);
      JsonNode brokers = j.path("brokers");
      assertEquals(1, brokers.size(), info::toString);
      assertEquals(side.port(), brokers.get(0).path("port").asInt(), info::toString);
      assertEquals("127.0.0.1", brokers.get(0).path("host").asText(), info::toString);
      assertEquals(1, brokers.get(0).path("node_id").asInt(), info::toString);
      assertEquals(1, j.path("controller_id").asInt(), info::toString);
      Run text = tool(side, "cluster", "info").expectExit(0);
      assertTrue(text.out.contains(Brokers.CLUSTER_ID), text::toString);
      seen.put(side, List.of(id, brokers.get(0).path("node_id").asInt(), j.path("controller_id").asInt()));
    }
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA));
  }

  // ------------------------------------------------------------------------ topics

  @Test
  void topicLifecycle() throws Exception {
    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) seen.put(side, topicLifecycle(side));
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA),
        "what the topic tools saw on Kafka vs samsa");
  }

  /** The topic scenario on one broker; returns what must be the same on both. */
  private List<Object> topicLifecycle(Side side) throws Exception {
    List<Object> seen = new ArrayList<>();
    String t = unique("topic");

    Run create = tool(side, "topic", "create", t, "-p", "3", "-c", "retention.ms=12345",
        "--format", "json").expectExit(0);
    JsonNode c = create.json().get(0);
    assertEquals(t, c.path("name").asText(), create::toString);
    assertEquals("created", c.path("status").asText(), create::toString);
    assertEquals(3, c.path("partitions").asInt(), create::toString);
    assertEquals(1, c.path("replication_factor").asInt(), create::toString);
    assertTrue(c.path("error").isNull(), create::toString);
    seen.add(List.of("create", c.path("status").asText(), c.path("partitions").asInt(),
        c.path("replication_factor").asInt()));

    Run list = toolUntil(side, r -> r.exit == 0 && find(r.json(), "name", t) != null,
        "topic", "list", "--format", "json").expectExit(0);
    JsonNode listed = find(list.json(), "name", t);
    assertNotNull(listed, list::toString);
    assertEquals(3, listed.path("partitions").asInt(), list::toString);
    assertEquals(1, listed.path("replication_factor").asInt(), list::toString);
    assertFalse(listed.path("internal").asBoolean(), list::toString);
    assertFalse(listed.path("topic_id").asText("").isEmpty(), list::toString);
    assertTrue(find(list.json(), "name", "__consumer_offsets") == null, list::toString);
    seen.add(List.of("list", listed.path("partitions").asInt(), listed.path("replication_factor").asInt(),
        listed.path("internal").asBoolean()));
    Run plain = tool(side, "topic", "list").expectExit(0);
    assertTrue(plain.out.lines().anyMatch(l -> l.startsWith(t + " ")), plain::toString);

    JsonNode d = awaitDescribable(side, t, 3);
    assertEquals(t, d.path("name").asText());
    assertEquals(listed.path("topic_id").asText(), d.path("topic_id").asText(), d::toString);
    JsonNode retention = config(d, "retention.ms");
    assertNotNull(retention, d::toString);
    assertEquals("12345", retention.path("value").asText(), d::toString);
    assertEquals("DYNAMIC_TOPIC_CONFIG", retention.path("source").asText(), d::toString);
    assertEquals(Map.of(0, List.of(0L, 0L), 1, List.of(0L, 0L), 2, List.of(0L, 0L)), offsets(d),
        d::toString);
    for (JsonNode p : d.path("partitions")) {
      assertEquals(1, p.path("leader").asInt(), d::toString);
      assertEquals("[1]", p.path("replicas").toString(), d::toString);
      assertEquals("[1]", p.path("isr").toString(), d::toString);
      assertTrue(p.path("error").isNull(), d::toString);
    }
    seen.add(List.of("describe", d.path("partition_count").asInt(), d.path("replication_factor").asInt(),
        retention.path("value").asText(), retention.path("source").asText(), offsets(d)));
    Run describeText = tool(side, "topic", "describe", t).expectExit(0);
    assertTrue(describeText.out.contains("retention.ms"), describeText::toString);
    // Every topic config Kafka has at its default is listed with -a.
    Run all = tool(side, "topic", "describe", t, "-a", "--format", "json").expectExit(0);
    JsonNode cleanup = config(all.json(), "cleanup.policy");
    assertNotNull(cleanup, all::toString);
    assertEquals("delete", cleanup.path("value").asText(), all::toString);

    // Creating it again: TOPIC_ALREADY_EXISTS, exit 1; --if-not-exists makes that fine.
    Run again = tool(side, "topic", "create", t, "-p", "3");
    again.expectExit(1);
    assertTrue(again.err.contains("TOPIC_ALREADY_EXISTS"), again::toString);
    Run ifNot = tool(side, "topic", "create", t, "-p", "3", "--if-not-exists", "--format", "json")
        .expectExit(0);
    assertEquals("exists", ifNot.json().get(0).path("status").asText(), ifNot::toString);
    Run dry = tool(side, "topic", "create", unique("dry"), "-p", "2", "--dry-run", "--format", "json")
        .expectExit(0);
    assertEquals("valid", dry.json().get(0).path("status").asText(), dry::toString);
    // -r 3 on one broker: Kafka refuses it; samsa clamps it to 1 by design
    // (samsa.replication.factor.policy=clamp, docs/compatibility.md), so not compared.
    String wide = unique("rf3");
    Run rf3 = tool(side, "topic", "create", wide, "-p", "1", "-r", "3", "--format", "json");
    if (side == Side.KAFKA) {
      rf3.expectExit(1);
      assertTrue(rf3.err.contains("INVALID_REPLICATION_FACTOR"), rf3::toString);
      assertEquals("INVALID_REPLICATION_FACTOR",
          rf3.json().get(0).path("error").path("name").asText(), rf3::toString);
    } else {
      rf3.expectExit(0);
      assertEquals(1, rf3.json().get(0).path("replication_factor").asInt(), rf3::toString);
      tool(side, "topic", "delete", wide).expectExit(0);
    }
    seen.add(List.of("again", again.exit, ifNot.json().get(0).path("status").asText(),
        dry.json().get(0).path("status").asText()));

    // alter-config: set, then delete an override.
    Run alter = tool(side, "topic", "alter-config", t, "--set", "retention.ms=54321",
        "--set", "max.message.bytes=200000", "--format", "json").expectExit(0);
    assertEquals("54321", alter.json().path("set").path("retention.ms").asText(), alter::toString);
    JsonNode d2 = toolUntil(side, r -> r.exit == 0 && config(r.json(), "max.message.bytes") != null,
        "topic", "describe", t, "--format", "json").expectExit(0).json();
    assertEquals("54321", config(d2, "retention.ms").path("value").asText(), d2::toString);
    assertEquals("200000", config(d2, "max.message.bytes").path("value").asText(), d2::toString);
    tool(side, "topic", "alter-config", t, "--delete", "max.message.bytes").expectExit(0);
    JsonNode d3 = toolUntil(side, r -> r.exit == 0 && config(r.json(), "max.message.bytes") == null,
        "topic", "describe", t, "--format", "json").expectExit(0).json();
    assertNotNull(config(d3, "retention.ms"), d3::toString);
    assertTrue(config(d3, "max.message.bytes") == null, d3::toString);
    Run alterNone = tool(side, "topic", "alter-config", unique("none"), "--set", "retention.ms=1");
    alterNone.expectExit(1);
    assertTrue(alterNone.err.contains("UNKNOWN_TOPIC_OR_PARTITION"), alterNone::toString);
    Run alterBad = tool(side, "topic", "alter-config", t, "--set", "retention.ms=soon");
    alterBad.expectExit(1);
    assertTrue(alterBad.err.contains("INVALID_CONFIG"), alterBad::toString);
    seen.add(List.of("alter", config(d2, "retention.ms").path("value").asText(),
        config(d3, "max.message.bytes") == null, alterNone.exit, alterBad.exit));

    // add-partitions to 4; shrinking is refused.
    Run grow = tool(side, "topic", "add-partitions", t, "-n", "4", "--format", "json").expectExit(0);
    assertEquals(4, grow.json().path("partitions").asInt(), grow::toString);
    JsonNode d4 = awaitDescribable(side, t, 4);
    assertEquals(4, offsets(d4).size(), d4::toString);
    Run shrink = tool(side, "topic", "add-partitions", t, "-n", "2");
    shrink.expectExit(1);
    assertTrue(shrink.err.contains("INVALID_PARTITIONS"), shrink::toString);
    seen.add(List.of("add-partitions", d4.path("partition_count").asInt(), shrink.exit));

    // trim: 10 records into partition 0, then below offset 4, then everything.
    produceTo(side, t, 0, 10);
    JsonNode d5 = toolUntil(side, r -> r.exit == 0 && offsets(r.json()).get(0).get(1) == 10L,
        "topic", "describe", t, "--format", "json").expectExit(0).json();
    assertEquals(List.of(0L, 10L), offsets(d5).get(0), d5::toString);
    Run trim = tool(side, "topic", "trim", t, "-o", "4", "-p", "0", "--format", "json").expectExit(0);
    JsonNode tp = trim.json().path("partitions");
    assertEquals(1, tp.size(), trim::toString);
    assertEquals(0, tp.get(0).path("partition").asInt(), trim::toString);
    assertEquals(4, tp.get(0).path("low_watermark").asLong(), trim::toString);
    JsonNode d6 = tool(side, "topic", "describe", t, "--format", "json").expectExit(0).json();
    assertEquals(List.of(4L, 10L), offsets(d6).get(0), d6::toString);
    Run beyond = tool(side, "topic", "trim", t, "-o", "99", "-p", "0");
    beyond.expectExit(1);
    assertTrue(beyond.err.contains("OFFSET_OUT_OF_RANGE"), beyond::toString);
    Run trimAll = tool(side, "topic", "trim", t, "-o", "-1", "--format", "json").expectExit(0);
    Map<Integer, Long> lows = new TreeMap<>();
    for (JsonNode p : trimAll.json().path("partitions")) {
      lows.put(p.path("partition").asInt(), p.path("low_watermark").asLong());
    }
    assertEquals(Map.of(0, 10L, 1, 0L, 2, 0L, 3, 0L), lows, trimAll::toString);
    JsonNode d7 = tool(side, "topic", "describe", t, "--format", "json").expectExit(0).json();
    assertEquals(List.of(10L, 10L), offsets(d7).get(0), d7::toString);
    seen.add(List.of("trim", offsets(d6), beyond.exit, lows, offsets(d7)));

    // delete; then it is gone; deleting an unknown topic fails.
    Run del = tool(side, "topic", "delete", t, "--format", "json").expectExit(0);
    assertEquals("deleted", del.json().get(0).path("status").asText(), del::toString);
    Run after = toolUntil(side, r -> r.exit == 0 && find(r.json(), "name", t) == null,
        "topic", "list", "--format", "json").expectExit(0);
    assertTrue(find(after.json(), "name", t) == null, after::toString);
    Run gone = toolUntil(side, r -> r.exit != 0, "topic", "describe", t);
    gone.expectExit(1);
    assertTrue(gone.err.contains("UNKNOWN_TOPIC_OR_PARTITION"), gone::toString);
    Run unknown = tool(side, "topic", "delete", unique("never"));
    unknown.expectExit(1);
    assertTrue(unknown.err.contains("UNKNOWN_TOPIC_OR_PARTITION"), unknown::toString);
    seen.add(List.of("delete", del.exit, gone.exit, unknown.exit));
    return seen;
  }

  // ------------------------------------------------------------------------ groups

  @Test
  void consumerGroups() throws Exception {
    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) seen.put(side, consumerGroups(side));
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA),
        "what the group tools saw on Kafka vs samsa");
  }

  /** partition -> [current_offset, log_end_offset, lag] from `group describe --format json`. */
  static Map<Integer, List<Long>> lags(JsonNode group) {
    Map<Integer, List<Long>> m = new TreeMap<>();
    for (JsonNode p : group.path("partitions")) {
      m.put(p.path("partition").asInt(), List.of(p.path("current_offset").asLong(-1),
          p.path("log_end_offset").asLong(-1), p.path("lag").asLong(-1)));
    }
    return m;
  }

  private List<Object> consumerGroups(Side side) throws Exception {
    List<Object> seen = new ArrayList<>();
    String t = unique("gtopic");
    String g = unique("group");
    createTopic(side, t, 2);
    produceTo(side, t, 0, 10);
    produceTo(side, t, 1, 6);

    try (KafkaConsumer<String, String> consumer = consumer(side, g)) {
      consumer.subscribe(List.of(t));
      int read = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (read < 16) {
        if (System.nanoTime() > deadline) fail(side + ": consumer read " + read + " of 16");
        read += consumer.poll(Duration.ofMillis(500)).count();
      }
      consumer.commitSync(Map.of(new TopicPartition(t, 0), new OffsetAndMetadata(3),
          new TopicPartition(t, 1), new OffsetAndMetadata(6)), Duration.ofSeconds(30));

      // A live member: describe shows it and its partitions; reset and delete are refused.
      Run live = tool(side, "group", "describe", g, "--format", "json").expectExit(0);
      JsonNode lg = live.json().path("groups").get(0);
      assertEquals("Stable", lg.path("state").asText(), live::toString);
      assertEquals("consumer", lg.path("protocol_type").asText(), live::toString);
      assertEquals("range", lg.path("assignor").asText(), live::toString);
      assertEquals(1, lg.path("members").size(), live::toString);
      JsonNode member = lg.path("members").get(0);
      assertEquals("cli-oracle-" + side.name().toLowerCase(), member.path("client_id").asText(),
          live::toString);
      assertEquals(2, member.path("assignment").size(), live::toString);
      assertEquals(Map.of(0, List.of(3L, 10L, 7L), 1, List.of(6L, 6L, 0L)), lags(lg), live::toString);
      assertEquals(7, lg.path("total_lag").asLong(), live::toString);
      for (JsonNode p : lg.path("partitions")) {
        assertEquals(member.path("member_id").asText(), p.path("member_id").asText(), live::toString);
      }
      Run listLive = tool(side, "group", "list", "--format", "json").expectExit(0);
      JsonNode entry = find(listLive.json().path("groups"), "group", g);
      assertNotNull(entry, listLive::toString);
      assertEquals("Stable", entry.path("state").asText(), listLive::toString);
      assertEquals("consumer", entry.path("protocol_type").asText(), listLive::toString);
      assertEquals("classic", entry.path("type").asText().toLowerCase(), listLive::toString);
      Run refused = tool(side, "group", "reset-offsets", g, "--topic", t, "--to-earliest", "--execute");
      refused.expectExit(1);
      Run busy = tool(side, "group", "delete", g);
      busy.expectExit(1);
      assertTrue(busy.err.contains("NON_EMPTY_GROUP"), busy::toString);
      assertEquals(Map.of(0, 3L, 1, 6L), committed(side, g));
      seen.add(List.of("live", lg.path("state").asText(), lg.path("assignor").asText(), lags(lg),
          entry.path("type").asText(), refused.exit, busy.exit));
    }

    // The consumer left: Empty, no members, the offsets and lag stay.
    Run empty = toolUntil(side, r -> r.exit == 0
            && "Empty".equals(r.json().path("groups").path(0).path("state").asText()),
        "group", "describe", g, "--format", "json").expectExit(0);
    JsonNode eg = empty.json().path("groups").get(0);
    assertEquals("Empty", eg.path("state").asText(), empty::toString);
    assertEquals(0, eg.path("members").size(), empty::toString);
    assertEquals(Map.of(0, List.of(3L, 10L, 7L), 1, List.of(6L, 6L, 0L)), lags(eg), empty::toString);
    assertEquals(7, eg.path("total_lag").asLong(), empty::toString);
    assertEquals(side.port(), eg.path("coordinator").path("port").asInt(), empty::toString);
    Run list = tool(side, "group", "list", "--format", "json").expectExit(0);
    JsonNode entry = find(list.json().path("groups"), "group", g);
    assertNotNull(entry, list::toString);
    assertEquals("Empty", entry.path("state").asText(), list::toString);
    Run filtered = tool(side, "group", "list", "--state", "Stable", "--format", "json").expectExit(0);
    assertTrue(find(filtered.json().path("groups"), "group", g) == null, filtered::toString);
    Run text = tool(side, "group", "list").expectExit(0);
    assertTrue(text.out.contains(g), text::toString);
    seen.add(List.of("empty", eg.path("state").asText(), lags(eg), entry.path("state").asText()));

    // reset-offsets: a dry run changes nothing, --execute commits the earliest offsets.
    Run plan = tool(side, "group", "reset-offsets", g, "--topic", t, "--to-earliest", "--format", "json")
        .expectExit(0);
    assertFalse(plan.json().path("executed").asBoolean(), plan::toString);
    assertEquals(Map.of(0, 3L, 1, 6L), committed(side, g));
    Run reset = tool(side, "group", "reset-offsets", g, "--topic", t, "--to-earliest", "--execute",
        "--format", "json").expectExit(0);
    JsonNode rj = reset.json();
    assertTrue(rj.path("executed").asBoolean(), reset::toString);
    Map<Integer, List<Long>> planned = new TreeMap<>();
    for (JsonNode p : rj.path("partitions")) {
      planned.put(p.path("partition").asInt(),
          List.of(p.path("current_offset").asLong(-1), p.path("new_offset").asLong()));
    }
    assertEquals(Map.of(0, List.of(3L, 0L), 1, List.of(6L, 0L)), planned, reset::toString);
    assertEquals(Map.of(0, 0L, 1, 0L), committed(side, g), "committed offsets after reset on " + side);
    JsonNode after = tool(side, "group", "describe", g, "--format", "json").expectExit(0)
        .json().path("groups").get(0);
    assertEquals(16, after.path("total_lag").asLong(), after::toString);
    Run shift = tool(side, "group", "reset-offsets", g, "--all-topics", "--shift-by", "5", "--execute")
        .expectExit(0);
    assertEquals(Map.of(0, 5L, 1, 5L), committed(side, g), shift::toString);
    seen.add(List.of("reset", planned, committed(side, g)));

    // delete-offsets of one partition, then the group.
    Run delOffsets = tool(side, "group", "delete-offsets", g, "--topic", t + ":1").expectExit(0);
    assertEquals(Map.of(0, 5L), committed(side, g), delOffsets::toString);
    Run del = tool(side, "group", "delete", g, "--format", "json").expectExit(0);
    assertTrue(del.json().path("groups").get(0).path("deleted").asBoolean(), del::toString);
    Run listed = tool(side, "group", "list", "--format", "json").expectExit(0);
    assertTrue(find(listed.json().path("groups"), "group", g) == null, listed::toString);
    Run gone = tool(side, "group", "describe", g);
    gone.expectExit(1);
    assertTrue(gone.err.contains("GROUP_ID_NOT_FOUND"), gone::toString);
    assertEquals(Map.of(), committed(side, g));
    Run again = tool(side, "group", "delete", g);
    again.expectExit(1);
    assertTrue(again.err.contains("GROUP_ID_NOT_FOUND"), again::toString);
    seen.add(List.of("delete", del.exit, gone.exit, again.exit));
    tool(side, "topic", "delete", t).expectExit(0);
    return seen;
  }

  @Test
  void kip848ConsumerGroup() throws Exception {
    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) seen.put(side, kip848ConsumerGroup(side));
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA),
        "what the group tools saw of a KIP-848 group on Kafka vs samsa");
  }

  /** A group of the new consumer protocol (KIP-848, ConsumerGroupHeartbeat). */
  private List<Object> kip848ConsumerGroup(Side side) throws Exception {
    List<Object> seen = new ArrayList<>();
    String t = unique("ktopic");
    String g = unique("kgroup");
    createTopic(side, t, 2);
    produceTo(side, t, 0, 4);
    Properties p = clientProps(side);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, g);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cli-oracle-848");
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(t));
      int read = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (read < 4 || consumer.assignment().size() < 2) {
        if (System.nanoTime() > deadline) fail(side + ": KIP-848 consumer read " + read + " of 4");
        read += consumer.poll(Duration.ofMillis(300)).count();
      }
      consumer.commitSync(Duration.ofSeconds(30));
      Run live = toolUntil(side, r -> r.exit == 0 && r.json().path("groups").path(0)
              .path("members").path(0).path("assignment").size() == 2,
          "group", "describe", g, "--format", "json").expectExit(0);
      JsonNode lg = live.json().path("groups").get(0);
      assertEquals("consumer", lg.path("type").asText(), live::toString);
      assertEquals("Stable", lg.path("state").asText(), live::toString);
      assertEquals(1, lg.path("members").size(), live::toString);
      assertEquals("cli-oracle-848", lg.path("members").get(0).path("client_id").asText(),
          live::toString);
      assertEquals(Map.of(0, List.of(4L, 4L, 0L), 1, List.of(0L, 0L, 0L)), lags(lg), live::toString);
      Run consumers = tool(side, "group", "list", "--type", "consumer", "--format", "json").expectExit(0);
      assertNotNull(find(consumers.json().path("groups"), "group", g), consumers::toString);
      Run classics = tool(side, "group", "list", "--type", "classic", "--format", "json").expectExit(0);
      assertTrue(find(classics.json().path("groups"), "group", g) == null, classics::toString);
      Run refused = tool(side, "group", "reset-offsets", g, "--all-topics", "--to-earliest", "--execute");
      refused.expectExit(1);
      seen.add(List.of("live", lg.path("type").asText(), lg.path("state").asText(), lags(lg),
          refused.exit));
    }
    Run empty = toolUntil(side, r -> r.exit == 0
            && "Empty".equals(r.json().path("groups").path(0).path("state").asText()),
        "group", "describe", g, "--format", "json").expectExit(0);
    JsonNode eg = empty.json().path("groups").get(0);
    assertEquals("Empty", eg.path("state").asText(), empty::toString);
    assertEquals(0, eg.path("members").size(), empty::toString);
    tool(side, "group", "reset-offsets", g, "--all-topics", "--to-earliest", "--execute").expectExit(0);
    assertEquals(Map.of(0, 0L, 1, 0L), committed(side, g));
    tool(side, "group", "delete", g).expectExit(0);
    assertEquals(Map.of(), committed(side, g));
    seen.add(List.of("empty", eg.path("type").asText(), eg.path("state").asText(), lags(eg)));
    tool(side, "topic", "delete", t).expectExit(0);
    return seen;
  }

  // -------------------------------------------------------------- produce, consume

  @Test
  void produceAndConsume() throws Exception {
    Assumptions.assumeTrue(hasSubcommand("produce") && hasSubcommand("consume"),
        "this samsa build has no produce/consume tools");
    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) seen.put(side, produceAndConsume(side));
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA),
        "what produce/consume saw on Kafka vs samsa");
  }

  /**
   * samsa produce (keys, headers, every codec) and samsa consume (JSON, -e, -p, -o, -n, -K)
   * on one broker, cross-checked with Kafka's Java consumer; returns the keyed records'
   * partitions and values, which murmur2 makes the same on both brokers.
   */
  private List<Object> produceAndConsume(Side side) throws Exception {
    List<Object> seen = new ArrayList<>();
    String t = unique("pc");
    createTopic(side, t, 3);
    List<String[]> input = new ArrayList<>();  // key (null: none), value
    for (int i = 0; i < 12; i++) input.add(new String[] {"key-" + i, "value " + i});
    input.add(new String[] {"k-empty", ""});
    input.add(new String[] {"k-utf8", "h\u00e9llo w\u00f6rld \u2603"});
    input.add(new String[] {"k-colon", "a:b:c"});
    input.add(new String[] {null, "no key here"});
    StringBuilder stdin = new StringBuilder();
    for (String[] r : input) stdin.append(r[0] == null ? r[1] : r[0] + ":" + r[1]).append('\n');

    Run produced = toolIn(side, stdin.toString(), "produce", t, "-k", ":", "-H", "src=cli",
        "--format", "json").expectExit(0);
    JsonNode pj = produced.json();
    assertEquals(input.size(), pj.path("records").asInt(), produced::toString);
    int perPartition = 0;
    for (JsonNode p : pj.path("partitions")) perPartition += p.path("records").asInt();
    assertEquals(input.size(), perPartition, produced::toString);

    Run consumed = tool(side, "consume", t, "--format", "json", "-e").expectExit(0);
    List<JsonNode> lines = consumed.jsonLines();
    assertEquals(input.size(), lines.size(), consumed::toString);
    Map<String, List<Object>> byKey = new TreeMap<>();
    Map<String, JsonNode> cliRecords = new HashMap<>();
    for (JsonNode r : lines) {
      assertEquals(t, r.path("topic").asText(), consumed::toString);
      assertEquals("src", r.path("headers").path(0).path("key").asText(), consumed::toString);
      assertEquals("cli", r.path("headers").path(0).path("value").asText(), consumed::toString);
      String key = r.path("key").isNull() ? null : r.path("key").asText();
      cliRecords.put(r.path("partition").asInt() + "@" + r.path("offset").asLong(), r);
      if (key != null) byKey.put(key, List.of(r.path("partition").asInt(), r.path("value").asText()));
      else assertEquals("no key here", r.path("value").asText(), consumed::toString);
    }
    for (String[] r : input) {
      if (r[0] == null) continue;
      int expected = Utils.toPositive(Utils.murmur2(r[0].getBytes(StandardCharsets.UTF_8))) % 3;
      assertEquals(List.of(expected, r[1]), byKey.get(r[0]), "record " + r[0] + " on " + side);
    }

    // The Java consumer reads the same records at the same offsets.
    try (KafkaConsumer<String, String> c = consumer(side, null)) {
      List<TopicPartition> tps = List.of(new TopicPartition(t, 0), new TopicPartition(t, 1),
          new TopicPartition(t, 2));
      c.assign(tps);
      c.seekToBeginning(tps);
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.size() < input.size() && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(300)).forEach(got::add);
      }
      assertEquals(input.size(), got.size(), side + ": Java consumer records");
      for (ConsumerRecord<String, String> r : got) {
        JsonNode cli = cliRecords.get(r.partition() + "@" + r.offset());
        assertNotNull(cli, side + ": samsa consume lacks " + r);
        assertEquals(r.key(), cli.path("key").isNull() ? null : cli.path("key").asText(), cli::toString);
        assertEquals(r.value(), cli.path("value").asText(), cli::toString);
        assertEquals(r.timestamp(), cli.path("timestamp").asLong(), cli::toString);
        Header h = r.headers().lastHeader("src");
        assertNotNull(h, r::toString);
        assertEquals("cli", new String(h.value(), StandardCharsets.UTF_8));
      }
    }

    // -p, -o start and -n: the first two records of the fullest partition.
    Map<Integer, Integer> counts = new TreeMap<>();
    for (JsonNode r : lines) counts.merge(r.path("partition").asInt(), 1, Integer::sum);
    int p0 = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Run two = tool(side, "consume", t, "-p", String.valueOf(p0), "-o", "start", "-n", "2",
        "--format", "json").expectExit(0);
    List<JsonNode> twoLines = two.jsonLines();
    assertEquals(2, twoLines.size(), two::toString);
    assertEquals(0, twoLines.get(0).path("offset").asLong(), two::toString);
    assertEquals(1, twoLines.get(1).path("offset").asLong(), two::toString);
    Run text = tool(side, "consume", t, "-e", "-K", "--key-separator", "=").expectExit(0);
    assertTrue(text.out.lines().anyMatch(l -> l.equals("key-3=value 3")), text::toString);

    // Bytes that are not UTF-8 come out as base64; null keys, values and header values as null.
    String bin = unique("bin");
    createTopic(side, bin, 1);
    Properties bp = clientProps(side);
    bp.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> pr =
        new KafkaProducer<>(bp, new ByteArraySerializer(), new ByteArraySerializer())) {
      pr.send(new ProducerRecord<>(bin, 0, new byte[] {(byte) 0xff, (byte) 0xfe, 0}, null))
          .get(30, TimeUnit.SECONDS);
      ProducerRecord<byte[], byte[]> r2 =
          new ProducerRecord<>(bin, 0, null, new byte[] {(byte) 0xc3, (byte) 0x28});
      r2.headers().add("h", null);
      pr.send(r2).get(30, TimeUnit.SECONDS);
    }
    Run binary = tool(side, "consume", bin, "--format", "json", "-e").expectExit(0);
    List<JsonNode> bl = binary.jsonLines();
    assertEquals(2, bl.size(), binary::toString);
    assertEquals("//4A", bl.get(0).path("key").asText(), binary::toString);
    assertEquals("base64", bl.get(0).path("key_encoding").asText(), binary::toString);
    assertTrue(bl.get(0).path("value").isNull(), binary::toString);
    assertTrue(bl.get(1).path("key").isNull(), binary::toString);
    assertEquals("wyg=", bl.get(1).path("value").asText(), binary::toString);
    assertEquals("base64", bl.get(1).path("value_encoding").asText(), binary::toString);
    assertEquals("h", bl.get(1).path("headers").path(0).path("key").asText(), binary::toString);
    assertTrue(bl.get(1).path("headers").path(0).path("value").isNull(), binary::toString);
    tool(side, "topic", "delete", bin).expectExit(0);

    // Every codec: Kafka checks the batches it stores, the Java consumer decodes them.
    String z = unique("codec");
    createTopic(side, z, 1);
    List<String> codecs = List.of("none", "gzip", "snappy", "lz4", "zstd");
    for (String codec : codecs) {
      toolIn(side, codec + "-1\n" + codec + "-2\n", "produce", z, "-z", codec).expectExit(0);
    }
    List<String> decoded = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer(side, null)) {
      TopicPartition zp = new TopicPartition(z, 0);
      c.assign(List.of(zp));
      c.seekToBeginning(List.of(zp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (decoded.size() < 2 * codecs.size() && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(300)).forEach(r -> decoded.add(r.value()));
      }
    }
    List<String> expected = new ArrayList<>();
    for (String codec : codecs) expected.addAll(List.of(codec + "-1", codec + "-2"));
    assertEquals(expected, decoded, side + ": records of every codec, read by the Java consumer");
    List<String> viaCli = new ArrayList<>();
    tool(side, "consume", z, "--format", "json", "-e").expectExit(0).jsonLines()
        .forEach(r -> viaCli.add(r.path("value").asText()));
    assertEquals(expected, viaCli, side + ": records of every codec, read by samsa consume");
    tool(side, "topic", "delete", z).expectExit(0);

    Run noTopic = toolIn(side, "x\n", "produce", unique("absent"));
    noTopic.expectExit(1);
    seen.add(List.of(pj.path("records").asInt(), byKey, twoLines.size(), noTopic.exit));
    tool(side, "topic", "delete", t).expectExit(0);
    return seen;
  }

  // ------------------------------------------------------------- consume -g (groups)

  @Test
  void groupConsume() throws Exception {
    Run help = tool(null, List.of("consume", "--help"));
    Assumptions.assumeTrue(help.out.contains("--group"), "this samsa build has no consume -g");
    Map<Side, List<Object>> seen = new HashMap<>();
    for (Side side : Side.values()) seen.put(side, groupConsume(side));
    assertEquals(seen.get(Side.KAFKA), seen.get(Side.SAMSA),
        "what samsa consume -g saw on Kafka vs samsa");
  }

  static String at(JsonNode record) {
    return record.path("partition").asInt() + "@" + record.path("offset").asLong();
  }

  static JsonNode firstGroup(Run describe) {
    return describe.json().path("groups").path(0);
  }

  /**
   * samsa consume -g as a member of a classic group: a run with -n commits what it printed
   * and leaves the group at once; the next run resumes there, no record twice. Then it leads
   * a group that Kafka's Java consumer joins: the range assignment samsa computed gives each
   * one partition, and every record is read once in total.
   */
  private List<Object> groupConsume(Side side) throws Exception {
    List<Object> seen = new ArrayList<>();
    String t = unique("gc");
    String g = unique("gcgroup");
    createTopic(side, t, 2);
    produceTo(side, t, 0, 5);
    produceTo(side, t, 1, 5);

    Run first = tool(side, "consume", t, "-g", g, "-o", "start", "-n", "6", "--format", "json")
        .expectExit(0);
    List<JsonNode> a = first.jsonLines();
    assertEquals(6, a.size(), first::toString);
    Map<Integer, Long> printed = new TreeMap<>(Map.of(0, 0L, 1, 0L));
    for (JsonNode r : a) printed.merge(r.path("partition").asInt(), 1L, Long::sum);
    assertEquals(printed, committed(side, g), "committed after -n 6 on " + side);
    JsonNode left = firstGroup(tool(side, "group", "describe", g, "--format", "json").expectExit(0));
    assertEquals("Empty", left.path("state").asText(), left::toString);
    assertEquals(0, left.path("members").size(), left::toString);
    Run second = tool(side, "consume", t, "-g", g, "-e", "--format", "json").expectExit(0);
    Set<String> once = new TreeSet<>();
    for (JsonNode r : a) assertTrue(once.add(at(r)), first::toString);
    for (JsonNode r : second.jsonLines()) assertTrue(once.add(at(r)), "again: " + second);
    assertEquals(10, once.size(), second::toString);
    assertEquals(Map.of(0, 5L, 1, 5L), committed(side, g), "committed after the rerun on " + side);
    seen.add(List.of("resume", a.size(), second.jsonLines().size(), committed(side, g)));

    String g2 = unique("gcmixed");
    Path out = Files.createTempFile("samsa-gc-out-", ".jsonl");
    Path err = Files.createTempFile("samsa-gc-err-", ".txt");
    Process member = startTool(side, out, err, "consume", t, "-g", g2, "-o", "start", "--format",
        "json");
    Set<String> javaRead = new TreeSet<>();
    Set<Integer> javaOwns = new TreeSet<>();
    int exit;
    try {
      // samsa joins first, so it leads the group and assigns for both members.
      toolUntil(side, r -> r.exit == 0 && "Stable".equals(firstGroup(r).path("state").asText())
          && firstGroup(r).path("members").size() == 1, "group", "describe", g2, "--format", "json")
          .expectExit(0);
      try (KafkaConsumer<String, String> java = consumer(side, g2)) {
        java.subscribe(List.of(t));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (java.assignment().isEmpty()) {
          if (System.nanoTime() > deadline) fail(side + ": the Java consumer got no partition");
          java.poll(Duration.ofMillis(200)).forEach(r -> javaRead.add(r.partition() + "@" + r.offset()));
        }
        java.assignment().forEach(tp -> javaOwns.add(tp.partition()));
        assertEquals(1, javaOwns.size(), "range over 2 partitions and 2 members on " + side);
        Run live = toolUntil(side, r -> r.exit == 0
                && "Stable".equals(firstGroup(r).path("state").asText())
                && firstGroup(r).path("members").size() == 2,
            "group", "describe", g2, "--format", "json").expectExit(0);
        assertEquals("range", firstGroup(live).path("assignor").asText(), live::toString);
        produceTo(side, t, 0, 3);
        produceTo(side, t, 1, 3);
        int javaPartition = javaOwns.iterator().next();
        int samsaPartition = 1 - javaPartition;
        while (!(javaRead.containsAll(List.of(javaPartition + "@5", javaPartition + "@6",
                javaPartition + "@7"))
            && Files.readString(out).contains("\"partition\":" + samsaPartition
                + ",\"offset\":7,"))) {
          if (System.nanoTime() > deadline) {
            fail(side + ": Java read " + javaRead + ", samsa printed " + Files.readString(out));
          }
          java.poll(Duration.ofMillis(200)).forEach(r -> javaRead.add(r.partition() + "@" + r.offset()));
        }
        java.commitSync(Duration.ofSeconds(30));
        member.destroy();  // SIGTERM: samsa commits and leaves
        if (!member.waitFor(30, TimeUnit.SECONDS)) fail(side + ": samsa consume -g ignored SIGTERM");
        exit = member.exitValue();
      }
      assertEquals(0, exit, () -> side + ": exit code, stderr " + readQuietly(err));
      Set<String> samsaRead = new TreeSet<>();
      for (String line : Files.readAllLines(out)) {
        if (line.isBlank()) continue;
        JsonNode r = JSON.readTree(line);
        assertTrue(samsaRead.add(at(r)), "samsa printed twice: " + line);
      }
      Set<String> all = new TreeSet<>(samsaRead);
      for (String k : javaRead) assertTrue(all.add(k), side + ": read by both: " + k);
      assertEquals(16, all.size(), side + ": samsa " + samsaRead + ", Java " + javaRead);
      // The records added after the split went to each partition's owner.
      for (int p = 0; p < 2; p++) {
        Set<String> owner = javaOwns.contains(p) ? javaRead : samsaRead;
        for (int o = 5; o < 8; o++) assertTrue(owner.contains(p + "@" + o), side + ": " + p + "@" + o);
      }
      seen.add(List.of("mixed", javaOwns.size(), all.size(), exit));
    } finally {
      if (member.isAlive()) member.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
    tool(side, "topic", "delete", t).expectExit(0);
    return seen;
  }

  static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
