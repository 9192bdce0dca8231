package dev.samsa.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams exactly-once (processing.guarantee=exactly_once_v2) on samsa: a word count
 * with a repartition topic (groupBy), a RocksDB store with its changelog, and an output
 * topic, committed every 100 ms by two stream threads (two transactional producers). Every
 * line is deterministic (seeded per wave), so the expected count of each word is known; a
 * read_committed consumer of the output must see exactly those counts as the last value per
 * word, and each word's committed values must rise strictly (a repeated or falling value is
 * a count applied twice or lost). The store (interactive queries) must hold the same counts,
 * and once the application is closed no transaction may be left open (LSO = high watermark).
 *
 * <p>The crash test kills samsa (SIGKILL) twice while Streams is in the middle of a wave and
 * starts it again on the same data directory; the application recovers on its own (stream
 * thread failures would be answered with REPLACE_THREAD). The first outage (1 s) is shorter
 * than the transaction timeout: the open transactions go on. The second (7 s) outlives it:
 * the restarted coordinator aborts them, which fences the producers; Streams then rejoins
 * the group and rebuilds its tasks from the committed state. Between the two crashes the
 * application instance is replaced by a new one with the same application.id and an empty
 * state directory, which restores its store from the changelog.
 *
 * <p>External broker (SAMSA_BOOTSTRAP, e.g. a real Kafka from the oracle's KafkaBroker
 * main): the plain test runs as is; the crash test skips its broker kills (it still
 * replaces the application instance).
 */
