package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Log compaction seen by the Java client: samsa's background cleaner, run every 100 ms
 * (log.cleaner.backoff.ms), on topics with cleanup.policy=compact, segment.ms=100 and
 * min.cleanable.dirty.ratio=0.01.
 *
 * <p>The cleaner never touches the active segment, and a segment rolls only when a record is
 * appended after segment.ms: so while a test waits for the cleaner it appends a record with the
 * key {@value #ROLL_KEY} to each of its partitions every ~150 ms (left out of what is checked;
 * their offsets are still checked to increase). Every wait is bounded; a timeout fails with
 * what was read last and the broker's log tail.
 *
 * <p>Cases: the latest value of every key survives, at the offset, with the timestamp and
 * headers it was written with (lz4 and uncompressed, compact and compact,delete); tombstones
 * stay for delete.retention.ms after the clean that first saw them, then go with their key
 * (and a key written again after its tombstone keeps its new value); a consumer seeking into a
 * removed range goes on at the next record that survived, ListOffsets earliest stays 0 and
 * latest the end, offsetsForTimes answers the first surviving record at or after the time; a
 * record without a key is refused (INVALID_RECORD); aborted records and the markers of
 * transactions with no data left go.
 *
 * <p>External broker (SAMSA_BOOTSTRAP, e.g. the oracle's KafkaBroker main with
 * log.cleaner.backoff.ms=100): the same, without the broker log checks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompactionTest {
  /** The key of the records that only roll segments; never checked for its values. */
  private static final String ROLL_KEY = "~roll";
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String DAY_MS = "86400000";

  private static SamsaBroker broker;
  private static Admin admin;
  /** Writes the ~roll records (no batching: each is its own append). */
  private static KafkaProducer<String, String> roller;
  private static int rolls;

  @BeforeAll
  static void start() {
    broker = SamsaBroker.builder().override("log.cleaner.backoff.ms", "100").start();
    admin = Kit.admin(broker);
    roller = Kit.producer(broker, Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"));
  }

  @AfterAll
  static void stop() {
    if (roller != null) roller.close();
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  private static void log(String message) {
    System.err.printf("%tT.%<tL CompactionTest: %s%n", System.currentTimeMillis(), message);
  }

  /** Topic configs that make segments roll and cleans happen within a fraction of a second. */
  private static Map<String, String> compacted(String policy, String deleteRetentionMs) {
    return Map.of(
        "cleanup.policy", policy,
        "segment.ms", "100",
        "min.cleanable.dirty.ratio", "0.01",
        "delete.retention.ms", deleteRetentionMs);
  }

  /** What one write was told by the broker: the last write of a key is what must survive. */
  private record Written(String key, String value, int seq, long offset, long timestamp) {}

  private static String valueOf(int key, int version) {
    return "value-" + key + "-" + version + "-" + "x".repeat((key * 7 + version) % 23);
  }

  private static String keyOf(int key) {
    return String.format("key-%03d", key);
  }

  /**
   * Writes the (key, value) pairs in order to one partition (value null: a tombstone), each
   * with the header seq = its index, by one producer with the given codec and some batching;
   * answers every write with its offset and timestamp, in order.
   */
  private static List<Written> write(TopicPartition tp, String codec, List<String[]> pairs)
      throws Exception {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    try (KafkaProducer<String, String> producer =
        Kit.producer(broker, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
            ProducerConfig.LINGER_MS_CONFIG, "5"))) {
      for (int i = 0; i < pairs.size(); i++) {
        List<Header> headers = List.of(new RecordHeader("seq", bytes(Integer.toString(i))));
        futures.add(producer.send(new ProducerRecord<>(
            tp.topic(), tp.partition(), null, pairs.get(i)[0], pairs.get(i)[1], headers)));
      }
      producer.flush();
      List<Written> out = new ArrayList<>();
      for (int i = 0; i < pairs.size(); i++) {
        RecordMetadata m = futures.get(i).get(30, TimeUnit.SECONDS);
        out.add(new Written(pairs.get(i)[0], pairs.get(i)[1], i, m.offset(), m.timestamp()));
      }
      return out;
    }
  }

  private static RecordMetadata send(
      KafkaProducer<String, String> producer, ProducerRecord<String, String> record)
      throws Exception {
    return producer.send(record).get(30, TimeUnit.SECONDS);
  }

  private static long listOffset(TopicPartition tp, OffsetSpec spec) {
    return Kit.get(admin.listOffsets(Map.of(tp, spec)).partitionResult(tp)).offset();
  }

  /** The last write of each key, by key. */
  private static Map<String, Written> lastByKey(List<Written> writes) {
    Map<String, Written> last = new TreeMap<>();
    for (Written w : writes) last.put(w.key(), w);
    return last;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The records of a partition read from the beginning up to its end offset at the start. */
  private static List<ConsumerRecord<String, String>> readPartition(
      KafkaConsumer<String, String> consumer, TopicPartition tp) {
    consumer.assign(List.of(tp));
    consumer.seekToBeginning(List.of(tp));
    long end = consumer.endOffsets(List.of(tp)).get(tp);
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (consumer.position(tp) < end) {
      if (System.nanoTime() > deadline) {
        fail("read " + tp + " up to " + consumer.position(tp) + " of its end " + end + " in 15 s");
      }
      consumer.poll(Duration.ofMillis(200)).records(tp).forEach(out::add);
    }
    return out;
  }

  /** Without the ~roll records. */
  private static List<ConsumerRecord<String, String>> data(
      List<ConsumerRecord<String, String>> records) {
    return records.stream().filter(r -> !ROLL_KEY.equals(r.key())).collect(Collectors.toList());
  }

  /** True when no key appears twice among the records (other than ~roll). */
  private static boolean deduplicated(List<ConsumerRecord<String, String>> records) {
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<String, String> r : data(records)) {
      if (!seen.add(r.key())) return false;
    }
    return true;
  }

  private static String summary(List<ConsumerRecord<String, String>> records) {
    List<ConsumerRecord<String, String>> d = data(records);
    long tombstones = d.stream().filter(r -> r.value() == null).count();
    long keys = d.stream().map(ConsumerRecord::key).distinct().count();
    return records.size() + " records (" + d.size() + " data, " + keys + " distinct keys, "
        + tombstones + " tombstones" + (records.isEmpty() ? "" : ", offsets "
        + records.get(0).offset() + ".." + records.get(records.size() - 1).offset()) + ")";
  }

  /**
   * Appends a ~roll record to each partition (which rolls its active segment), then reads
   * every partition from its beginning, until done holds for all of them; answers the last
   * reads. Fails after WAIT with what was read and the broker's log tail.
   */
  private static Map<TopicPartition, List<ConsumerRecord<String, String>>> awaitCleaned(
      String what, List<TopicPartition> tps,
      BiPredicate<TopicPartition, List<ConsumerRecord<String, String>>> done) throws Exception {
    long started = System.nanoTime();
    long deadline = started + WAIT.toNanos();
    Map<TopicPartition, List<ConsumerRecord<String, String>>> last = new LinkedHashMap<>();
    try (KafkaConsumer<String, String> consumer = Kit.consumer(broker, null)) {
      while (true) {
        long round = System.nanoTime();
        for (TopicPartition tp : tps) {
          roller.send(new ProducerRecord<>(tp.topic(), tp.partition(), ROLL_KEY, "roll-" + ++rolls))
              .get(30, TimeUnit.SECONDS);
        }
        boolean all = true;
        for (TopicPartition tp : tps) {
          List<ConsumerRecord<String, String>> records = readPartition(consumer, tp);
          last.put(tp, records);
          all &= done.test(tp, records);
        }
        if (all) {
          log(what + " after " + (System.nanoTime() - started) / 1_000_000 + " ms: "
              + last.entrySet().stream().map(e -> e.getKey() + " " + summary(e.getValue()))
                  .collect(Collectors.joining("; ")));
          return last;
        }
        if (System.nanoTime() > deadline) {
          fail("timed out after " + WAIT + " waiting for " + what + "; read last: "
              + last.entrySet().stream().map(e -> e.getKey() + " " + summary(e.getValue()))
                  .collect(Collectors.joining("; "))
              + "\nbroker log tail:\n" + Kit.logTail(broker));
        }
        long sleep = 150 - (System.nanoTime() - round) / 1_000_000;
        if (sleep > 0) Thread.sleep(sleep);
      }
    }
  }

  /** Offsets strictly increase over all records, ~roll ones included. */
  private static void assertIncreasing(
      TopicPartition tp, List<ConsumerRecord<String, String>> records) {
    for (int i = 1; i < records.size(); i++) {
      assertTrue(records.get(i).offset() > records.get(i - 1).offset(),
          tp + ": offset " + records.get(i).offset() + " after " + records.get(i - 1).offset());
    }
  }

  /**
   * The records other than ~roll are exactly the given writes, one per key, each at the offset
   * it was written to, with its value (null: a tombstone), timestamp and header.
   */
  private static void assertExactly(String where, Map<String, Written> expected,
      List<ConsumerRecord<String, String>> records) {
    List<ConsumerRecord<String, String>> d = data(records);
    Map<String, ConsumerRecord<String, String>> byKey = new TreeMap<>();
    for (ConsumerRecord<String, String> r : d) {
      ConsumerRecord<String, String> prev = byKey.put(r.key(), r);
      if (prev != null) {
        fail(where + ": key " + r.key() + " at offsets " + prev.offset() + " and " + r.offset());
      }
    }
    assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(byKey.keySet()), where + ": the keys");
    for (Written w : expected.values()) {
      ConsumerRecord<String, String> r = byKey.get(w.key());
      String at = where + ": key " + w.key();
      assertEquals(w.offset(), r.offset(), at + ": offset (its last write's)");
      assertEquals(w.value(), r.value(), at + ": value");
      assertEquals(w.timestamp(), r.timestamp(), at + ": timestamp");
      Header seq = r.headers().lastHeader("seq");
      assertNotNull(seq, at + ": header seq");
      assertEquals(Integer.toString(w.seq()), new String(seq.value(), StandardCharsets.UTF_8),
          at + ": header seq");
    }
  }

  /** The broker logged a clean of the partition (a samsa started here only). */
  private static void assertCleanLogged(TopicPartition tp) {
    if (broker.isExternal()) return;
    String dir = tp.topic() + "-" + tp.partition();
    List<String> lines = broker.log().lines()
        .filter(l -> l.contains(dir + ": cleaned ")).collect(Collectors.toList());
    assertFalse(lines.isEmpty(), "no clean of " + dir + " in the broker log:\n" + Kit.logTail(broker));
    log(lines.size() + " cleans of " + dir + ", the last: " + lines.get(lines.size() - 1));
  }

  /**
   * 200 keys with 1 to 20 versions (key k has 1 + 7k mod 20), written round by round (round v
   * writes version v of each key that has one), so batches hold several versions of some keys
   * and the last versions are spread from the first batch to the last; to partition 0 with lz4
   * and to partition 1 uncompressed. Once no key appears twice, each key has exactly its last
   * write, at its offset, with its value, timestamp and header.
   */
  @ParameterizedTest(name = "cleanup.policy={0}")
  @ValueSource(strings = {"compact", "compact,delete"})
  void keepsTheLatestValueOfEveryKey(String policy) throws Exception {
    int keys = 200;
    int versions = 20;
    String topic = Kit.unique("compact-latest");
    Kit.createTopic(admin, topic, 2, compacted(policy, DAY_MS));
    List<String[]> pairs = new ArrayList<>();
    for (int v = 0; v < versions; v++) {
      for (int k = 0; k < keys; k++) {
        if (v < 1 + k * 7 % versions) pairs.add(new String[] {keyOf(k), valueOf(k, v)});
      }
    }
    List<TopicPartition> tps = Kit.partitions(topic, 2);
    String[] codecs = {"lz4", "none"};
    List<Map<String, Written>> expected = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      List<Written> writes = write(tps.get(p), codecs[p], pairs);
      assertEquals(pairs.size() - 1, writes.get(writes.size() - 1).offset(), "offsets 0..n-1");
      expected.add(lastByKey(writes));
    }

    Map<TopicPartition, List<ConsumerRecord<String, String>>> read =
        awaitCleaned("one record per key in " + topic, tps, (tp, records) -> deduplicated(records));
    for (int p = 0; p < 2; p++) {
      TopicPartition tp = tps.get(p);
      List<ConsumerRecord<String, String>> records = read.get(tp);
      assertIncreasing(tp, records);
      assertExactly(tp + " (" + codecs[p] + ")", expected.get(p), records);
      assertEquals(keys, data(records).size(), tp + ": records left of " + pairs.size());
      assertTrue(data(records).get(0).offset() < keys, tp + ": a key written once, in the first round");
      assertCleanLogged(tp);
    }
  }

  /**
   * 100 keys, three values each, then: keys 0 mod 4 a tombstone; keys 1 mod 4 a tombstone and a
   * new value; keys 2 mod 4 a fourth value; keys 3 mod 4 nothing more. In a topic with
   * delete.retention.ms=500 the tombstones go once the cleaner has seen them 500 ms before: the
   * deleted keys disappear entirely, the others keep their last value. In a topic with
   * delete.retention.ms of a day the deleted keys keep exactly their tombstone.
   */
  @Test
  void tombstonesGoAfterDeleteRetention() throws Exception {
    int keys = 100;
    List<String[]> pairs = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      for (int k = 0; k < keys; k++) pairs.add(new String[] {keyOf(k), valueOf(k, v)});
    }
    Set<String> deleted = new TreeSet<>();
    for (int k = 0; k < keys; k++) {
      switch (k % 4) {
        case 0:
          pairs.add(new String[] {keyOf(k), null});
          deleted.add(keyOf(k));
          break;
        case 1:
          pairs.add(new String[] {keyOf(k), null});
          pairs.add(new String[] {keyOf(k), "revived-" + k});
          break;
        case 2:
          pairs.add(new String[] {keyOf(k), valueOf(k, 3)});
          break;
        default:
          break;
      }
    }
    TopicPartition shortTp = new TopicPartition(Kit.unique("compact-tombstones-go"), 0);
    TopicPartition longTp = new TopicPartition(Kit.unique("compact-tombstones-kept"), 0);
    Kit.createTopic(admin, shortTp.topic(), 1, compacted("compact", "500"));
    Kit.createTopic(admin, longTp.topic(), 1, compacted("compact", DAY_MS));
    Map<String, Written> shortLast = lastByKey(write(shortTp, "lz4", pairs));
    Map<String, Written> longLast = lastByKey(write(longTp, "none", pairs));
    for (String k : deleted) {
      assertNull(shortLast.get(k).value());
      assertNull(longLast.get(k).value());
    }

    Map<TopicPartition, List<ConsumerRecord<String, String>>> read = awaitCleaned(
        "the tombstones of " + shortTp.topic() + " gone", List.of(shortTp, longTp),
        (tp, records) -> deduplicated(records)
            && (tp.equals(longTp) || data(records).stream().noneMatch(r -> r.value() == null)));

    Map<String, Written> survivors = new TreeMap<>(shortLast);
    survivors.keySet().removeAll(deleted);
    assertIncreasing(shortTp, read.get(shortTp));
    assertExactly(shortTp + " (delete.retention.ms=500)", survivors, read.get(shortTp));
    assertEquals(keys - deleted.size(), data(read.get(shortTp)).size());

    assertIncreasing(longTp, read.get(longTp));
    assertExactly(longTp + " (delete.retention.ms=1 day)", longLast, read.get(longTp));
    assertEquals(deleted.size(),
        data(read.get(longTp)).stream().filter(r -> r.value() == null).count(),
        longTp + ": tombstones kept");
    assertCleanLogged(shortTp);
    assertCleanLogged(longTp);
  }

  /**
   * 60 keys over 8 rounds (zstd): key k is written in rounds 0..(k+1)%8, so its survivor sits in
   * a different round and the removed offsets form gaps of every length, offset 0 among them.
   * After the clean: ListOffsets earliest is still 0 (compaction does not move the log start)
   * and latest the end; a consumer that seeks to a removed offset gets the next surviving record
   * first; offsetsForTimes of a removed record's timestamp answers the first surviving record
   * with a timestamp at or after it (rounds are 20 ms apart).
   */
  @Test
  void seekIntoACleanedRange() throws Exception {
    int keys = 60;
    int rounds = 8;
    TopicPartition tp = new TopicPartition(Kit.unique("compact-seek"), 0);
    Kit.createTopic(admin, tp.topic(), 1, compacted("compact", DAY_MS));
    List<Written> writes = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      List<String[]> pairs = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        if ((k + 1) % rounds >= r) pairs.add(new String[] {keyOf(k), valueOf(k, r)});
      }
      for (Written w : write(tp, "zstd", pairs)) {
        writes.add(new Written(w.key(), w.value(), writes.size(), w.offset(), w.timestamp()));
      }
      Thread.sleep(20);
    }
    for (int i = 0; i < writes.size(); i++) {
      assertEquals(i, writes.get(i).offset(), "offset of write #" + i);
    }

    List<ConsumerRecord<String, String>> records = awaitCleaned(
        "one record per key in " + tp.topic(), List.of(tp), (t, rs) -> deduplicated(rs)).get(tp);
    assertIncreasing(tp, records);
    assertEquals(keys, data(records).size(), tp + ": records left of " + writes.size());

    // The surviving offsets, and every written one that is gone.
    TreeMap<Long, ConsumerRecord<String, String>> survivors = new TreeMap<>();
    for (ConsumerRecord<String, String> r : records) survivors.put(r.offset(), r);
    long lastData = data(records).get(keys - 1).offset();
    List<Long> removed = new ArrayList<>();
    for (Written w : writes) {
      if (!survivors.containsKey(w.offset())) removed.add(w.offset());
    }
    assertEquals(writes.size() - keys, removed.size());
    assertTrue(removed.contains(0L), "offset 0 (key-000's first value) is removed: " + summary(records));

    long end = records.get(records.size() - 1).offset() + 1;
    assertEquals(0, listOffset(tp, OffsetSpec.earliest()), "ListOffsets earliest after compaction");
    assertEquals(end, listOffset(tp, OffsetSpec.latest()),
        "ListOffsets latest: after the last record (the active segment keeps it)");

    try (KafkaConsumer<String, String> consumer = Kit.consumer(broker, null)) {
      consumer.assign(List.of(tp));
      assertEquals(0L, consumer.beginningOffsets(List.of(tp)).get(tp));
      assertEquals(end, consumer.endOffsets(List.of(tp)).get(tp));

      // Seeks: offset 0, the first and the last offset of each gap, a few in between.
      TreeSet<Long> targets = new TreeSet<>();
      for (int i = 0; i < removed.size(); i++) {
        long o = removed.get(i);
        if (o > lastData) continue;
        boolean gapStart = i == 0 || removed.get(i - 1) != o - 1;
        boolean gapEnd = i == removed.size() - 1 || removed.get(i + 1) != o + 1;
        if (gapStart || gapEnd || i % 17 == 0) targets.add(o);
      }
      assertTrue(targets.size() >= 10, "seek targets " + targets);
      for (long o : targets) {
        ConsumerRecord<String, String> want = survivors.higherEntry(o).getValue();
        consumer.seek(tp, o);
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.isEmpty() && System.nanoTime() < deadline) {
          consumer.poll(Duration.ofMillis(200)).records(tp).forEach(got::add);
        }
        assertFalse(got.isEmpty(), "nothing polled after seek(" + o + ")");
        ConsumerRecord<String, String> first = got.get(0);
        assertEquals(want.offset(), first.offset(),
            "first record after seek(" + o + "), a removed offset");
        assertEquals(want.key(), first.key(), "key after seek(" + o + ")");
        assertEquals(want.value(), first.value(), "value after seek(" + o + ")");
      }

      // offsetsForTimes: the first surviving record (by offset) with a timestamp >= the target.
      int checked = 0;
      for (long o : removed) {
        if (o % 11 != 0 || o > lastData) continue;
        long ts = writes.get((int) o).timestamp();
        ConsumerRecord<String, String> want = survivors.values().stream()
            .filter(r -> r.timestamp() >= ts).findFirst().orElseThrow();
        OffsetAndTimestamp got = consumer.offsetsForTimes(Map.of(tp, ts)).get(tp);
        assertNotNull(got, "offsetsForTimes(" + ts + "), the timestamp of removed offset " + o);
        assertEquals(want.offset(), got.offset(),
            "offsetsForTimes(" + ts + "), the timestamp of removed offset " + o);
        assertEquals(want.timestamp(), got.timestamp(), "offsetsForTimes(" + ts + ") timestamp");
        checked++;
      }
      assertTrue(checked >= 5, "offsetsForTimes checked " + checked + " removed records");
    }
    assertCleanLogged(tp);
  }

  /** Transaction markers the broker logged removing from the partition's cleans. */
  private static long markersRemoved(TopicPartition tp) {
    String dir = tp.topic() + "-" + tp.partition() + ": cleaned ";
    Pattern count = Pattern.compile("\\((\\d+) transaction markers\\)");
    return broker.log().lines().filter(l -> l.contains(dir)).map(count::matcher)
        .filter(Matcher::find).mapToLong(m -> Long.parseLong(m.group(1))).sum();
  }

  /**
   * One transactional producer (lz4) writes three transactions to a topic with
   * delete.retention.ms=500: 40 keys committed, the same 40 keys aborted, then the 40 keys
   * committed again. After cleaning, a read_uncommitted and a read_committed consumer alike see
   * exactly the last committed value of every key, at its offset: the aborted records are gone
   * from the log, not only hidden. The first two transactions have no data left, so their
   * markers go once the cleaner has seen them 500 ms before (a samsa started here: its log
   * counts them); the last transaction's marker stays with its records. Both consumers read on
   * through the gaps the markers leave.
   */
  @Test
  void abortedRecordsAndSpentTransactionMarkersGo() throws Exception {
    int keys = 40;
    TopicPartition tp = new TopicPartition(Kit.unique("compact-txn"), 0);
    Kit.createTopic(admin, tp.topic(), 1, compacted("compact", "500"));
    List<Written> committed = new ArrayList<>();
    int seq = 0;
    try (KafkaProducer<String, String> producer = Kit.producer(broker, Map.of(
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, Kit.unique("compact-txn"),
        ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000",
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.LINGER_MS_CONFIG, "5"))) {
      producer.initTransactions();
      for (int round = 0; round < 3; round++) {
        producer.beginTransaction();
        List<Written> sent = new ArrayList<>();
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int k = 0; k < keys; k++, seq++) {
          String value = round == 1 ? "aborted-" + k : valueOf(k, round);
          List<Header> headers = List.of(new RecordHeader("seq", bytes(Integer.toString(seq))));
          futures.add(producer.send(
              new ProducerRecord<>(tp.topic(), tp.partition(), null, keyOf(k), value, headers)));
          sent.add(new Written(keyOf(k), value, seq, -1, -1));
        }
        producer.flush();
        if (round == 1) {
          producer.abortTransaction();
          continue;
        }
        producer.commitTransaction();
        for (int i = 0; i < sent.size(); i++) {
          RecordMetadata m = futures.get(i).get(30, TimeUnit.SECONDS);
          Written w = sent.get(i);
          committed.add(new Written(w.key(), w.value(), w.seq(), m.offset(), m.timestamp()));
        }
      }
    }
    Map<String, Written> expected = lastByKey(committed);

    List<ConsumerRecord<String, String>> records = awaitCleaned(
        "aborted records and spent markers gone from " + tp.topic(), List.of(tp),
        (t, rs) -> deduplicated(rs)
            && data(rs).stream().noneMatch(r -> r.value().startsWith("aborted-"))
            && (broker.isExternal() || markersRemoved(t) >= 2)).get(tp);
    assertIncreasing(tp, records);
    assertExactly(tp + " read_uncommitted", expected, records);

    Properties committedReader = Kit.consumerProps(broker, null);
    committedReader.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(committedReader)) {
      List<ConsumerRecord<String, String>> read = readPartition(consumer, tp);
      assertIncreasing(tp, read);
      assertExactly(tp + " read_committed", expected, read);
    }
    if (!broker.isExternal()) {
      assertEquals(2, markersRemoved(tp), "markers removed: the first commit's and the abort's");
    }
    assertCleanLogged(tp);
  }

  /**
   * A record without a key cannot go to a compacted topic: the produce fails with
   * InvalidRecordException (INVALID_RECORD) and nothing is appended; the same producer's next,
   * keyed record goes to offset 0. A topic with cleanup.policy=delete takes keyless records.
   */
  @Test
  void recordWithoutKeyIsRefused() throws Exception {
    TopicPartition tp = new TopicPartition(Kit.unique("compact-keyless"), 0);
    Kit.createTopic(admin, tp.topic(), 1, compacted("compact", DAY_MS));
    TopicPartition plain = new TopicPartition(Kit.unique("delete-keyless"), 0);
    Kit.createTopic(admin, plain.topic(), 1);
    try (KafkaProducer<String, String> producer = Kit.producer(broker)) {
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> send(producer, new ProducerRecord<>(tp.topic(), 0, null, "no key")));
      assertInstanceOf(InvalidRecordException.class, e.getCause(),
          "a keyless record to a compacted topic");
      log("keyless record refused: " + e.getCause());

      RecordMetadata keyed = send(producer, new ProducerRecord<>(tp.topic(), 0, "k", "keyed"));
      assertEquals(0, keyed.offset(), "the next, keyed record: the refused one took no offset");
      RecordMetadata keyless =
          send(producer, new ProducerRecord<>(plain.topic(), 0, null, "no key"));
      assertEquals(0, keyless.offset(), "a keyless record to a delete topic");
    }
    Map<TopicPartition, Long> ends = new HashMap<>();
    for (TopicPartition t : List.of(tp, plain)) {
      ends.put(t, listOffset(t, OffsetSpec.latest()));
    }
    assertEquals(Map.of(tp, 1L, plain, 1L), ends, "end offsets");
    List<ConsumerRecord<String, String>> got = Kit.readAll(broker, List.of(tp), 1);
    assertEquals(1, got.size());
    assertEquals("k", got.get(0).key());
    assertEquals("keyed", got.get(0).value());
  }
}
