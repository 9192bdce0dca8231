package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Transactions with the Java client on its defaults plus transactional.id: commit and abort
 * seen through read_committed and read_uncommitted, the last stable offset of an open
 * transaction, consume-transform-produce with sendOffsetsToTransaction, zombie fencing, the
 * transaction Admin APIs and the coordinator's abort of a timed-out transaction.
 *
 * <p>The expectations were checked against a real Apache Kafka 4.4 broker (KRaft, one node)
 * with both client generations: run with SamsaBroker's external mode (samsa.bootstrap /
 * SAMSA_BOOTSTRAP, see the oracle's KafkaBroker main). Offsets below are Kafka's layout: one
 * control record (marker) per partition per ended transaction.
 */
@Timeout(120) // each test; its own waits are bounded well below
class TransactionsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static SamsaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() {
    broker = SamsaBroker.start();
    admin = Kit.admin(broker);
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  // ---------------------------------------------------------------- helpers

  private static KafkaProducer<String, String> txProducer(String transactionalId) {
    return txProducer(transactionalId, Map.of());
  }

  /** Client defaults plus transactional.id; blocking calls (initTransactions, commit) bounded by 30 s. */
  private static KafkaProducer<String, String> txProducer(String transactionalId, Map<String, String> extra) {
    Map<String, String> p = new HashMap<>(extra);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    return Kit.producer(broker, p);
  }

