package dev.samsa.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;
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
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams restores a state store from a changelog that samsa's log cleaner compacted.
 *
 * <p>A sum per key (groupByKey().aggregate into a RocksDB store) over 50 keys x 40 updates,
 * record caching off so that every update is one changelog record. The changelog (which
 * Streams creates with cleanup.policy=compact) gets segment.ms=100 and
 * min.cleanable.dirty.ratio=0.01 through Materialized.withLoggingEnabled, and the broker runs
 * its cleaner every 100 ms (log.cleaner.backoff.ms). Every update's value is distinct, so each
 * prefix sum is known and a lost, repeated or stale update shows in the sums.
 *
 * <p>Steps: the first instance sums all updates (its output and its store must hold the exact
 * sums); it is closed. Then the test appends a tombstone for a key the application never uses
 * to each changelog partition every 200 ms, which rolls the active segment (segment.ms) and
 * makes the tail of the application's writes cleanable, until the changelog read from the
 * beginning holds exactly one record per key, carrying the final sum, at non-contiguous offsets
 * (plus some of those tombstones; under a tenth of the updates in all), while its end offsets
 * show that every update was written. The broker's log must show a clean of each changelog
 * partition. Then the state directory is deleted and a second instance (same application.id,
 * new state directory) restores the store from the compacted changelog: its restore listener
 * must count no more records than the compacted changelog holds, its store must equal the
 * sums before any new input, and after three more rounds of updates its output for each key
 * must be exactly the three next prefix sums (it went on from the restored value, not from
 * zero or a stale one).
 *
 * <p>Twice: at_least_once, and exactly_once_v2, where the changelog is written in
 * transactions, so the cleaner also meets transaction markers (the output is read
 * read_committed, the changelog read_uncommitted: every record the cleaner kept).
 *
 * <p>External broker (SAMSA_BOOTSTRAP, e.g. the oracle's KafkaBroker main with
 * log.cleaner.backoff.ms=100): the same, without the broker log check.
 */
class StreamsCompactedRestoreTest {
  private static final String RUN = Long.toString(System.nanoTime() % 100000, 36);
  private static final int PARTITIONS = 2;
  private static final int KEYS = 50;
  private static final int ROUNDS = 40;
  private static final int MORE_ROUNDS = 3;
  private static final String STORE = "sums";
  /** A key the application never sees: its tombstones only roll the changelog's segments. */
  private static final String ROLL_KEY = "~roll";
  private static final Duration WAIT = Duration.ofSeconds(40);
  /** The output: what the application committed. */
  private static final String READ_COMMITTED = "read_committed";
  /** The changelog: every record the cleaner kept, committed or not. */
  private static final String READ_UNCOMMITTED = "read_uncommitted";

  @TempDir Path tmp;

  private static void log(String message) {
    System.err.printf("%tT.%<tL StreamsCompactedRestoreTest: %s%n", System.currentTimeMillis(),
        message);
  }

  private static String key(int k) {
    return String.format("k%02d", k);
  }

  /** Update r of key k: distinct for every (k, r). */
  private static long value(int k, int r) {
    return 1000L * (k + 1) + r;
  }

  /** The sum of key k's updates 0..r. */
  private static long prefixSum(int k, int r) {
    long s = 0;
    for (int i = 0; i <= r; i++) s += value(k, i);
    return s;
  }

  private static Map<String, Long> sumsThrough(int lastRound) {
    Map<String, Long> out = new TreeMap<>();
    for (int k = 0; k < KEYS; k++) out.put(key(k), prefixSum(k, lastRound));
    return out;
  }

  // ---------------------------------------------------------------- the application

