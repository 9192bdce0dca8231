package dev.samsa.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.oracle.KafkaBroker;
import dev.samsa.test.SamsaBroker;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Moving off samsa: MirrorMaker 2 (dedicated mode, its own JVM) replicates a topic and a
 * consumer group's committed offsets from samsa to a real Apache Kafka broker, and the group,
 * switched to Kafka, resumes exactly where it stopped on samsa.
 *
 * <p>The order is the one a user follows: producers keep writing to samsa while MM2 runs;
 * the consumers stop on samsa, MM2 syncs their offsets to Kafka, the consumers start on
 * Kafka; the producers move last. IdentityReplicationPolicy keeps the topic's name, so the
 * applications change only bootstrap.servers.
 *
 * <p>MM2's offset translation is exact when an offset sync exists at the record just before
 * the group's committed offset, else conservative (at-least-once: it never skips a record,
 * it may re-deliver up to offset.lag.max of them). offset.lag.max=0 makes MM2 emit a sync
 * for the last record it replicated; the group here committed at the log end before MM2 ran,
 * and its offsets are awaited on Kafka before more records arrive, so the translation is
 * exact and the test asserts no loss and no re-delivery.
 *
 * <p>MM2's log (WARN; INFO with -DargLine=-Dmigration.mm2.loglevel=info) must have no ERROR:
 * on its defaults MM2 logs one per sync.topic.acls.interval.seconds because samsa does not
 * support DescribeAcls, so topic ACL sync is off here. SAMSA_KEEP_TMP=1 keeps mm2.log.
 */
class MirrorMakerTest {
  private static final String TOPIC = "orders";
  private static final String GROUP = "billing";
  private static final int PARTITIONS = 3;
  private static final int N = 600;
  private static final int CONSUMED_ON_SAMSA = N * 6 / 10;
  private static final Duration DEADLINE = Duration.ofSeconds(120);

  private SamsaBroker samsa;
  private KafkaBroker kafka;
  private Process mm2;
  private Path mm2Dir;

  @AfterEach
  void tearDown() throws Exception {
    stopMirrorMaker();
    if (kafka != null) kafka.close();
    if (samsa != null) samsa.close();
    if (mm2Dir != null && !"1".equals(System.getenv("SAMSA_KEEP_TMP"))) {
      try (Stream<Path> paths = Files.walk(mm2Dir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void topicAndGroupOffsetsMoveToKafkaAndTheGroupResumesExactly() throws Exception {
    long t0 = System.nanoTime();
    samsa = SamsaBroker.start();
    kafka = KafkaBroker.start(Uuid.randomUuid().toString(), List.of());
    String kafkaBootstrap = "127.0.0.1:" + kafka.port();
    System.out.printf("migration: samsa %s, Kafka %s, up in %d ms%n", samsa.bootstrap(),
        kafkaBootstrap, ms(t0));

    // 1. On samsa: a topic, the first 60% of the records, a group that consumes them all,
    // commits and stops.
    try (Admin admin = admin(samsa.bootstrap())) {
      admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
    }
    produce(samsa.bootstrap(), 0, CONSUMED_ON_SAMSA);
    List<String> consumedOnSamsa = new ArrayList<>();
    Map<TopicPartition, Long> committed = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer(samsa.bootstrap(), GROUP, "earliest")) {
      c.subscribe(List.of(TOPIC));
      await("group consumes " + CONSUMED_ON_SAMSA + " records on samsa", () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          consumedOnSamsa.add(r.value());
        }
        return consumedOnSamsa.size() >= CONSUMED_ON_SAMSA;
      });
      c.commitSync();
      for (TopicPartition tp : c.assignment()) committed.put(tp, c.position(tp));
    }
    assertEquals(CONSUMED_ON_SAMSA, consumedOnSamsa.size());
    System.out.printf("migration: group %s committed %s on samsa%n", GROUP, committed);

    // 2. MM2 samsa -> kafka; the group's offsets appear on Kafka, translated.
    long tMm2 = System.nanoTime();
    startMirrorMaker(samsa.bootstrap(), kafkaBootstrap);
    try (Admin admin = admin(kafkaBootstrap)) {
      await("group " + GROUP + "'s offsets synced to Kafka", () -> {
        Map<TopicPartition, OffsetAndMetadata> got = groupOffsets(admin);
        return got.size() == PARTITIONS && committed.entrySet().stream()
            .allMatch(e -> got.get(e.getKey()) != null
                && got.get(e.getKey()).offset() >= e.getValue());
      });
      Map<TopicPartition, Long> synced = groupOffsets(admin).entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      System.out.printf("migration: offsets synced to Kafka after %d ms: %s%n", ms(tMm2),
          synced);
      // Same offsets: samsa's and Kafka's logs both start at 0 with no gaps.
      assertEquals(committed, synced, "translated group offsets on Kafka");

      // Producers still write to samsa while MM2 runs: the other 40% follow live.
      produce(samsa.bootstrap(), CONSUMED_ON_SAMSA, N);
      Map<TopicPartition, Long> samsaEnds = endOffsets(samsa.bootstrap());
      await("all " + N + " records on Kafka",
          () -> endOffsets(kafkaBootstrap).equals(samsaEnds));
      TopicDescription d = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
      assertEquals(PARTITIONS, d.partitions().size(), "partitions of the replicated topic");
    }
    System.out.printf("migration: all %d records on Kafka after %d ms of MM2%n", N, ms(tMm2));

    // Every record on Kafka as on samsa: key, value, headers, timestamp, order per partition.
    Map<Integer, List<String>> onSamsa = readAll(samsa.bootstrap());
    Map<Integer, List<String>> onKafka = readAll(kafkaBootstrap);
    assertEquals(onSamsa, onKafka, "records per partition, samsa vs Kafka");
    assertEquals(N, onKafka.values().stream().mapToInt(List::size).sum());

    // 3. The group on Kafka: the same id, the same topic name; it resumes at the next record.
    List<String> consumedOnKafka = new ArrayList<>();
    // auto.offset.reset=none: the group must find its synced offsets, nothing to fall back on.
    try (KafkaConsumer<String, String> c = consumer(kafkaBootstrap, GROUP, "none")) {
      c.subscribe(List.of(TOPIC));
      Map<TopicPartition, Long> ends = endOffsets(kafkaBootstrap);
      await("group consumes the rest on Kafka", () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          consumedOnKafka.add(r.value());
        }
        return c.assignment().size() == PARTITIONS
            && c.assignment().stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
      });
      c.commitSync();
    }
    List<String> expectedRest = new ArrayList<>();
    for (int i = CONSUMED_ON_SAMSA; i < N; i++) expectedRest.add(value(i));
    List<String> sortedRest = new ArrayList<>(consumedOnKafka);
    sortedRest.sort(Comparator.comparingInt(v -> Integer.parseInt(v.substring(6))));
    assertEquals(expectedRest, sortedRest,
        "on Kafka the group gets exactly the records it had not consumed on samsa");

