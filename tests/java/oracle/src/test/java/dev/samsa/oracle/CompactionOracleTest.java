package dev.samsa.oracle;

import static dev.samsa.oracle.MetadataTopicsOracleTest.topic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Log compaction (cleanup.policy=compact) on both brokers, both started with
 * log.cleaner.backoff.ms=100 ({@link Brokers#SETTINGS}).
 *
 * <p>Set-up, the same on both, through the oracle (every answer compared): two topics of one
 * partition with segment.ms=100 and min.cleanable.dirty.ratio=0.01, one with
 * cleanup.policy=compact and delete.retention.ms=500 (tombstones go once the cleaner has kept
 * them 500 ms), one with cleanup.policy=compact,delete and delete.retention.ms of a day
 * (tombstones stay). Each Produce request writes the same batch to both topics, so the two
 * topics hold the same records at the same offsets: 22 keys, batches uncompressed, gzip,
 * snappy, lz4 and zstd; overwrites (two of one key in one batch too), tombstones, a key
 * revived after its tombstone; a transaction (transactions v2: Produce v12+, EndTxn v5+)
 * that commits overwrites, a tombstone and a new key, and one that aborts overwrites, a
 * tombstone and a key written nowhere else. Every record has the CreateTime T0 + its write
 * index (an hour ago, the same on both) and headers (seq, batch, and a null-valued one on
 * every fifth).
 *
 * <p>Rolling: the cleaner never touches the active segment, and a segment rolls only when a
 * record arrives after segment.ms (Kafka measures that in record timestamps). So the test
 * appends a record with the key {@value #ROLL_KEY} (timestamp: now) to each topic every
 * ~150 ms, the same record to both brokers in the same round (compared Produce answers), so
 * both logs always have the same end offset, until BOTH brokers are fully compacted: what a
 * consumer reads from the beginning (read_uncommitted) has no key twice, no record of the
 * aborted transaction and, in the delete.retention.ms=500 topic, no tombstone. That state is
 * fixed: every superseded record is gone and nothing else can go, so it is the same whatever
 * each cleaner did when. Bounded: after 30 s the test reports which broker is not there yet
 * (a finding) and compares what it has.
 *
 * <p>Compared then (field by field, rules of the oracle; a difference is a finding):
 * <ul>
 *   <li>what a Java consumer reads from the beginning of each topic, read_uncommitted and
 *       read_committed: every data record (all but {@value #ROLL_KEY}) by offset with its
 *       key, value (null for a tombstone), headers, timestamp, timestamp type and leader
 *       epoch;
 *   <li>ListOffsets earliest (-2, still 0: compaction does not move the log start),
 *       earliest-local (-4), latest (-1, also read_committed: the last stable offset) and
 *       max-timestamp (-3, the last roll record) at every version both serve, and by
 *       timestamp for T0 + every write index (the first surviving record at or after it; a
 *       target after the committed transaction's records, T0+36 on, answers its commit marker,
 *       as both search control batches too: the marker's timestamp is the clock of the broker
 *       that wrote it and is compared as "broker clock", its offset as it is);
 *   <li>a record without a key (scenarios tagged #keyless-record): refused on both
 *       (INVALID_RECORD) at every Produce version, alone and as the second record of a gzip
 *       batch, with the per-record errors (v8+), and the end offsets afterwards.
 * </ul>
 *
 * <p>Not compared, as it legitimately depends on timing: the {@value #ROLL_KEY} records
 * (which of them are left depends on which segments each cleaner has cleaned when; their
 * count and offsets are the same on both, since both get the same ones), how records are
 * grouped into batches and segments after cleaning, and transaction markers (consumers do not
 * see them). Besides, both reads are checked against the expected final state (the last
 * committed write of each key, tombstones gone or kept as the topic says); a mismatch of
 * both is printed (it would be this test's mistake, not samsa's).
 */
class CompactionOracleTest extends OracleTestBase {
  static final long T0 = ProduceFetchOracleTest.T0;
  /** The key of the records that only roll segments; left out of what is compared. */
  static final String ROLL_KEY = "~roll";
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String SHORT_RETENTION_MS = "500";
  static final String DAY_MS = "86400000";

  /** One data record the test writes to every topic: seq is its write index (time T0 + seq). */
  record Write(int seq, String key, String value, String batch, boolean aborted) {}

  /** A Produce request's worth of records (or a transaction's), the same for every topic. */
  record Batch(String label, Compression compression, Boolean commit, List<Write> writes) {
    boolean transactional() {
      return commit != null;
    }
  }

  private final Map<Oracle.Side, KafkaConsumer<byte[], byte[]>> consumers =
      new EnumMap<>(Oracle.Side.class);
  /** The timestamps of the {@value #ROLL_KEY} records (the same on both brokers). */
  private final Set<Long> rollTimestamps = new HashSet<>();

  @AfterEach
  void closeConsumers() {
    consumers.values().forEach(KafkaConsumer::close);
    consumers.clear();
  }

  // ------------------------------------------------------------------ the records

  /** The scenario, in write order; see the class comment. */
  static List<Batch> scenario() {
    List<Batch> batches = new ArrayList<>();
    int[] seq = {0};
    Function<Object[], List<Write>> writes = kv -> {
      String label = (String) kv[0];
      boolean aborted = (Boolean) kv[1];
      List<Write> out = new ArrayList<>();
      for (int i = 2; i < kv.length; i += 2) {
        out.add(new Write(seq[0]++, key((Integer) kv[i]), (String) kv[i + 1], label, aborted));
      }
      return out;
    };
    List<Object> first = new ArrayList<>(List.of("first", false));
    for (int k = 0; k < 20; k++) {
      first.add(k);
      first.add("first-" + k);
    }
    batches.add(new Batch("first values, uncompressed", Compression.NONE, null,
        writes.apply(first.toArray())));
    List<Object> second = new ArrayList<>(List.of("second", false));
    for (int k = 0; k < 10; k++) {
      second.add(k);
      second.add("second-" + k);
    }
    second.addAll(java.util.Arrays.asList(15, null, 16, null));
    batches.add(new Batch("overwrites and tombstones, gzip", Compression.gzip().build(), null,
        writes.apply(second.toArray())));
    batches.add(new Batch("committed transaction, snappy", Compression.snappy().build(), true,
        writes.apply(new Object[] {"committed", false, 3, "committed-3", 4, "committed-4",
            18, null, 21, "committed-21"})));
    batches.add(new Batch("aborted transaction, lz4", Compression.lz4().build(), false,
        writes.apply(new Object[] {"aborted", true, 5, "aborted-5", 6, "aborted-6", 0, null,
            20, "aborted-20"})));
    batches.add(new Batch("overwrites, a revived key, a key twice, zstd",
        Compression.zstd().build(), null,
        writes.apply(new Object[] {"third", false, 9, "third-9", 10, "third-10", 11, "third-11",
            12, "third-12", 16, "revived-16", 1, null, 13, "third-13a", 13, "third-13b"})));
    batches.add(new Batch("last write, uncompressed", Compression.NONE, null,
        writes.apply(new Object[] {"last", false, 2, "last-2"})));
    return batches;
  }

  static String key(int k) {
    return String.format("key-%02d", k);
  }

  static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  static SimpleRecord record(Write w) {
    List<Header> headers = new ArrayList<>(List.of(
        new RecordHeader("seq", bytes(Integer.toString(w.seq()))),
        new RecordHeader("batch", bytes(w.batch()))));
    if (w.seq() % 5 == 0) headers.add(new RecordHeader("nullable", null));
    return new SimpleRecord(T0 + w.seq(), bytes(w.key()), bytes(w.value()),
        headers.toArray(new Header[0]));
  }

  /** One Produce request with the same records for partition 0 of every topic. */
  static ProduceRequestData produce(List<String> topics, String transactionalId,
      java.util.function.Supplier<MemoryRecords> records) {
    var c = new ProduceRequestData.TopicProduceDataCollection();
    for (String t : topics) {
      c.add(new ProduceRequestData.TopicProduceData().setName(t).setPartitionData(List.of(
          new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records.get()))));
    }
    return new ProduceRequestData().setTransactionalId(transactionalId).setAcks((short) -1)
        .setTimeoutMs(30000).setTopicData(c);
  }

  // ------------------------------------------------------------------ transactions

  /**
   * Kafka creates __transaction_state on the first transactional FindCoordinator and answers
   * COORDINATOR_NOT_AVAILABLE until it is loaded; its first InitProducerId waits for a block of
   * producer ids. Waits (bounded) until each broker gives a transactional producer id.
   */
  private void warmUpTransactions() {
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 60000;
      while (true) {
        String warm = unique("compact-txn-warm");
        var f = (FindCoordinatorResponseData) oracle.only(side, ApiKeys.FIND_COORDINATOR, 3,
            new FindCoordinatorRequestData().setKey(warm).setKeyType((byte) 1));
        if (f.errorCode() == 0) {
          var i = (InitProducerIdResponseData) oracle.only(side, ApiKeys.INIT_PRODUCER_ID, 0,
              TransactionsOracleTest.init(warm));
          if (i.errorCode() == 0) break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(side + ": no transaction coordinator: " + f);
        }
        KafkaBroker.sleep(200);
      }
    }
  }

  /** Kafka writes the markers after answering EndTxn: waits (bounded) until both are done. */
  private void awaitTransaction(String txn, String state) {
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 15000;
      while (true) {
        var r = (DescribeTransactionsResponseData) oracle.only(side,
            ApiKeys.DESCRIBE_TRANSACTIONS, 0, TransactionsOracleTest.describe(txn));
        var st = r.transactionStates().get(0);
        if (st.errorCode() == 0 && st.transactionState().equals(state)) break;
        if (System.currentTimeMillis() > deadline) {
          oracle.finding(side + ": transaction " + txn + " still " + st.transactionState()
              + " (error " + st.errorCode() + ") 15 s after EndTxn, expected " + state);
          break;
        }
        KafkaBroker.sleep(20);
      }
    }
  }

  /** Writes a batch to every topic: one Produce request, or a whole transaction (v2). */
  private void write(List<String> topics, Batch b, short produceV, short endTxnV) {
    if (!b.transactional()) {
      oracle.send("write: " + b.label(), ApiKeys.PRODUCE, produceV, side -> produce(topics, null,
          () -> MemoryRecords.withRecords(b.compression(),
              b.writes().stream().map(CompactionOracleTest::record).toArray(SimpleRecord[]::new))));
      return;
    }
    String txn = unique("compact-txn");
    Oracle.Result init = oracle.send("write: " + b.label() + ": InitProducerId",
        ApiKeys.INIT_PRODUCER_ID, latest(oracle, ApiKeys.INIT_PRODUCER_ID),
        TransactionsOracleTest.init(txn));
    Map<Oracle.Side, long[]> ids = new EnumMap<>(Oracle.Side.class);
    for (Oracle.Side s : Oracle.Side.values()) {
      InitProducerIdResponseData d = init.of(s);
      ids.put(s, d == null ? new long[] {-1, -1} : new long[] {d.producerId(), d.producerEpoch()});
    }
    oracle.send("write: " + b.label() + ": transactional batch", ApiKeys.PRODUCE, produceV,
        side -> produce(topics, txn, () -> MemoryRecords.withTransactionalRecords(
            b.compression(), ids.get(side)[0], (short) ids.get(side)[1], 0,
            b.writes().stream().map(CompactionOracleTest::record).toArray(SimpleRecord[]::new))));
    oracle.send("write: " + b.label() + ": EndTxn", ApiKeys.END_TXN, endTxnV,
        side -> TransactionsOracleTest.endTxn(txn, ids.get(side)[0], (short) ids.get(side)[1],
            b.commit()));
    awaitTransaction(txn, b.commit() ? "CompleteCommit" : "CompleteAbort");
  }

  // ------------------------------------------------------------------ reading

  private KafkaConsumer<byte[], byte[]> consumer(Oracle.Side side, boolean readCommitted) {
    Brokers b = Brokers.get();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        side == Oracle.Side.SAMSA ? b.samsa.bootstrap() : "127.0.0.1:" + b.kafka.port());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "compaction-oracle");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        readCommitted ? "read_committed" : "read_uncommitted");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  /** Partition 0 of the topic from its beginning to its end offset (read_committed: the LSO). */
  private static List<ConsumerRecord<byte[], byte[]>> read(KafkaConsumer<byte[], byte[]> c,
      String topic) {
    TopicPartition tp = new TopicPartition(topic, 0);
    c.assign(List.of(tp));
    c.seekToBeginning(List.of(tp));
    long end = c.endOffsets(List.of(tp)).get(tp);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (c.position(tp) < end) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("read " + tp + " up to " + c.position(tp) + " of " + end);
      }
      out.addAll(c.poll(Duration.ofMillis(100)).records(tp));
    }
    return out;
  }

  private static List<ConsumerRecord<byte[], byte[]>> data(
      List<ConsumerRecord<byte[], byte[]>> rs) {
    return rs.stream().filter(r -> !ROLL_KEY.equals(text(r.key()))).collect(Collectors.toList());
  }

  /**
   * Fully compacted: no key twice, nothing of the aborted transaction and, where tombstones
   * go, no tombstone.
   */
  private static boolean compacted(List<ConsumerRecord<byte[], byte[]>> rs, boolean tombstonesGo) {
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : data(rs)) {
      String v = text(r.value());
      if (!seen.add(text(r.key()))) return false;
      if (v != null && v.startsWith("aborted-")) return false;
      if (v == null && tombstonesGo) return false;
    }
    return true;
  }

  private static String summary(List<ConsumerRecord<byte[], byte[]>> rs) {
    List<ConsumerRecord<byte[], byte[]>> d = data(rs);
    long keys = d.stream().map(r -> text(r.key())).distinct().count();
    long tombstones = d.stream().filter(r -> r.value() == null).count();
    long aborted = d.stream()
        .filter(r -> r.value() != null && text(r.value()).startsWith("aborted-")).count();
    return rs.size() + " records (" + d.size() + " data, " + keys + " keys, " + tombstones
        + " tombstones, " + aborted + " aborted; " + (rs.size() - d.size()) + " " + ROLL_KEY + ")";
  }

  /** The data records as compared: by offset, everything a consumer sees of each. */
  private static ObjectNode recordsJson(List<ConsumerRecord<byte[], byte[]>> rs) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    List<ConsumerRecord<byte[], byte[]>> d = data(rs);
    root.put("dataRecords", d.size());
    ObjectNode byOffset = root.putObject("records");
    for (ConsumerRecord<byte[], byte[]> r : d) {
      ObjectNode n = byOffset.putObject(Long.toString(r.offset()));
      n.put("key", text(r.key()));
      n.put("value", text(r.value()));
      ArrayNode hs = n.putArray("headers");
      for (Header h : r.headers()) hs.add(h.key() + "=" + text(h.value()));
      n.put("timestamp", "T0+" + (r.timestamp() - T0));
      n.put("timestampType", r.timestampType().name);
      n.put("leaderEpoch", r.leaderEpoch().map(Object::toString).orElse("none"));
    }
    return root;
  }

  /** offset -> key=value of the data records. */
  private static Map<Long, String> state(List<ConsumerRecord<byte[], byte[]>> rs) {
    Map<Long, String> m = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : data(rs)) {
      m.put(r.offset(), text(r.key()) + "=" + text(r.value()));
    }
    return m;
  }

  /**
   * The expected final state: the last committed write of each key at its offset (the
   * records of a batch at consecutive offsets, one marker after each transaction); keys whose
   * last write is a tombstone are gone where tombstones go.
   */
  private static Map<Long, String> expected(List<Batch> batches, boolean tombstonesGo) {
    Map<String, Long> lastOffset = new LinkedHashMap<>();
    Map<String, String> lastValue = new LinkedHashMap<>();
    long offset = 0;
    for (Batch b : batches) {
      for (Write w : b.writes()) {
        if (!w.aborted()) {
          lastOffset.put(w.key(), offset);
          lastValue.put(w.key(), w.value());
        }
        offset++;
      }
      if (b.transactional()) offset++;
    }
    Map<Long, String> m = new TreeMap<>();
    lastOffset.forEach((k, o) -> {
      String v = lastValue.get(k);
      if (v != null || !tombstonesGo) m.put(o, k + "=" + v);
    });
    return m;
  }

  /**
   * Appends one {@value #ROLL_KEY} record to every topic on both brokers (the same record,
   * compared), then reads every topic on each from the beginning, until both brokers have
   * every topic compacted, or WAIT has passed (a finding). Answers the last reads.
   */
  private Map<Oracle.Side, Map<String, List<ConsumerRecord<byte[], byte[]>>>> rollUntilCompacted(
      List<String> topics, Set<String> tombstonesGo, short produceV) {
    long started = System.nanoTime();
    long deadline = started + WAIT.toNanos();
    Map<Oracle.Side, Map<String, List<ConsumerRecord<byte[], byte[]>>>> last =
        new EnumMap<>(Oracle.Side.class);
    Map<Oracle.Side, Long> doneAfter = new EnumMap<>(Oracle.Side.class);
    for (int round = 1; ; round++) {
      long roundStart = System.nanoTime();
      long now = System.currentTimeMillis();
      rollTimestamps.add(now);
      String value = "roll-" + round;
      oracle.send("roll record " + round, ApiKeys.PRODUCE, produceV, side -> produce(topics, null,
          () -> MemoryRecords.withRecords(Compression.NONE,
              new SimpleRecord(now, bytes(ROLL_KEY), bytes(value)))));
      boolean all = true;
      for (Oracle.Side side : Oracle.Side.values()) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> reads = new LinkedHashMap<>();
        boolean done = true;
        for (String t : topics) {
          List<ConsumerRecord<byte[], byte[]>> rs = read(consumers.get(side), t);
          reads.put(t, rs);
          done &= compacted(rs, tombstonesGo.contains(t));
        }
        last.put(side, reads);
        if (done) {
          doneAfter.putIfAbsent(side, (System.nanoTime() - started) / 1_000_000);
        } else {
          all = false;
        }
      }
      if (all) {
        System.out.printf("compaction-oracle: both compacted after %d rounds (samsa after %d ms,"
            + " Kafka after %d ms)%n", round, doneAfter.get(Oracle.Side.SAMSA),
            doneAfter.get(Oracle.Side.KAFKA));
        return last;
      }
      if (System.nanoTime() > deadline) {
        for (Oracle.Side side : Oracle.Side.values()) {
          oracle.finding(side + (doneAfter.containsKey(side) ? " compacted after "
              + doneAfter.get(side) + " ms" : " NOT compacted after " + WAIT.toSeconds()
              + " s (" + round + " rolls)") + ": " + last.get(side).entrySet().stream()
              .map(e -> e.getKey() + " " + summary(e.getValue()))
              .collect(Collectors.joining("; ")));
        }
        return last;
      }
      long sleep = 150 - (System.nanoTime() - roundStart) / 1_000_000;
      if (sleep > 0) KafkaBroker.sleep(sleep);
    }
  }

  /**
   * ListOffsets by timestamp also answers transaction markers (Kafka searches control batches
   * too, and so does samsa): a target after the committed transaction's records answers its
   * marker, whose timestamp is the clock of the broker that wrote it. Such a timestamp (neither
   * a data record's T0 + seq nor a {@value #ROLL_KEY} record's) is compared as "broker clock";
   * the offset beside it is still compared.
   */
  private Consumer<JsonNode> markerTimestamps(int lastSeq) {
    return json -> {
      for (JsonNode t : json.path("topics")) {
        for (JsonNode p : t.path("partitions")) {
          JsonNode ts = p.get("timestamp");
          if (ts == null || !ts.isNumber()) continue;
          long v = ts.asLong();
          if (v >= T0 && v <= T0 + lastSeq || rollTimestamps.contains(v) || v < 0) continue;
          ((ObjectNode) p).put("timestamp", "broker clock (a transaction marker)");
        }
      }
    };
  }

  // ------------------------------------------------------------------ the test

  @Test
  void compactedTopicsReadTheSame() {
    short produceV = latest(oracle, ApiKeys.PRODUCE);
    short endTxnV = latest(oracle, ApiKeys.END_TXN);
    if (produceV < 12 || endTxnV < 5) {
      throw new IllegalStateException("transactions v2 not served by both: Produce up to v"
          + produceV + ", EndTxn up to v" + endTxnV);
    }
    warmUpTransactions();
    String compact = unique("compact");
    String compactDelete = unique("compact-delete");
    createTopic(compact, 1, topic(compact, 1, (short) 1, "cleanup.policy", "compact",
        "segment.ms", "100", "min.cleanable.dirty.ratio", "0.01",
        "delete.retention.ms", SHORT_RETENTION_MS));
    createTopic(compactDelete, 1, topic(compactDelete, 1, (short) 1,
        "cleanup.policy", "compact,delete", "segment.ms", "100",
        "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", DAY_MS));
    List<String> topics = List.of(compact, compactDelete);
    Set<String> tombstonesGo = Set.of(compact);

    List<Batch> batches = scenario();
    for (Batch b : batches) write(topics, b, produceV, endTxnV);

    for (Oracle.Side side : Oracle.Side.values()) consumers.put(side, consumer(side, false));
    long t0 = System.nanoTime();
    Map<Oracle.Side, Map<String, List<ConsumerRecord<byte[], byte[]>>>> reads =
        rollUntilCompacted(topics, tombstonesGo, produceV);
    long rolling = (System.nanoTime() - t0) / 1_000_000;

    short fetchV = latest(oracle, ApiKeys.FETCH);
    Map<Oracle.Side, KafkaConsumer<byte[], byte[]>> committed = new EnumMap<>(Oracle.Side.class);
    try {
      for (Oracle.Side side : Oracle.Side.values()) committed.put(side, consumer(side, true));
      for (String t : topics) {
        String policy = t.equals(compact) ? "compact, delete.retention.ms=" + SHORT_RETENTION_MS
            : "compact,delete, delete.retention.ms=" + DAY_MS;
        var s = reads.get(Oracle.Side.SAMSA).get(t);
        var k = reads.get(Oracle.Side.KAFKA).get(t);
        oracle.compareTrees("consumer from the beginning, read_uncommitted, after compaction ("
            + policy + ")", ApiKeys.FETCH, fetchV, recordsJson(s), recordsJson(k));
        var sc = read(committed.get(Oracle.Side.SAMSA), t);
        var kc = read(committed.get(Oracle.Side.KAFKA), t);
        oracle.compareTrees("consumer from the beginning, read_committed, after compaction ("
            + policy + ")", ApiKeys.FETCH, fetchV, recordsJson(sc), recordsJson(kc));
        Map<Long, String> want = expected(batches, tombstonesGo.contains(t));
        System.out.printf("compaction-oracle: %s (%s): samsa %s, Kafka %s; the expected final "
            + "state (%d records): samsa %s, Kafka %s%n", t, policy, summary(s), summary(k),
            want.size(), state(s).equals(want) ? "matches" : "DIFFERS " + state(s),
            state(k).equals(want) ? "matches" : "DIFFERS " + state(k));
      }
    } finally {
      committed.values().forEach(KafkaConsumer::close);
    }

    int lastSeq = batches.get(batches.size() - 1).writes().get(0).seq();
    for (String t : topics) {
      for (short v : oracle.versions(ApiKeys.LIST_OFFSETS)) {
        for (long spec : new long[] {-2L, -1L, -3L, -4L}) {
          if (spec == -3L && v < 7 || spec == -4L && v < 8) continue;
          oracle.send("after compaction: spec " + spec, ApiKeys.LIST_OFFSETS, v,
              ProduceFetchOracleTest.listOffsets(v, t, 0, spec));
        }
        if (v >= 2) {
          oracle.send("after compaction: read_committed latest (last stable offset)",
              ApiKeys.LIST_OFFSETS, v,
              ProduceFetchOracleTest.listOffsets(v, t, 0, -1L).setIsolationLevel((byte) 1));
        }
      }
      short lv = latest(oracle, ApiKeys.LIST_OFFSETS);
      for (int seq = 0; seq <= lastSeq; seq++) {
        long target = T0 + seq;
        oracle.send("after compaction: timestamp T0+" + seq, ApiKeys.LIST_OFFSETS, lv,
            side -> ProduceFetchOracleTest.listOffsets(lv, t, 0, target),
            markerTimestamps(lastSeq));
      }
    }

    for (short v : oracle.versions(ApiKeys.PRODUCE)) {
      oracle.send("a record without a key to compacted topics #keyless-record", ApiKeys.PRODUCE,
          v, side -> produce(topics, null, () -> MemoryRecords.withRecords(Compression.NONE,
              new SimpleRecord(T0, null, bytes("no key")))));
    }
    oracle.send("a gzip batch whose second record has no key #keyless-record", ApiKeys.PRODUCE,
        produceV, side -> produce(topics, null, () -> MemoryRecords.withRecords(
            Compression.gzip().build(),
            new SimpleRecord(T0, bytes(key(0)), bytes("keyed")),
            new SimpleRecord(T0 + 1, null, bytes("no key")),
            new SimpleRecord(T0 + 2, bytes(key(1)), bytes("keyed")))));
    short lv = latest(oracle, ApiKeys.LIST_OFFSETS);
    for (String t : topics) {
      oracle.send("latest after the refused keyless records #keyless-record",
          ApiKeys.LIST_OFFSETS, lv, ProduceFetchOracleTest.listOffsets(lv, t, 0, -1L));
    }
    System.out.printf("compaction-oracle: rolled for %d ms%n", rolling);
  }
}