  private static Properties consumerProps(String group, IsolationLevel isolation) {
    Properties p = Kit.consumerProps(broker, group);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString());
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return p;
  }

  /** An assigned consumer (no group) at the beginning of the partitions. */
  private static KafkaConsumer<String, String> assigned(IsolationLevel isolation, Collection<TopicPartition> tps) {
    KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(null, isolation));
    c.assign(tps);
    c.seekToBeginning(tps);
    return c;
  }

  /**
   * Polls until the consumer's position reached {@code ends} on every partition (bounded),
   * returning what arrived on the way.
   */
  private static List<ConsumerRecord<String, String>> pollUntilPositions(
      KafkaConsumer<String, String> c, Map<TopicPartition, Long> ends) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      boolean done = true;
      for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
        if (c.position(e.getKey()) < e.getValue()) done = false;
      }
      if (done) return out;
      if (System.nanoTime() > deadline) {
        Map<TopicPartition, Long> at = new HashMap<>();
        for (TopicPartition tp : ends.keySet()) at.put(tp, c.position(tp));
        fail("positions " + at + " did not reach " + ends + " within " + WAIT + "; got " + describe(out));
      }
      c.poll(Duration.ofMillis(200)).forEach(out::add);
    }
  }

  /** Polls for about {@code ms} and returns whatever came (for "nothing arrives" checks). */
  private static List<ConsumerRecord<String, String>> pollFor(KafkaConsumer<String, String> c, long ms) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    while (System.nanoTime() < deadline) c.poll(Duration.ofMillis(100)).forEach(out::add);
    return out;
  }

  private static Map<TopicPartition, Long> each(Collection<TopicPartition> tps, long offset) {
    Map<TopicPartition, Long> m = new HashMap<>();
    for (TopicPartition tp : tps) m.put(tp, offset);
    return m;
  }

  private static String describe(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(r -> r.partition() + "@" + r.offset() + "=" + r.value())
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** "offset=value" per record of one partition, in the order received. */
  private static List<String> offsetsAndValues(List<ConsumerRecord<String, String>> records, int partition) {
    return records.stream().filter(r -> r.partition() == partition)
        .map(r -> r.offset() + "=" + r.value()).toList();
  }

  private static long listOffset(TopicPartition tp, IsolationLevel isolation) {
    return Kit.get(admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).all())
        .get(tp).offset();
  }

  /** True when the throwable or one of its causes is a fencing error of the producer. */
  private static boolean isFencing(Throwable t) {
    for (Throwable x = t; x != null; x = x.getCause()) {
      if (x instanceof ProducerFencedException || x instanceof InvalidProducerEpochException) return true;
      if (x.getCause() == x) break;
    }
    return false;
  }

  private static String chain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable x = t; x != null; x = x.getCause()) {
      if (sb.length() > 0) sb.append(" <- ");
      sb.append(x.getClass().getSimpleName()).append('(').append(x.getMessage()).append(')');
      if (x.getCause() == x) break;
    }
    return sb.toString();
  }

  /**
   * The broker's finalized transaction.version feature (0 when it has none). From level 2
   * (KIP-890 part 2, Kafka 4.0's default) a 4.x client ends each transaction with an epoch
   * bump, and some failures surface differently; the 3.9 client always uses version 1.
   */
  private static short transactionVersion() {
    FinalizedVersionRange tv = Kit.get(admin.describeFeatures().featureMetadata())
        .finalizedFeatures().get("transaction.version");
    return tv == null ? 0 : tv.maxVersionLevel();
  }

  /** True when this client and broker run transactions with KIP-890's epoch bump per transaction. */
  private static boolean transactionsV2() {
    return Kit.atLeastKafka4() && transactionVersion() >= 2;
  }

  private static void log(String what) {
    System.out.println("TransactionsTest[client " + Kit.clientVersion() + "]: " + what);
  }

  // ---------------------------------------------------------------- tests

  /**
   * Three transactions over three partitions: committed, aborted, committed. read_committed
   * sees the two committed ones, read_uncommitted all three; neither sees a control record,
   * and the offsets of the markers (3, 7, 11 in each partition) are gaps.
   */
  @Test
  void commitAbortCommit() throws Exception {
    String topic = Kit.unique("txn-cac");
    int partitions = 3;
    int perPartition = 3;
    Kit.createTopic(admin, topic, partitions);
    List<TopicPartition> tps = Kit.partitions(topic, partitions);

    try (KafkaProducer<String, String> producer = txProducer(Kit.unique("tx-cac"))) {
      producer.initTransactions();
      for (int txn = 0; txn < 3; txn++) {
        producer.beginTransaction();
        List<java.util.concurrent.Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < perPartition; i++) {
          for (int p = 0; p < partitions; p++) {
            futures.add(producer.send(new ProducerRecord<>(topic, p, "k" + i, "t" + txn + "-p" + p + "-" + i)));
          }
        }
        producer.flush();
        for (int j = 0; j < futures.size(); j++) {
          RecordMetadata m = futures.get(j).get(30, TimeUnit.SECONDS);
          // txn k's records sit at 4k..4k+2: each earlier transaction left one marker
          assertEquals(4L * txn + j / partitions, m.offset(), "offset of txn " + txn + " send " + j);
        }
        if (txn == 1) producer.abortTransaction();
        else producer.commitTransaction();
      }
    }

    long logEnd = 3L * (perPartition + 1); // three transactions, each with its marker
    try (KafkaConsumer<String, String> committed = assigned(IsolationLevel.READ_COMMITTED, tps)) {
      List<ConsumerRecord<String, String>> got = pollUntilPositions(committed, each(tps, logEnd));
      got.addAll(pollFor(committed, 300));
      assertEquals(2 * partitions * perPartition, got.size(), "read_committed: " + describe(got));
      for (int p = 0; p < partitions; p++) {
        List<String> want = new ArrayList<>();
        for (int txn : new int[] {0, 2}) {
          for (int i = 0; i < perPartition; i++) want.add((4L * txn + i) + "=t" + txn + "-p" + p + "-" + i);
        }
        assertEquals(want, offsetsAndValues(got, p), "read_committed partition " + p);
        assertEquals(logEnd, committed.position(tps.get(p)), "read_committed position past the last marker");
      }
      Map<TopicPartition, Long> ends = committed.endOffsets(tps);
      for (TopicPartition tp : tps) assertEquals(logEnd, ends.get(tp), "read_committed endOffsets (LSO) " + tp);
    }
    try (KafkaConsumer<String, String> all = assigned(IsolationLevel.READ_UNCOMMITTED, tps)) {
      List<ConsumerRecord<String, String>> got = pollUntilPositions(all, each(tps, logEnd));
      got.addAll(pollFor(all, 300));
      assertEquals(3 * partitions * perPartition, got.size(), "read_uncommitted: " + describe(got));
      for (int p = 0; p < partitions; p++) {
        List<String> want = new ArrayList<>();
        for (int txn = 0; txn < 3; txn++) {
          for (int i = 0; i < perPartition; i++) want.add((4L * txn + i) + "=t" + txn + "-p" + p + "-" + i);
        }
        assertEquals(want, offsetsAndValues(got, p), "read_uncommitted partition " + p + " (no control records)");
        assertEquals(logEnd, all.position(tps.get(p)), "read_uncommitted position at the log end");
      }
      Map<TopicPartition, Long> ends = all.endOffsets(tps);
      for (TopicPartition tp : tps) assertEquals(logEnd, ends.get(tp), "read_uncommitted endOffsets " + tp);
    }
  }

  /**
   * An open transaction holds read_committed back at its first offset (the LSO), including
   * non-transactional records written after it; once committed, everything is delivered.
   */
  @Test
  void openTransactionHoldsBackReadCommitted() throws Exception {
    String topic = Kit.unique("txn-open");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    List<TopicPartition> tps = List.of(tp);

    try (KafkaProducer<String, String> plain = Kit.producer(broker);
        KafkaProducer<String, String> a = txProducer(Kit.unique("tx-open"))) {
      for (int i = 0; i < 2; i++) plain.send(new ProducerRecord<>(topic, 0, "k", "before-" + i)).get(30, TimeUnit.SECONDS);
      a.initTransactions();
      a.beginTransaction();
      List<java.util.concurrent.Future<RecordMetadata>> txn = new ArrayList<>();
      for (int i = 0; i < 5; i++) txn.add(a.send(new ProducerRecord<>(topic, 0, "k", "txn-" + i)));
      a.flush();
      for (int i = 0; i < 5; i++) assertEquals(2L + i, txn.get(i).get(30, TimeUnit.SECONDS).offset());
      for (int i = 0; i < 3; i++) {
        assertEquals(7L + i, plain.send(new ProducerRecord<>(topic, 0, "k", "after-" + i)).get(30, TimeUnit.SECONDS).offset());
      }

      // LSO = 2 (the open transaction's first offset); the log end is 10.
      assertEquals(2L, listOffset(tp, IsolationLevel.READ_COMMITTED), "Admin listOffsets latest, read_committed");
      assertEquals(10L, listOffset(tp, IsolationLevel.READ_UNCOMMITTED), "Admin listOffsets latest, read_uncommitted");
      try (KafkaConsumer<String, String> rc = assigned(IsolationLevel.READ_COMMITTED, tps);
          KafkaConsumer<String, String> ru = assigned(IsolationLevel.READ_UNCOMMITTED, tps)) {
        assertEquals(2L, rc.endOffsets(tps).get(tp), "read_committed endOffsets = LSO");
        assertEquals(10L, ru.endOffsets(tps).get(tp), "read_uncommitted endOffsets = log end");

        List<ConsumerRecord<String, String>> got = pollUntilPositions(rc, Map.of(tp, 2L));
        got.addAll(pollFor(rc, 1500));
        assertEquals(List.of("0=before-0", "1=before-1"), offsetsAndValues(got, 0),
            "read_committed stops at the LSO: neither the open transaction nor what follows it");
        assertEquals(2L, rc.position(tp), "read_committed position stays at the LSO");

        List<ConsumerRecord<String, String>> all = pollUntilPositions(ru, Map.of(tp, 10L));
        assertEquals(10, all.size(), "read_uncommitted sees the open transaction: " + describe(all));

        a.commitTransaction();
        got.addAll(pollUntilPositions(rc, Map.of(tp, 11L))); // past the commit marker at 10
        List<String> want = new ArrayList<>(List.of("0=before-0", "1=before-1"));
        for (int i = 0; i < 5; i++) want.add((2 + i) + "=txn-" + i);
        for (int i = 0; i < 3; i++) want.add((7 + i) + "=after-" + i);
        assertEquals(want, offsetsAndValues(got, 0), "read_committed after the commit");
        assertEquals(11L, rc.endOffsets(tps).get(tp), "LSO after the commit = log end");
        assertEquals(11L, listOffset(tp, IsolationLevel.READ_COMMITTED));
      }
    }
  }

  /**
   * Exactly-once consume-transform-produce: each batch's output and its input offsets
   * (sendOffsetsToTransaction with the consumer's group metadata) commit together; one batch is
   * aborted, which leaves the group's committed offsets where they were, and is redone.
   */
  @Test
  void consumeTransformProduceWithOneAbortedBatch() throws Exception {
    String input = Kit.unique("txn-ctp-in");
    String output = Kit.unique("txn-ctp-out");
    String group = Kit.unique("txn-ctp-group");
    int partitions = 3;
    int n = 60;
    Kit.createTopic(admin, input, partitions);
    Kit.createTopic(admin, output, partitions);
    try (KafkaProducer<String, String> plain = Kit.producer(broker)) {
      for (int i = 0; i < n; i++) plain.send(new ProducerRecord<>(input, i % partitions, "k" + i, "v" + i));
      plain.flush();
    }

    Properties cp = consumerProps(group, IsolationLevel.READ_COMMITTED);
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7");
    int batches = 0;
    int abortedRecords = 0;
    boolean aborted = false;
    Map<TopicPartition, Long> done = new HashMap<>(); // committed through the transactions
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
        KafkaProducer<String, String> producer = txProducer(Kit.unique("tx-ctp"))) {
      producer.initTransactions();
      consumer.subscribe(List.of(input));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (done.values().stream().mapToLong(Long::longValue).sum() < n) {
        if (System.nanoTime() > deadline) fail("consume-transform-produce stuck at " + done);
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) continue;
        batches++;
        producer.beginTransaction();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
          producer.send(new ProducerRecord<>(output, r.partition(), r.key(), "out-" + r.value()));
          offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        if (batches == 3 && !aborted) {
          aborted = true;
          abortedRecords = records.count();
          Map<TopicPartition, Long> before = groupOffsets(group);
          assertEquals(done, before, "committed offsets before the aborted batch");
          // abortTransaction() drops records still in the client's buffer: flush, so the
          // aborted batch is in the log (read_uncommitted sees it below).
          producer.flush();
          producer.abortTransaction();
          assertEquals(before, groupOffsets(group), "an aborted transaction commits no offsets");
          // Redo from the committed offsets (the beginning where nothing is committed yet).
          for (TopicPartition tp : consumer.assignment()) {
            Long at = done.get(tp);
            if (at == null) consumer.seekToBeginning(List.of(tp));
            else consumer.seek(tp, at);
          }
          log("aborted batch " + batches + " of " + abortedRecords + " records; offsets stay " + before);
          continue;
        }
        producer.commitTransaction();
        offsets.forEach((tp, o) -> done.put(tp, o.offset()));
        // The commit's markers reach __consumer_offsets shortly after EndTxn answers.
        awaitGroupOffsets(group, done);
      }
    }
    assertTrue(aborted && abortedRecords > 0, "one batch was aborted");

    Map<TopicPartition, Long> committed = groupOffsets(group);
    assertEquals(n, committed.values().stream().mapToLong(Long::longValue).sum(), "group offsets " + committed);
    for (TopicPartition tp : Kit.partitions(input, partitions)) {
      assertEquals(n / partitions, committed.get(tp), "committed offset of " + tp);
    }

    List<TopicPartition> outTps = Kit.partitions(output, partitions);
    try (KafkaConsumer<String, String> rc = assigned(IsolationLevel.READ_COMMITTED, outTps)) {
      Map<TopicPartition, Long> ends = rc.endOffsets(outTps);
      List<ConsumerRecord<String, String>> got = pollUntilPositions(rc, ends);
      got.addAll(pollFor(rc, 300));
      Map<String, Long> counts = got.stream().collect(Collectors.groupingBy(ConsumerRecord::value, TreeMap::new, Collectors.counting()));
      assertEquals(n, got.size(), "each output exactly once: " + counts);
      for (int i = 0; i < n; i++) assertEquals(1L, counts.get("out-v" + i), "out-v" + i);
      for (ConsumerRecord<String, String> r : got) {
        assertEquals(r.value().substring(4), "v" + Integer.parseInt(r.key().substring(1)), "output of " + r.key());
        assertEquals(Integer.parseInt(r.key().substring(1)) % partitions, r.partition());
      }
    }
    try (KafkaConsumer<String, String> ru = assigned(IsolationLevel.READ_UNCOMMITTED, outTps)) {
      List<ConsumerRecord<String, String>> got = pollUntilPositions(ru, ru.endOffsets(outTps));
      assertEquals(n + abortedRecords, got.size(), "read_uncommitted also sees the aborted batch");
    }
    log("consume-transform-produce: " + batches + " batches, " + abortedRecords + " records aborted and redone");
  }

  private static Map<TopicPartition, Long> groupOffsets(String group) {
    Map<TopicPartition, OffsetAndMetadata> m =
        Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    Map<TopicPartition, Long> out = new HashMap<>();
    m.forEach((tp, o) -> {
      if (o != null) out.put(tp, o.offset());
    });
    return out;
  }

  private static void awaitGroupOffsets(String group, Map<TopicPartition, Long> want) {
    Map<TopicPartition, Long> copy = Map.copyOf(want);
    Kit.await("group " + group + " offsets " + copy, WAIT,
        () -> groupOffsets(group).equals(copy), () -> String.valueOf(groupOffsets(group)));
  }

  /**
   * A second producer with the same transactional.id fences the first: the coordinator aborts
   * the first one's open transaction, whose next send and commit fail with a fencing error;
   * only the second one's records become visible.
   */
  @Test
  void zombieIsFenced() throws Exception {
    String topic = Kit.unique("txn-fence");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    String txId = Kit.unique("tx-fence");
    KafkaProducer<String, String> p1 = txProducer(txId);
    try (KafkaProducer<String, String> p2 = txProducer(txId)) {
      p1.initTransactions();
      p1.beginTransaction();
      for (int i = 0; i < 3; i++) p1.send(new ProducerRecord<>(topic, 0, "k", "zombie-" + i));
      p1.flush();

      p2.initTransactions(); // returns once P1's transaction is aborted (its marker written)
      assertEquals(4L, listOffset(tp, IsolationLevel.READ_COMMITTED), "LSO past P1's abort marker at 3");

      ExecutionException sendFailure = assertThrows(ExecutionException.class,
          () -> p1.send(new ProducerRecord<>(topic, 0, "k", "zombie-late")).get(30, TimeUnit.SECONDS));
      log("fenced P1 send: " + chain(sendFailure.getCause()));
      assertTrue(isFencing(sendFailure.getCause()), "P1's send after the fence: " + chain(sendFailure.getCause()));
      RuntimeException commitFailure = assertThrows(RuntimeException.class, p1::commitTransaction);
      log("fenced P1 commit: " + chain(commitFailure));
      assertTrue(isFencing(commitFailure), "P1's commit after the fence: " + chain(commitFailure));

      p2.beginTransaction();
      for (int i = 0; i < 2; i++) p2.send(new ProducerRecord<>(topic, 0, "k", "live-" + i));
      p2.commitTransaction();
    } finally {
      p1.close(Duration.ofSeconds(5));
    }

    long logEnd = listOffset(tp, IsolationLevel.READ_UNCOMMITTED);
    log("fencing: log end " + logEnd);
    try (KafkaConsumer<String, String> rc = assigned(IsolationLevel.READ_COMMITTED, List.of(tp))) {
      List<ConsumerRecord<String, String>> got = pollUntilPositions(rc, Map.of(tp, logEnd));
      got.addAll(pollFor(rc, 300));
      List<String> values = got.stream().map(ConsumerRecord::value).toList();
      assertEquals(List.of("live-0", "live-1"), values, "read_committed: only P2's records " + describe(got));
      // P1's three records 0..2, its abort marker 3, P2's records 4..5, P2's commit marker 6.
      assertEquals(List.of(4L, 5L), got.stream().map(ConsumerRecord::offset).toList());
      assertEquals(7L, logEnd, "log end");
    }
    try (KafkaConsumer<String, String> ru = assigned(IsolationLevel.READ_UNCOMMITTED, List.of(tp))) {
      List<String> values = pollUntilPositions(ru, Map.of(tp, logEnd)).stream().map(ConsumerRecord::value).toList();
      assertEquals(List.of("zombie-0", "zombie-1", "zombie-2", "live-0", "live-1"), values,
          "read_uncommitted: the zombie's aborted records, never its late send");
    }
  }

  /**
   * The zombie's first call after the fence is its commit (no send in between): EndTxn with
   * the old epoch is refused by the coordinator, and nothing of the zombie's becomes visible.
   */
  @Test
  void zombieCommitIsFenced() throws Exception {
    String topic = Kit.unique("txn-fence-commit");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    String txId = Kit.unique("tx-fence-commit");
    KafkaProducer<String, String> p1 = txProducer(txId);
    try (KafkaProducer<String, String> p2 = txProducer(txId)) {
      p1.initTransactions();
      p1.beginTransaction();
      for (int i = 0; i < 3; i++) p1.send(new ProducerRecord<>(topic, 0, "k", "zombie-" + i));
      p1.flush();
      p2.initTransactions();
      RuntimeException commitFailure = assertThrows(RuntimeException.class, p1::commitTransaction);
      log("fenced P1 commit without a send first (transaction.version " + transactionVersion() + "): "
          + chain(commitFailure));
      assertTrue(commitFailure instanceof ProducerFencedException, "P1's commit: " + chain(commitFailure));
      p2.beginTransaction();
      p2.send(new ProducerRecord<>(topic, 0, "k", "live"));
      p2.commitTransaction();
    } finally {
      p1.close(Duration.ofSeconds(5));
    }
    try (KafkaConsumer<String, String> rc = assigned(IsolationLevel.READ_COMMITTED, List.of(tp))) {
      List<ConsumerRecord<String, String>> got = pollUntilPositions(rc, Map.of(tp, 6L));
      got.addAll(pollFor(rc, 300));
      assertEquals(List.of("4=live"), offsetsAndValues(got, 0), "read_committed: only P2's record");
    }
  }

  /**
   * DescribeProducers shows an open transaction's first offset, ListTransactions and
   * DescribeTransactions its state (Ongoing, then CompleteCommit), producer id, epoch and
   * partitions.
   */
  @Test
  void adminDescribesTransactions() throws Exception {
    String topic = Kit.unique("txn-admin");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    String txId = Kit.unique("tx-admin");
    try (KafkaProducer<String, String> plain = Kit.producer(broker);
        KafkaProducer<String, String> producer = txProducer(txId)) {
      for (int i = 0; i < 3; i++) plain.send(new ProducerRecord<>(topic, 0, "k", "plain-" + i)).get(30, TimeUnit.SECONDS);
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, "k", "txn-0"));
      producer.send(new ProducerRecord<>(topic, 0, "k", "txn-1"));
      producer.flush();

      TransactionDescription open = Kit.get(admin.describeTransactions(List.of(txId)).description(txId));
      log("describeTransactions (open): " + open);
      assertEquals(TransactionState.ONGOING, open.state());
      assertTrue(open.producerId() >= 0, "producer id " + open.producerId());
      assertTrue(open.producerEpoch() >= 0, "producer epoch " + open.producerEpoch());
      assertEquals(Set.of(tp), open.topicPartitions());
      assertEquals(60000, open.transactionTimeoutMs(), "the client's default transaction.timeout.ms");
      assertTrue(open.transactionStartTimeMs().isPresent(), "start time of an open transaction");

      List<ProducerState> producers = Kit.get(admin.describeProducers(List.of(tp)).partitionResult(tp)).activeProducers();
      log("describeProducers (open): " + producers);
      assertEquals(2, producers.size(), "the idempotent and the transactional producer: " + producers);
      ProducerState txState = producers.stream().filter(s -> s.producerId() == open.producerId()).findFirst()
          .orElseThrow(() -> new AssertionError("no producer " + open.producerId() + " in " + producers));
      assertEquals(3L, txState.currentTransactionStartOffset().orElse(-1), "first offset of the open transaction");
      assertEquals(open.producerEpoch(), txState.producerEpoch());
      assertEquals(1, txState.lastSequence(), "two records: sequences 0 and 1");
      ProducerState plainState = producers.stream().filter(s -> s.producerId() != open.producerId()).findFirst().orElseThrow();
      assertFalse(plainState.currentTransactionStartOffset().isPresent(), "the idempotent producer has no transaction");
      assertEquals(2, plainState.lastSequence());

      TransactionListing listed = listing(txId);
      assertEquals(TransactionState.ONGOING, listed.state());
      assertEquals(open.producerId(), listed.producerId());

      producer.commitTransaction();
      Kit.await("ListTransactions: " + txId + " CompleteCommit", WAIT,
          () -> listing(txId).state() == TransactionState.COMPLETE_COMMIT, () -> String.valueOf(listing(txId)));
      TransactionDescription done = Kit.get(admin.describeTransactions(List.of(txId)).description(txId));
      log("describeTransactions (committed): " + done);
      assertEquals(TransactionState.COMPLETE_COMMIT, done.state());
      assertEquals(open.producerId(), done.producerId());
      // Transactions v2 bump the epoch when a transaction ends; v1 keep it.
      assertEquals(open.producerEpoch() + (transactionsV2() ? 1 : 0), done.producerEpoch(),
          "epoch after the commit (transaction.version " + transactionVersion() + ")");
      assertEquals(Set.of(), done.topicPartitions(), "a completed transaction has no partitions");

      List<ProducerState> after = Kit.get(admin.describeProducers(List.of(tp)).partitionResult(tp)).activeProducers();
      log("describeProducers (committed): " + after);
      for (ProducerState s : after) {
        assertFalse(s.currentTransactionStartOffset().isPresent(), "no open transaction left: " + s);
      }
    }
  }

  private static TransactionListing listing(String txId) {
    return Kit.get(admin.listTransactions().all()).stream()
        .filter(l -> l.transactionalId().equals(txId)).findFirst()
        .orElseThrow(() -> new AssertionError("ListTransactions has no " + txId));
  }

  /**
   * A transaction left open past transaction.timeout.ms is aborted by the coordinator:
   * read_committed moves past it (what followed it becomes readable, its records never do),
   * and the stalled producer's commit fails.
   */
  @Test
  void timedOutTransactionIsAborted() throws Exception {
    String topic = Kit.unique("txn-timeout");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    String txId = Kit.unique("tx-timeout");
    try (KafkaProducer<String, String> plain = Kit.producer(broker);
        KafkaProducer<String, String> stalled =
            txProducer(txId, Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "3000"));
        KafkaConsumer<String, String> rc = assigned(IsolationLevel.READ_COMMITTED, List.of(tp))) {
      stalled.initTransactions();
      long opened = System.nanoTime(); // the coordinator starts the clock at AddPartitionsToTxn, later
      stalled.beginTransaction();
      stalled.send(new ProducerRecord<>(topic, 0, "k", "stalled-0"));
      stalled.send(new ProducerRecord<>(topic, 0, "k", "stalled-1"));
      stalled.flush();
      assertEquals(2L, plain.send(new ProducerRecord<>(topic, 0, "k", "plain")).get(30, TimeUnit.SECONDS).offset());
      assertEquals(0L, listOffset(tp, IsolationLevel.READ_COMMITTED), "LSO at the open transaction");

      // The coordinator aborts it: marker at 3, LSO = log end = 4.
      List<ConsumerRecord<String, String>> got = pollUntilPositions(rc, Map.of(tp, 4L));
      long abortedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      log("timed-out transaction aborted (visible to read_committed) " + abortedAfterMs + " ms after it was opened");
      assertTrue(abortedAfterMs >= 2900, "aborted before transaction.timeout.ms: " + abortedAfterMs + " ms");
      got.addAll(pollFor(rc, 300));
      assertEquals(List.of("2=plain"), offsetsAndValues(got, 0), "read_committed: only the plain record");
      assertEquals(4L, listOffset(tp, IsolationLevel.READ_UNCOMMITTED), "log end after the abort marker");
      TransactionDescription d = Kit.get(admin.describeTransactions(List.of(txId)).description(txId));
      log("describeTransactions after the timeout: " + d);
      assertEquals(TransactionState.COMPLETE_ABORT, d.state());

      RuntimeException commitFailure = assertThrows(RuntimeException.class, stalled::commitTransaction);
      log("commit after the timeout (transaction.version " + transactionVersion() + "): " + chain(commitFailure));
      if (transactionsV2()) {
        // v2: EndTxn(commit) with the epoch just before the abort's bump is taken for a retry
        // of an EndTxn whose outcome was an abort: INVALID_TXN_STATE.
        assertTrue(commitFailure instanceof InvalidTxnStateException, "commit after the timeout: " + chain(commitFailure));
      } else {
        // v1: the abort bumped the epoch; EndTxn with the old one is fenced.
        assertTrue(commitFailure instanceof ProducerFencedException, "commit after the timeout: " + chain(commitFailure));
      }
    }
  }
}