class StreamsExactlyOnceTest {
  private static final String RUN = Long.toString(System.nanoTime() % 100000, 36);
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final int PARTITIONS = 3;
  private static final String STORE = "counts";
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int TXN_TIMEOUT_MS = 5000;
  private static final String[] VOCABULARY = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliett", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"
  };

  @TempDir Path tmp;

  private static String unique(String prefix) {
    return prefix + "-" + RUN + "-" + SEQ.incrementAndGet();
  }

  private static void log(String message) {
    System.err.printf("%tT.%<tL StreamsExactlyOnceTest: %s%n", System.currentTimeMillis(), message);
  }

  // ---------------------------------------------------------------- the data

  /** Wave w's lines: 1 to 8 words each, skewed towards the start of the vocabulary. */
  private static List<String> wave(int w, int lines) {
    Random random = new Random(7919L * w + 17);
    List<String> out = new ArrayList<>(lines);
    for (int i = 0; i < lines; i++) {
      int words = 1 + random.nextInt(8);
      StringBuilder line = new StringBuilder();
      for (int j = 0; j < words; j++) {
        int a = random.nextInt(VOCABULARY.length);
        int b = random.nextInt(VOCABULARY.length);
        if (j > 0) line.append(' ');
        line.append(VOCABULARY[Math.min(a, b)]);
      }
      out.add(line.toString());
    }
    return out;
  }

  private static void count(List<String> lines, Map<String, Long> into) {
    for (String line : lines) {
      for (String word : line.split(" ")) into.merge(word, 1L, Long::sum);
    }
  }

  private static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  // ---------------------------------------------------------------- the application

  private static Properties streamsProps(String bootstrap, String applicationId, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    // Two threads: two transactional producers, and tasks that move between them.
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    // A member that vanished (a closed instance) is noticed in 10 s, not the default 45 s.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
    // Streams' own default is 10 s; shorter, so that a long broker outage outlives the
    // open transactions (see the crash test).
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TXN_TIMEOUT_MS);
    return p;
  }

  /** input lines -> words -> repartition by word -> count (store + changelog) -> output. */
  private static StreamsBuilder wordCount(String input, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.split(" ")))
        .groupBy((key, word) -> word, Grouped.with(STORE, Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return builder;
  }

  /** One Streams instance with its state history, thread replacements and failures. */
  private static final class App implements AutoCloseable {
    final String name;
    final KafkaStreams streams;
    final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger replacedThreads = new AtomicInteger();
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    volatile boolean closed;

    App(String name, StreamsBuilder builder, Properties props) {
      this.name = name;
      this.streams = new KafkaStreams(builder.build(), props);
      streams.setStateListener((now, before) -> {
        transitions.add(before + "->" + now);
        log(name + ": " + before + " -> " + now);
      });
      streams.setUncaughtExceptionHandler(e -> {
        failures.add(e);
        int n = replacedThreads.incrementAndGet();
        log(name + ": stream thread failed (" + e + "); replacing it (#" + n + ")");
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      });
      streams.start();
    }

    void awaitRunning(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (streams.state() != KafkaStreams.State.RUNNING) {
        KafkaStreams.State s = streams.state();
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
            || s == KafkaStreams.State.PENDING_ERROR) {
          fail(name + " is " + s + " (transitions " + transitions + ", failures " + failures + ")");
        }
        if (System.nanoTime() > deadline) {
          fail(name + " not RUNNING after " + timeout + ": " + s + " (transitions "
              + transitions + ")");
        }
        Thread.sleep(50);
      }
    }

    /** The store's whole content, through interactive queries (all tasks are here). */
    Map<String, Long> storeContents() throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        try {
          ReadOnlyKeyValueStore<String, Long> store = streams.store(
              StoreQueryParameters.fromNameAndType(
                  STORE, QueryableStoreTypes.<String, Long>keyValueStore()));
          Map<String, Long> out = new TreeMap<>();
          try (KeyValueIterator<String, Long> it = store.all()) {
            while (it.hasNext()) {
              KeyValue<String, Long> kv = it.next();
              out.put(kv.key, kv.value);
            }
          }
          return out;
        } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
          if (System.nanoTime() > deadline) throw e; // migrating or restoring: retry
          Thread.sleep(100);
        }
      }
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      // Leave the group: the next instance needs not wait for this one's session to expire.
      boolean done = streams.close(CloseOptions.timeout(Duration.ofSeconds(60))
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      log(name + ": closed (" + (done ? "cleanly" : "close timed out") + "), transitions "
          + transitions + ", " + replacedThreads + " replaced thread(s)");
    }
  }

  /**
   * Asserts that {@code actual} answers {@code expected} within {@link #WAIT}: for what
   * settles a little after the output does (the store while tasks restore or move; the
   * group's offsets, which the transaction markers reach a moment after the output's).
   */
  private static <T> void awaitEquals(T expected, Callable<T> actual, String what)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    T last = actual.call();
    while (!expected.equals(last) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      last = actual.call();
    }
    assertEquals(expected, last, what);
  }

  // ---------------------------------------------------------------- clients

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return Admin.create(p);
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000);
    return new KafkaProducer<>(p);
  }

  /** Produces a wave (keys "w<wave>-<line>"), all acknowledged before it returns. */
  private static void produce(String bootstrap, String topic, int w, List<String> lines)
      throws Exception {
    try (KafkaProducer<String, String> producer = producer(bootstrap)) {
      List<java.util.concurrent.Future<?>> acks = new ArrayList<>(lines.size());
      for (int i = 0; i < lines.size(); i++) {
        acks.add(producer.send(new ProducerRecord<>(topic, "w" + w + "-" + i, lines.get(i))));
      }
      producer.flush();
      for (java.util.concurrent.Future<?> ack : acks) ack.get(60, TimeUnit.SECONDS);
    }
    log("wave " + w + ": " + lines.size() + " lines produced");
  }

  private static void createTopics(Admin admin, String... names) throws Exception {
    List<NewTopic> topics = new ArrayList<>();
    for (String n : names) topics.add(new NewTopic(n, PARTITIONS, (short) 1));
    admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
  }

  /**
   * The output as a read_committed consumer sees it, read until the last value of every word
   * equals {@code expected} (or the time runs out). Fails at once when a count goes beyond
   * the expected one or a word's committed values do not rise strictly: a double count.
   */
  private static Map<String, Long> awaitCommittedCounts(
      String bootstrap, String output, Map<String, Long> expected, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, LongDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, Long> last = new TreeMap<>();
    long records = 0;
    try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (int i = 0; i < PARTITIONS; i++) parts.add(new TopicPartition(output, i));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!last.equals(expected)) {
        if (System.nanoTime() > deadline) {
          fail("read_committed output after " + timeout + " (" + records + " records):\n  got      "
              + last + " (sum " + total(last) + ")\n  expected " + expected + " (sum "
              + total(expected) + ")");
        }
        for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
          records++;
          Long before = last.put(r.key(), r.value());
          Long want = expected.get(r.key());
          if (want == null || r.value() > want) {
            fail("read_committed output counts " + r.key() + " = " + r.value() + " at "
                + r.topic() + "-" + r.partition() + "@" + r.offset() + ", expected at most "
                + want + ": a word counted twice");
          }
          if (before != null && r.value() <= before) {
            fail("read_committed output: " + r.key() + " went from " + before + " to "
                + r.value() + " at " + r.topic() + "-" + r.partition() + "@" + r.offset());
          }
        }
      }
    }
    log("read_committed output: " + records + " records, final counts exact (sum "
        + total(last) + ")");
    return last;
  }

  /** Sum of the application's committed input offsets (its progress), or -1 if none yet. */
  private static long committedInput(Admin admin, String applicationId, String input)
      throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(applicationId)
        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
    long sum = -1;
    for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
      if (e.getKey().topic().equals(input) && e.getValue() != null) {
        sum = Math.max(sum, 0) + e.getValue().offset();
      }
    }
    return sum;
  }

  /** Waits until the application committed more than {@code threshold} input records. */
  private static long awaitProgress(Admin admin, String applicationId, String input,
      long threshold) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      long done = committedInput(admin, applicationId, input);
      if (done > threshold) return done;
      if (System.nanoTime() > deadline) {
        fail(applicationId + " committed " + done + " input records after " + WAIT
            + ", expected more than " + threshold);
      }
      Thread.sleep(20);
    }
  }

  /**
   * After the applications closed, no transaction may be left open: on every partition of the
   * output, the changelog and the repartition topic the last stable offset (read_committed's
   * end) must reach the high watermark. A transaction a crash left behind is ended by its
   * producer or, at the latest, by the coordinator's timeout (Streams: 10 s).
   */
  private static void assertNoOpenTransactions(Admin admin, String applicationId, String output)
      throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (String topic : List.of(output, applicationId + "-" + STORE + "-changelog",
        applicationId + "-" + STORE + "-repartition")) {
      for (int i = 0; i < PARTITIONS; i++) {
        latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Map<TopicPartition, ListOffsetsResultInfo> hw = admin.listOffsets(latest,
          new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResultInfo> lso = admin.listOffsets(latest,
          new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
      Map<TopicPartition, String> open =
          new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
      for (TopicPartition tp : latest.keySet()) {
        if (lso.get(tp).offset() != hw.get(tp).offset()) {
          open.put(tp, "LSO " + lso.get(tp).offset() + " < HW " + hw.get(tp).offset());
        }
      }
      if (open.isEmpty()) return;
      if (System.nanoTime() > deadline) {
        fail("transactions still open after the applications closed: " + open);
      }
      Thread.sleep(500);
    }
  }

  /**
   * For the log: how many records each of the application's topics holds in all, and how
   * many of them read_committed skips (aborted). Shows which recovery path a crash took.
   */
  private static void logAborted(String bootstrap, String applicationId, String output) {
    for (String topic : List.of(output, applicationId + "-" + STORE + "-repartition",
        applicationId + "-" + STORE + "-changelog")) {
      long[] counts = new long[2];
      for (int k = 0; k < 2; k++) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            k == 0 ? "read_uncommitted" : "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
          List<TopicPartition> parts = new ArrayList<>();
          for (int i = 0; i < PARTITIONS; i++) parts.add(new TopicPartition(topic, i));
          consumer.assign(parts);
          consumer.seekToBeginning(parts);
          Map<TopicPartition, Long> end = consumer.endOffsets(parts);
          long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
              && System.nanoTime() < deadline) {
            counts[k] += consumer.poll(Duration.ofMillis(200)).count();
          }
        }
      }
      log(topic + ": " + counts[0] + " data records, " + counts[1] + " committed, "
          + (counts[0] - counts[1]) + " aborted");
    }
  }

  private static void assertInternalTopics(Admin admin, String applicationId) throws Exception {
    Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    String changelog = applicationId + "-" + STORE + "-changelog";
    String repartition = applicationId + "-" + STORE + "-repartition";
    assertTrue(names.contains(changelog), "no changelog topic " + changelog + " in " + names);
    assertTrue(names.contains(repartition), "no repartition topic " + repartition + " in " + names);
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void wordCountIsExact() throws Exception {
    long started = System.nanoTime();
    try (SamsaBroker broker = SamsaBroker.start(); Admin admin = admin(broker.bootstrap())) {
      String bootstrap = broker.bootstrap();
      String input = unique("wc-in");
      String output = unique("wc-out");
      String applicationId = unique("wc-app");
      createTopics(admin, input, output);
      Map<String, Long> expected = new TreeMap<>();
      try (App app = new App("app", wordCount(input, output),
          streamsProps(bootstrap, applicationId, tmp.resolve("state")))) {
        app.awaitRunning(WAIT);
        for (int w = 1; w <= 3; w++) {
          List<String> lines = wave(w, 1000);
          produce(bootstrap, input, w, lines);
          count(lines, expected);
        }
        Map<String, Long> got = awaitCommittedCounts(bootstrap, output, expected, WAIT);
        assertEquals(expected, got);
        awaitEquals(expected, app::storeContents, "the state store");
        assertInternalTopics(admin, applicationId);
        assertEquals(0, app.failures.size(), "stream thread failures: " + app.failures);
        app.close();
        assertNoOpenTransactions(admin, applicationId, output);
      }
    }
    log("wordCountIsExact: " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
  }

  @Test
  void wordCountIsExactThroughBrokerCrashesAndAnAppRestart() throws Exception {
    long started = System.nanoTime();
    try (SamsaBroker broker = SamsaBroker.builder()
            .override("transaction.abort.timed.out.transaction.cleanup.interval.ms", "100")
            .start();
        Admin admin = admin(broker.bootstrap())) {
      boolean crashes = !broker.isExternal();
      if (!crashes) log("external broker: the broker kills are skipped");
      String bootstrap = broker.bootstrap();
      String input = unique("wc-in");
      String output = unique("wc-out");
      String applicationId = unique("wc-app");
      createTopics(admin, input, output);
      Map<String, Long> expected = new TreeMap<>();
      long produced = 0;
      int[] sizes = {1500, 4000, 1500, 4000, 1500};
      List<List<String>> waves = new ArrayList<>();
      for (int w = 1; w <= sizes.length; w++) waves.add(wave(w, sizes[w - 1]));

      // Instance 1: wave 1, then wave 2 with a broker crash in its middle, then wave 3.
      App first = new App("app-1", wordCount(input, output),
          streamsProps(bootstrap, applicationId, tmp.resolve("state-1")));
      try {
        first.awaitRunning(WAIT);
        produce(bootstrap, input, 1, waves.get(0));
        count(waves.get(0), expected);
        produced += sizes[0];
        produce(bootstrap, input, 2, waves.get(1));
        count(waves.get(1), expected);
        if (crashes) {
          // Short: the open transactions go on once the broker is back.
          crash(broker, admin, applicationId, input, produced, produced + sizes[1],
              Duration.ofSeconds(1));
        }
        produced += sizes[1];
        first.awaitRunning(WAIT);
        produce(bootstrap, input, 3, waves.get(2));
        count(waves.get(2), expected);
        produced += sizes[2];
        assertEquals(expected, awaitCommittedCounts(bootstrap, output, expected, WAIT));
        awaitEquals(expected, first::storeContents, "app-1's state store");
      } finally {
        first.close();
      }

      // Instance 2: same application.id, empty state directory: the store comes back from
      // the changelog. Wave 4 with another broker crash in its middle, then wave 5.
      try (App second = new App("app-2", wordCount(input, output),
          streamsProps(bootstrap, applicationId, tmp.resolve("state-2")))) {
        second.awaitRunning(WAIT);
        awaitEquals(expected, second::storeContents, "app-2's store restored from the changelog");
        produce(bootstrap, input, 4, waves.get(3));
        count(waves.get(3), expected);
        if (crashes) {
          // Longer than the transaction timeout: the restarted coordinator aborts the open
          // transactions (it looks every 100 ms here, before the clients are back), which
          // fences the producers; Streams rebuilds its tasks from the committed state. The
          // thread that left the group without a LeaveGroup makes the rebalance wait for
          // its old member's session (10 s), as Kafka does.
          crash(broker, admin, applicationId, input, produced, produced + sizes[3],
              Duration.ofMillis(TXN_TIMEOUT_MS + 2000));
        }
        produced += sizes[3];
        second.awaitRunning(WAIT);
        produce(bootstrap, input, 5, waves.get(4));
        count(waves.get(4), expected);
        produced += sizes[4];
        Map<String, Long> got = awaitCommittedCounts(bootstrap, output, expected, WAIT);
        assertEquals(expected, got);
        long words = 0;
        for (List<String> lines : waves) for (String l : lines) words += l.split(" ").length;
        assertEquals(words, total(got), "sum of the final counts = words produced");
        awaitEquals(expected, second::storeContents, "app-2's state store");
        long lines = produced;
        awaitEquals(lines, () -> committedInput(admin, applicationId, input),
            "the application's committed input offsets");
        assertInternalTopics(admin, applicationId);
        second.close();
        assertNoOpenTransactions(admin, applicationId, output);
        logAborted(bootstrap, applicationId, output);
        log("app-1 replaced " + first.replacedThreads + " thread(s), app-2 "
            + second.replacedThreads);
      }
    }
    log("wordCountIsExactThroughBrokerCrashesAndAnAppRestart: "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
  }

  /**
   * Kills the broker once the application is past {@code from} input records (inside the
   * wave that ends at {@code to}) and, if no longer than a few seconds, while the coordinator
   * lists one of its transactions as ongoing; starts it again on the same data after
   * {@code downtime}.
   */
  private static void crash(SamsaBroker broker, Admin admin, String applicationId, String input,
      long from, long to, Duration downtime) throws Exception {
    long done = awaitProgress(admin, applicationId, input, from);
    List<String> ongoing = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (ongoing.isEmpty() && System.nanoTime() < deadline) {
      ongoing = admin.listTransactions(new ListTransactionsOptions()
              .filterStates(List.of(TransactionState.ONGOING)))
          .all().get(10, TimeUnit.SECONDS).stream()
          .map(TransactionListing::transactionalId)
          .filter(id -> id.startsWith(applicationId + "-"))
          .collect(Collectors.toList());
    }
    broker.kill();
    log("broker killed (SIGKILL) with " + done + " of " + to + " input records committed"
        + (done >= to ? " (the wave was already done)" : "")
        + ", transactions ongoing just before: "
        + ongoing);
    Thread.sleep(downtime.toMillis());
    broker.startAgain();
    log("broker started again on the same data directory after " + downtime.toMillis() + " ms");
  }

}