    // 4. What MM2 logged against samsa.
    stopMirrorMaker();
    List<String> problems = mm2Problems();
    problems.forEach(l -> System.out.println("migration: MM2 log: " + l));
    System.out.printf("migration: done in %d ms%n", ms(t0));
    assertTrue(problems.stream().noneMatch(l -> l.contains(" ERROR ")),
        "MM2 logged errors:\n" + String.join("\n", problems));
  }

  // --- MirrorMaker 2 ---

  static final List<String> MM2_PROPERTIES = List.of(
      "clusters = samsa, kafka",
      "samsa->kafka.enabled = true",
      "samsa->kafka.topics = " + TOPIC,
      "samsa->kafka.groups = " + GROUP,
      // Nothing flows back, and MM2 writes no heartbeats into samsa.
      "kafka->samsa.enabled = false",
      "kafka->samsa.emit.heartbeats.enabled = false",
      // MM2 copies topic ACLs by default: samsa has no ACLs (DescribeAcls is unsupported).
      "sync.topic.acls.enabled = false",
      // Same topic names on Kafka: the applications change only bootstrap.servers.
      "replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
      "sync.group.offsets.enabled = true",
      "sync.group.offsets.interval.seconds = 1",
      "emit.checkpoints.interval.seconds = 1",
      "emit.heartbeats.interval.seconds = 1",
      "refresh.topics.interval.seconds = 1",
      "refresh.groups.interval.seconds = 1",
      // An offset sync for every record: exact translation of a stopped group's offsets.
      "offset.lag.max = 0",
      // MM2 emits offset syncs only after the Connect worker commits the source offsets
      // (every 60 s by default). In dedicated mode the worker of the flow samsa->kafka takes
      // its settings from the target cluster's prefix.
      "kafka.offset.flush.interval.ms = 1000",
      "tasks.max = 1",
      // One broker on each side.
      "replication.factor = 1",
      "checkpoints.topic.replication.factor = 1",
      "heartbeats.topic.replication.factor = 1",
      "offset-syncs.topic.replication.factor = 1",
      "offset.storage.replication.factor = 1",
      "config.storage.replication.factor = 1",
      "status.storage.replication.factor = 1");

  private void startMirrorMaker(String samsaBootstrap, String kafkaBootstrap) throws IOException {
    mm2Dir = Files.createTempDirectory("samsa-mm2-");
    Path props = mm2Dir.resolve("mm2.properties");
    List<String> lines = new ArrayList<>(List.of(
        "samsa.bootstrap.servers = " + samsaBootstrap,
        "kafka.bootstrap.servers = " + kafkaBootstrap));
    lines.addAll(MM2_PROPERTIES);
    Files.write(props, lines, StandardCharsets.UTF_8);
    Path log4j = mm2Dir.resolve("log4j2.properties");
    Files.writeString(log4j, String.join("\n",
        "status = error",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = " + mm2Log(),
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = [%d] %p %m (%c)%n",
        "rootLogger.level = " + System.getProperty("migration.mm2.loglevel", "warn"),
        "rootLogger.appenderRef.file.ref = file",
        ""), StandardCharsets.UTF_8);
    List<String> cmd = List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dlog4j2.configurationFile=" + log4j,
        "-cp", readClasspath(),
        "org.apache.kafka.connect.mirror.MirrorMaker", props.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(mm2Log().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("KAFKA_"));
    mm2 = pb.start();
    Process p = mm2;
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
  }

  private void stopMirrorMaker() throws InterruptedException {
    Process p = mm2;
    mm2 = null;
    if (p == null) return;
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
  }

  private Path mm2Log() {
    return mm2Dir.resolve("mm2.log");
  }

  private String mm2LogText() {
    try {
      return mm2Dir == null || !Files.exists(mm2Log()) ? "" : Files.readString(mm2Log());
    } catch (IOException e) {
      return "(cannot read MM2's log: " + e + ")";
    }
  }

  /** MM2's WARN and ERROR lines (its log is at WARN), stack traces left out. */
  private List<String> mm2Problems() {
    return mm2LogText().lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
        .collect(Collectors.toList());
  }

  private static String readClasspath() throws IOException {
    String file = System.getProperty("migration.mm2.classpath.file");
    Path path = file != null && !file.isBlank() && !file.startsWith("${")
        ? Paths.get(file) : Paths.get("target", "mm2-classpath.txt");
    if (!Files.exists(path)) {
      throw new IllegalStateException("no MM2 classpath at " + path + "; build this module");
    }
    return Files.readString(path, StandardCharsets.UTF_8).trim();
  }

  // --- clients ---

  private static String value(int i) {
    return "value-" + i;
  }

  private static void produce(String bootstrap, int from, int to) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = from; i < to; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(TOPIC, "key-" + (i % 37), value(i));
        r.headers().add("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8));
        r.headers().add("origin", "samsa".getBytes(StandardCharsets.UTF_8));
        producer.send(r);
      }
      producer.flush();
    }
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, String group,
      String autoOffsetReset) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, autoOffsetReset);
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
  }

  private static Map<TopicPartition, OffsetAndMetadata> groupOffsets(Admin admin) {
    try {
      return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
    } catch (Exception e) {
      return Map.of();
    }
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap) {
    try (KafkaConsumer<String, String> c = consumer(bootstrap, null, "earliest")) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) tps.add(new TopicPartition(TOPIC, i));
      return new HashMap<>(c.endOffsets(tps, Duration.ofSeconds(10)));
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  /** Partition -> its records in order, as "offset key value headers timestamp". */
  private Map<Integer, List<String>> readAll(String bootstrap) throws Exception {
    Map<TopicPartition, Long> ends = endOffsets(bootstrap);
    Map<Integer, List<String>> out = new HashMap<>();
    try (KafkaConsumer<String, String> c = consumer(bootstrap, null, "earliest")) {
      c.assign(ends.keySet());
      c.seekToBeginning(ends.keySet());
      await("read all of " + bootstrap, () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          StringBuilder h = new StringBuilder();
          for (Header x : r.headers()) {
            h.append(x.key()).append('=').append(new String(x.value(), StandardCharsets.UTF_8))
                .append(';');
          }
          out.computeIfAbsent(r.partition(), k -> new ArrayList<>())
              .add(r.offset() + " " + r.key() + " " + r.value() + " " + h + " " + r.timestamp());
        }
        return ends.keySet().stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
      });
    }
    return out;
  }

  private void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!done.getAsBoolean()) {
      if (mm2 != null && !mm2.isAlive()) {
        fail("MM2 exited with " + mm2.exitValue() + " while awaiting: " + what + "\n"
            + mm2LogText());
      }
      if (System.nanoTime() > deadline) {
        fail("not within " + DEADLINE + ": " + what + "\nMM2's log:\n" + mm2LogText());
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static long ms(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