  private static Properties streamsProps(String bootstrap, String applicationId, Path stateDir,
      String guarantee) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    // No record cache: every update is written to the changelog and the output, so the
    // changelog's size before compaction is known (one record per update).
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1000);
    return p;
  }

  /** input (String key, Long amount) -> sum per key (store + compacted changelog) -> output. */
  private static StreamsBuilder sumPerKey(String input, String output) {
    Map<String, String> changelogConfig = new HashMap<>();
    changelogConfig.put(TopicConfig.SEGMENT_MS_CONFIG, "100");
    changelogConfig.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.01");
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.Long()))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.Long()))
        .aggregate(() -> 0L, (key, amount, sum) -> sum + amount,
            Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long())
                .withLoggingEnabled(changelogConfig))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return builder;
  }

  /** One Streams instance; a failed stream thread is recorded and ends it. */
  private static final class App implements AutoCloseable {
    final String name;
    final KafkaStreams streams;
    final List<String> transitions = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    /** Per changelog partition: "[from, to)" when its restore started, records when it ended. */
    final Map<TopicPartition, String> restoreRanges = new ConcurrentHashMap<>();
    final Map<TopicPartition, Long> restored = new ConcurrentHashMap<>();
    private boolean closed;

    App(String name, StreamsBuilder builder, Properties props) {
      this.name = name;
      this.streams = new KafkaStreams(builder.build(), props);
      streams.setStateListener((now, before) -> {
        transitions.add(before + "->" + now);
        log(name + ": " + before + " -> " + now);
      });
      streams.setUncaughtExceptionHandler(e -> {
        failures.add(e);
        log(name + ": stream thread failed: " + e);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      });
      streams.setGlobalStateRestoreListener(new StateRestoreListener() {
        @Override
        public void onRestoreStart(TopicPartition tp, String store, long from, long to) {
          restoreRanges.put(tp, "[" + from + ", " + to + ")");
        }

        @Override
        public void onBatchRestored(TopicPartition tp, String store, long end, long records) {}

        @Override
        public void onRestoreEnd(TopicPartition tp, String store, long records) {
          restored.put(tp, records);
          log(name + ": restored " + records + " records of " + tp + " "
              + restoreRanges.get(tp));
        }
      });
      streams.start();
    }

    void awaitRunning() throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (streams.state() != KafkaStreams.State.RUNNING) {
        KafkaStreams.State s = streams.state();
        if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING
            || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.PENDING_SHUTDOWN) {
          fail(name + " is " + s + " (transitions " + transitions + ", failures " + failures + ")");
        }
        if (System.nanoTime() > deadline) {
          fail(name + " not RUNNING after " + WAIT + ": " + s + " (transitions " + transitions
              + ")");
        }
        Thread.sleep(20);
      }
    }

    /** The store's whole content through interactive queries, or null while unavailable. */
    Map<String, Long> storeContents() {
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
      } catch (InvalidStateStoreException e) {
        return null; // restoring or rebalancing
      }
    }

    void awaitStore(Map<String, Long> expected, String what) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      Map<String, Long> got = null;
      while (System.nanoTime() < deadline) {
        got = storeContents();
        if (expected.equals(got)) return;
        if (!failures.isEmpty()) break;
        Thread.sleep(50);
      }
      fail(what + ": store of " + name + " after " + WAIT + " (failures " + failures
          + "):\n  got      " + got + "\n  expected " + expected);
    }

    @Override
    public void close() {
      if (closed) return;
      closed = true;
      boolean done = streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      log(name + ": closed (" + (done ? "cleanly" : "close timed out") + "), transitions "
          + transitions);
    }
  }

  // ---------------------------------------------------------------- clients

  private static Admin admin(String bootstrap) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return Admin.create(p);
  }

  private static <K, V> KafkaProducer<K, V> producer(String bootstrap, Class<?> keySerializer,
      Class<?> valueSerializer) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, keySerializer.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, valueSerializer.getName());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
    return new KafkaProducer<>(p);
  }

  /**
   * Rounds {@code from..to} of updates (every key once per round), each round acknowledged
   * before the next; a short pause between rounds spreads the application's changelog writes
   * over many 100 ms segments.
   */
  private static void produceRounds(String bootstrap, String input, int from, int to)
      throws Exception {
    try (KafkaProducer<String, Long> producer =
        producer(bootstrap, StringSerializer.class, LongSerializer.class)) {
      for (int r = from; r <= to; r++) {
        List<Future<?>> acks = new ArrayList<>(KEYS);
        for (int k = 0; k < KEYS; k++) {
          acks.add(producer.send(new ProducerRecord<>(input, key(k), value(k, r))));
        }
        producer.flush();
        for (Future<?> ack : acks) ack.get(30, TimeUnit.SECONDS);
        Thread.sleep(40);
      }
    }
    log("rounds " + from + ".." + to + ": " + (to - from + 1) * KEYS + " updates produced");
  }

  private static List<TopicPartition> partitions(String topic) {
    List<TopicPartition> parts = new ArrayList<>();
    for (int i = 0; i < PARTITIONS; i++) parts.add(new TopicPartition(topic, i));
    return parts;
  }

  private static Properties consumerProps(String bootstrap, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    return p;
  }

  /**
   * Every record of {@code topic} from {@code start} (per partition; null: the beginning) to
   * its end now, as a consumer with {@code isolation} sees them.
   */
  private static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic,
      Map<TopicPartition, Long> start, String isolation) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps(bootstrap, isolation))) {
      List<TopicPartition> parts = partitions(topic);
      consumer.assign(parts);
      for (TopicPartition tp : parts) {
        if (start == null) {
          consumer.seekToBeginning(List.of(tp));
        } else {
          consumer.seek(tp, start.get(tp));
        }
      }
      Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(10));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          Map<TopicPartition, Long> pos = new HashMap<>();
          for (TopicPartition tp : parts) pos.put(tp, consumer.position(tp));
          fail("reading " + topic + ": positions " + pos + " short of the end offsets " + end
              + " after 20 s (" + out.size() + " records read)");
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          out.add(r);
        }
      }
    }
    return out;
  }

  private static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps(bootstrap, READ_UNCOMMITTED))) {
      return new HashMap<>(consumer.endOffsets(partitions(topic), Duration.ofSeconds(10)));
    }
  }

  private static long decodeLong(ConsumerRecord<String, byte[]> r) {
    byte[] v = r.value();
    if (v == null || v.length != 8) {
      fail(r.topic() + "-" + r.partition() + "@" + r.offset() + " key " + r.key()
          + ": expected an 8-byte long, got " + (v == null ? "null" : v.length + " bytes"));
    }
    return ByteBuffer.wrap(v).getLong();
  }

  /**
   * Reads the output until every key's last value equals {@code expected}; a value above the
   * expected one fails at once (an update applied twice).
   */
  private static void awaitOutput(String bootstrap, String output, Map<String, Long> expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Map<String, Long> last = new TreeMap<>();
    int records = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(consumerProps(bootstrap, READ_COMMITTED))) {
      List<TopicPartition> parts = partitions(output);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (!last.equals(expected)) {
        if (System.nanoTime() > deadline) {
          fail("output after " + WAIT + " (" + records + " records):\n  got      " + last
              + "\n  expected " + expected);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          records++;
          long v = decodeLong(r);
          Long want = expected.get(r.key());
          if (want == null || v > want) {
            fail("output " + r.key() + " = " + v + " at " + r.partition() + "@" + r.offset()
                + ", expected at most " + want);
          }
          last.put(r.key(), v);
        }
      }
    }
    log("output: " + records + " records, every key's last value is its sum");
  }

  // ---------------------------------------------------------------- compaction

  /** What a plain consumer sees in the changelog: the proof of a compaction, or why not. */
  private static final class ChangelogView {
    int records;
    int rollTombstones;
    final Map<String, List<Long>> valuesByKey = new TreeMap<>();
    final Map<Integer, List<Long>> offsetsByPartition = new TreeMap<>();
    final List<String> problems = new ArrayList<>();

    static ChangelogView read(String bootstrap, String changelog) {
      ChangelogView v = new ChangelogView();
      for (ConsumerRecord<String, byte[]> r :
          readAll(bootstrap, changelog, null, READ_UNCOMMITTED)) {
        v.records++;
        v.offsetsByPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>())
            .add(r.offset());
        if (ROLL_KEY.equals(r.key())) {
          if (r.value() != null) v.problems.add("a " + ROLL_KEY + " record with a value");
          v.rollTombstones++;
          continue;
        }
        if (r.value() == null) {
          v.problems.add("a tombstone for " + r.key() + " at " + r.partition() + "@" + r.offset());
          continue;
        }
        v.valuesByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(decodeLong(r));
      }
      return v;
    }

    /** Exactly one record per key, with its final sum, and no other data. */
    boolean compactedTo(Map<String, Long> expected) {
      if (!valuesByKey.keySet().equals(expected.keySet())) return false;
      for (Map.Entry<String, List<Long>> e : valuesByKey.entrySet()) {
        if (e.getValue().size() != 1) return false;
      }
      return true;
    }

    Map<String, Integer> countsByKey() {
      Map<String, Integer> out = new TreeMap<>();
      valuesByKey.forEach((k, vs) -> out.put(k, vs.size()));
      return out;
    }

    String summary() {
      int duplicated = 0;
      for (List<Long> vs : valuesByKey.values()) if (vs.size() > 1) duplicated++;
      return records + " records (" + valuesByKey.size() + " keys, " + duplicated
          + " of them more than once, " + rollTombstones + " " + ROLL_KEY + " tombstones)";
    }
  }

  /**
   * Appends a {@link #ROLL_KEY} tombstone to every changelog partition every 200 ms (each
   * append rolls the active segment, older than segment.ms) until the changelog is compacted
   * to one record per key.
   */
  private static ChangelogView awaitCompacted(String bootstrap, String changelog,
      Map<String, Long> expected) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int rolls = 0;
    try (KafkaProducer<String, byte[]> producer =
        producer(bootstrap, StringSerializer.class, ByteArraySerializer.class)) {
      while (true) {
        ChangelogView view = ChangelogView.read(bootstrap, changelog);
        if (!view.problems.isEmpty()) fail("changelog " + changelog + ": " + view.problems);
        if (view.compactedTo(expected)) {
          log("changelog compacted after " + rolls + " roll(s): " + view.summary());
          return view;
        }
        if (System.nanoTime() > deadline) {
          fail("changelog " + changelog + " not compacted after " + WAIT + " and " + rolls
              + " roll(s): " + view.summary() + "; records per key " + view.countsByKey());
        }
        Thread.sleep(200);
        List<Future<?>> acks = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
          acks.add(producer.send(new ProducerRecord<>(changelog, p, ROLL_KEY, (byte[]) null)));
        }
        for (Future<?> ack : acks) ack.get(30, TimeUnit.SECONDS);
        rolls++;
      }
    }
  }

  private static final Pattern CLEANED = Pattern.compile(
      "(\\S+)-(\\d+): cleaned (\\d+) segments into (\\d+) in (\\d+) ms.*removed (\\d+) of (\\d+) "
          + "records");

  /** The broker's clean log lines for the changelog's partitions, by partition. */
  private static Map<Integer, List<String>> cleanLines(SamsaBroker broker, String changelog) {
    Map<Integer, List<String>> out = new TreeMap<>();
    for (String line : broker.log().split("\n")) {
      Matcher m = CLEANED.matcher(line);
      if (m.find() && m.group(1).endsWith("/" + changelog)) {
        out.computeIfAbsent(Integer.parseInt(m.group(2)), p -> new ArrayList<>()).add(line);
      }
    }
    return out;
  }

  private static void deleteTree(Path root) throws Exception {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  // ---------------------------------------------------------------- the test

  @Test
  void atLeastOnce() throws Exception {
    storeRestoresFromACompactedChangelog(StreamsConfig.AT_LEAST_ONCE, "alos");
  }

  /** The changelog is written in transactions: the cleaner also meets their markers. */
  @Test
  void exactlyOnce() throws Exception {
    storeRestoresFromACompactedChangelog(StreamsConfig.EXACTLY_ONCE_V2, "eos");
  }

  private void storeRestoresFromACompactedChangelog(String guarantee, String tag)
      throws Exception {
    long started = System.nanoTime();
    try (SamsaBroker broker = SamsaBroker.builder()
            .override("log.cleaner.enable", "true")
            .override("log.cleaner.backoff.ms", "100")
            .start();
        Admin admin = admin(broker.bootstrap())) {
      String bootstrap = broker.bootstrap();
      String input = "sum-in-" + tag + "-" + RUN;
      String output = "sum-out-" + tag + "-" + RUN;
      String applicationId = "sum-app-" + tag + "-" + RUN;
      String changelog = applicationId + "-" + STORE + "-changelog";
      admin.createTopics(List.of(new NewTopic(input, PARTITIONS, (short) 1),
          new NewTopic(output, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);

      // Instance 1: all updates; the output and the store hold the exact sums.
      Map<String, Long> sums = sumsThrough(ROUNDS - 1);
      Path firstState = tmp.resolve(tag + "-state-1");
      try (App first = new App("app-1", sumPerKey(input, output),
          streamsProps(bootstrap, applicationId, firstState, guarantee))) {
        first.awaitRunning();
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
        Config config = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS)
            .get(res);
        assertEquals("compact", config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value(),
            changelog + " cleanup.policy");
        assertEquals("100", config.get(TopicConfig.SEGMENT_MS_CONFIG).value(),
            changelog + " segment.ms");
        assertEquals("0.01", config.get(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG).value(),
            changelog + " min.cleanable.dirty.ratio");
        produceRounds(bootstrap, input, 0, ROUNDS - 1);
        awaitOutput(bootstrap, output, sums);
        first.awaitStore(sums, "after all updates");
        assertEquals(List.of(), first.failures, "app-1's stream thread failures");
      }

      // Every update was written to the changelog (no cache) ...
      Map<TopicPartition, Long> changelogEnd = endOffsets(bootstrap, changelog);
      long written = changelogEnd.values().stream().mapToLong(Long::longValue).sum();
      log("changelog end offsets " + changelogEnd + " (" + written + " records written)");
      assertTrue(written >= (long) KEYS * ROUNDS,
          "changelog end offsets " + changelogEnd + ": fewer than the " + KEYS * ROUNDS
              + " updates");

      // ... and the broker's cleaner leaves one record per key: the final sum.
      ChangelogView view = awaitCompacted(bootstrap, changelog, sums);
      for (Map.Entry<String, List<Long>> e : view.valuesByKey.entrySet()) {
        assertEquals(List.of(sums.get(e.getKey())), e.getValue(),
            "changelog record of " + e.getKey() + " after compaction");
      }
      assertTrue(view.records * 10 < KEYS * ROUNDS,
          "changelog holds " + view.summary() + ", not far fewer than " + KEYS * ROUNDS);
      for (Map.Entry<Integer, List<Long>> e : view.offsetsByPartition.entrySet()) {
        List<Long> offsets = e.getValue();
        long span = offsets.get(offsets.size() - 1) - offsets.get(0) + 1;
        assertTrue(offsets.get(0) > 0 || span > offsets.size(),
            "changelog partition " + e.getKey() + ": contiguous offsets " + offsets);
        log("changelog partition " + e.getKey() + ": " + offsets.size() + " records at offsets "
            + offsets.get(0) + ".." + offsets.get(offsets.size() - 1) + " (end offset "
            + changelogEnd.get(new TopicPartition(changelog, e.getKey())) + " before the rolls)");
      }
      if (!broker.isExternal()) {
        Map<Integer, List<String>> lines = cleanLines(broker, changelog);
        lines.values().forEach(ls -> ls.forEach(l -> log("broker: " + l)));
        assertEquals(new TreeSet<>(view.offsetsByPartition.keySet()), lines.keySet(),
            "changelog partitions with a clean in the broker's log");
      }

      // Instance 2: same application.id, the old state directory gone, a new one: the store
      // comes back from the compacted changelog, and the sums go on from there.
      deleteTree(firstState);
      Map<TopicPartition, Long> outputBefore = endOffsets(bootstrap, output);
      try (App second = new App("app-2", sumPerKey(input, output),
          streamsProps(bootstrap, applicationId, tmp.resolve(tag + "-state-2"), guarantee))) {
        long restoreStarted = System.nanoTime();
        second.awaitRunning();
        second.awaitStore(sums, "restored from the compacted changelog");
        log("app-2: store restored in " + TimeUnit.NANOSECONDS.toMillis(
            System.nanoTime() - restoreStarted) + " ms");
        // It read the compacted changelog: one record per key (and the roll tombstones), not
        // one per update.
        long restoreDeadline = System.nanoTime() + WAIT.toNanos();
        while (second.restored.size() < PARTITIONS && System.nanoTime() < restoreDeadline) {
          Thread.sleep(20);
        }
        assertEquals(new HashSet<>(partitions(changelog)), new HashSet<>(second.restored.keySet()),
            "changelog partitions app-2 restored (ranges " + second.restoreRanges + ")");
        long restoredRecords = second.restored.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(restoredRecords >= KEYS && restoredRecords <= view.records,
            "app-2 restored " + restoredRecords + " records " + second.restored + " from "
                + second.restoreRanges + "; the compacted changelog holds " + view.summary());
        produceRounds(bootstrap, input, ROUNDS, ROUNDS + MORE_ROUNDS - 1);
        Map<String, Long> after = sumsThrough(ROUNDS + MORE_ROUNDS - 1);
        awaitOutput(bootstrap, output, after);
        second.awaitStore(after, "after " + MORE_ROUNDS + " more rounds");
        assertEquals(List.of(), second.failures, "app-2's stream thread failures");

        // Exactly the next prefix sums for every key: nothing replayed, nothing lost.
        Map<String, List<Long>> continued = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r :
            readAll(bootstrap, output, outputBefore, READ_COMMITTED)) {
          continued.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(decodeLong(r));
        }
        Map<String, List<Long>> want = new TreeMap<>();
        for (int k = 0; k < KEYS; k++) {
          List<Long> next = new ArrayList<>();
          for (int r = ROUNDS; r < ROUNDS + MORE_ROUNDS; r++) next.add(prefixSum(k, r));
          want.put(key(k), next);
        }
        assertEquals(want, continued, "app-2's output per key after the restore");
      }
    }
    log(guarantee + ": " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
  }
}
