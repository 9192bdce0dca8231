package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * kafka-transactions.sh (TransactionsCommand): {@code list}, {@code describe
 * --transactional-id}, {@code describe-producers --topic --partition} on an open and on a
 * committed transaction, and {@code abort --topic --partition --start-offset} of a hanging
 * transaction (a transactional producer that wrote and was closed without ending it), after
 * which read_committed consumers (kafka-console-consumer.sh --isolation-level) move past it
 * (disabled while samsa does not serve WriteTxnMarkers, which the abort needs).
 *
 * <p>The tool runs as its own JVM like the other tools; the producers are the application
 * side, kafka-clients {@link KafkaProducer}s in this JVM (the console producer cannot
 * produce transactionally).
 */
class TransactionsToolTest extends ToolTestBase {
  /** bin/kafka-transactions.sh */
  static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";

  private static final List<String> LIST_HEADERS =
      List.of("TransactionalId", "Coordinator", "ProducerId", "TransactionState");
  private static final List<String> DESCRIBE_HEADERS =
      List.of(
          "CoordinatorId",
          "TransactionalId",
          "ProducerId",
          "ProducerEpoch",
          "TransactionState",
          "TransactionTimeoutMs",
          "CurrentTransactionStartTimeMs",
          "TransactionDurationMs",
          "TopicPartitions");
  private static final List<String> PRODUCERS_HEADERS =
      List.of(
          "ProducerId",
          "ProducerEpoch",
          "LatestCoordinatorEpoch",
          "LastSequence",
          "LastTimestamp",
          "CurrentTransactionStartOffset");

  /** kafka-transactions.sh --bootstrap-server ... args */
  private KafkaTool.Result transactions(String... args) {
    return tool.run(TRANSACTIONS, withBootstrap(args));
  }

  /**
   * The tool's table (prettyPrintTable: cells padded and each followed by a tab): the header
   * row must be the expected one; returns the data rows, cells trimmed.
   */
  private static List<List<String>> table(KafkaTool.Result r, List<String> headers) {
    List<String> lines = r.lines();
    assertTrue(!lines.isEmpty(), () -> "no table\n" + r.describe());
    assertEquals(headers, cells(lines.get(0)), r::describe);
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> row = cells(line);
      assertEquals(headers.size(), row.size(), () -> "row " + line + "\n" + r.describe());
      rows.add(row);
    }
    return rows;
  }

  private static List<String> cells(String line) {
    List<String> out = new ArrayList<>();
    for (String c : line.split("\t", -1)) out.add(c.trim());
    // The trailing tab after the last cell leaves one empty string.
    if (!out.isEmpty() && out.get(out.size() - 1).isEmpty() && line.endsWith("\t")) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** The rows of `list` for one transactional id (the broker may hold others). */
  private List<List<String>> listed(String transactionalId) {
    KafkaTool.Result r = transactions("list").ok();
    List<List<String>> rows = new ArrayList<>();
    for (List<String> row : table(r, LIST_HEADERS)) {
      if (row.get(0).equals(transactionalId)) rows.add(row);
    }
    return rows;
  }

  /** `describe --transactional-id`: its one row. */
  private List<String> describe(String transactionalId) {
    KafkaTool.Result r = transactions("describe", "--transactional-id", transactionalId).ok();
    List<List<String>> rows = table(r, DESCRIBE_HEADERS);
    assertEquals(1, rows.size(), r::describe);
    assertEquals(transactionalId, rows.get(0).get(1), r::describe);
    return rows.get(0);
  }

  /** `describe-producers --topic --partition`: rows by producer id. */
  private Map<Long, List<String>> producers(String topic, int partition) {
    KafkaTool.Result r =
        transactions("describe-producers", "--topic", topic, "--partition", Integer.toString(partition))
            .ok();
    Map<Long, List<String>> out = new HashMap<>();
    for (List<String> row : table(r, PRODUCERS_HEADERS)) out.put(Long.parseLong(row.get(0)), row);
    return out;
  }

  private KafkaProducer<String, String> producer(String transactionalId, int transactionTimeoutMs) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
    if (transactionalId != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(transactionTimeoutMs));
    }
    return new KafkaProducer<>(props);
  }

  /** Sends "prefix-i" for i in [0, n) to the partition and waits for every answer. */
  private static List<RecordMetadata> send(
      KafkaProducer<String, String> producer, String topic, int partition, String prefix, int n)
      throws Exception {
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      futures.add(producer.send(new ProducerRecord<>(topic, partition, null, prefix + "-" + i)));
    }
    producer.flush();
    List<RecordMetadata> out = new ArrayList<>();
    for (Future<RecordMetadata> f : futures) out.add(f.get());
    return out;
  }

  /** The producer id the broker gave a producer (from describe-producers of a partition). */
  private long onlyNewProducer(Map<Long, List<String>> rows, Set<Long> known) {
    Set<Long> ids = new TreeSet<>(rows.keySet());
    ids.removeAll(known);
    assertEquals(1, ids.size(), () -> "producers " + rows + ", known " + known);
    return ids.iterator().next();
  }

  @Test
  void listDescribeAndDescribeProducers() throws Exception {
    String topic = "txn-tool-describe";
    String txnId = "txn-tool-describe-id";
    createTopic(topic, 2);

    try (KafkaProducer<String, String> plain = producer(null, 0);
        KafkaProducer<String, String> txn = producer(txnId, 60_000)) {
      // A plain idempotent producer first: offsets 0-2 of partition 0.
      List<RecordMetadata> pre = send(plain, topic, 0, "plain", 3);
      assertEquals(2, pre.get(2).offset());
      long plainPid = onlyNewProducer(producers(topic, 0), Set.of());

      txn.initTransactions();
      long before = System.currentTimeMillis();
      txn.beginTransaction();
      List<RecordMetadata> p0 = send(txn, topic, 0, "txn", 2);
      List<RecordMetadata> p1 = send(txn, topic, 1, "txn", 1);
      long after = System.currentTimeMillis();
      assertEquals(3, p0.get(0).offset());
      assertEquals(0, p1.get(0).offset());

      // describe-producers: partition 0 holds both producers, the transactional one with its
      // open transaction's first offset (3) and no coordinator epoch yet (no marker written).
      Map<Long, List<String>> onP0 = producers(topic, 0);
      assertEquals(2, onP0.size(), onP0::toString);
      long pid = onlyNewProducer(onP0, Set.of(plainPid));
      List<String> plainRow = onP0.get(plainPid);
      assertEquals(List.of("2", "None"), List.of(plainRow.get(3), plainRow.get(5)), onP0::toString);
      List<String> txnRow = onP0.get(pid);
      String epoch = txnRow.get(1);
      assertEquals(
          List.of(Long.toString(pid), epoch, "-1", "1", "3"),
          List.of(txnRow.get(0), txnRow.get(1), txnRow.get(2), txnRow.get(3), txnRow.get(5)),
          onP0::toString);
      long lastTimestamp = Long.parseLong(txnRow.get(4));
      assertTrue(lastTimestamp >= before - 1000 && lastTimestamp <= after + 1000, onP0::toString);
      Map<Long, List<String>> onP1 = producers(topic, 1);
      assertEquals(Set.of(pid), onP1.keySet(), onP1::toString);
      assertEquals(
          List.of(epoch, "-1", "0", "0"),
          List.of(onP1.get(pid).get(1), onP1.get(pid).get(2), onP1.get(pid).get(3), onP1.get(pid).get(5)),
          onP1::toString);

      // list: the transactional id on coordinator 1, Ongoing.
      assertEquals(
          List.of(List.of(txnId, Integer.toString(NODE_ID), Long.toString(pid), "Ongoing")), listed(txnId));

      // describe: Ongoing with both partitions, the producer's timeout and a start time.
      List<String> open = describe(txnId);
      assertEquals(
          List.of(Integer.toString(NODE_ID), txnId, Long.toString(pid), epoch, "Ongoing", "60000"),
          open.subList(0, 6),
          open::toString);
      long start = Long.parseLong(open.get(6));
      assertTrue(start >= before && start <= after, () -> open + ": start outside [" + before + ", " + after + "]");
      assertTrue(Long.parseLong(open.get(7)) >= 0, open::toString);
      assertEquals(
          Set.of(topic + "-0", topic + "-1"), new TreeSet<>(Arrays.asList(open.get(8).split(","))), open::toString);

      txn.commitTransaction();

      // Committed: CompleteCommit, no partitions left; the producers have no open transaction
      // and now carry the coordinator epoch of the commit markers.
      List<String> done = describe(txnId);
      assertEquals(
          List.of(Integer.toString(NODE_ID), txnId, Long.toString(pid)), done.subList(0, 3), done::toString);
      assertEquals("CompleteCommit", done.get(4), done::toString);
      assertEquals("", done.get(8), done::toString);
      assertEquals(
          List.of(List.of(txnId, Integer.toString(NODE_ID), Long.toString(pid), "CompleteCommit")),
          listed(txnId));
      for (int p = 0; p < 2; p++) {
        List<String> row = producers(topic, p).get(pid);
        assertTrue(row != null && Integer.parseInt(row.get(2)) >= 0, "partition " + p + ": " + row);
        assertEquals("None", row.get(5), "partition " + p + ": " + row);
      }
    }

    // An unknown transactional id: the tool fails with the broker's error.
    KafkaTool.Result unknown = transactions("describe", "--transactional-id", "txn-tool-no-such-id").failed();
    assertTrue(
        unknown.stderr.contains(
            "Failed to describe transaction state of transactional-id `txn-tool-no-such-id`: "
                + "DescribeTransactions request for transactionalId `txn-tool-no-such-id` failed "
                + "because the ID could not be found."),
        unknown::describe);
  }

  /**
   * A hanging transaction on partition 0 of a new one-partition topic: plain records
   * "before-0..2" (offsets 0-2), then a transactional producer begins, writes "hanging-0..3"
   * (offsets 3-6) and goes away without ending its transaction (closed without waiting: no
   * EndTxn), then plain records "after-0..1" (offsets 7-8). Its timeout is the broker's
   * maximum (transaction.max.timeout.ms, 15 min), so the coordinator does not abort it while
   * the test runs. Checks describe-producers and returns the hanging producer's id.
   */
  private long hangingTransaction(String topic, String txnId) throws Exception {
    createTopic(topic, 1);
    try (KafkaProducer<String, String> plain = producer(null, 0)) {
      send(plain, topic, 0, "before", 3);
      long plainPid = onlyNewProducer(producers(topic, 0), Set.of());

      KafkaProducer<String, String> hanging = producer(txnId, 900_000);
      try {
        hanging.initTransactions();
        hanging.beginTransaction();
        assertEquals(3, send(hanging, topic, 0, "hanging", 4).get(0).offset());
      } finally {
        hanging.close(Duration.ZERO);
      }
      send(plain, topic, 0, "after", 2);

      // describe-producers: the open transaction starts at offset 3.
      Map<Long, List<String>> rows = producers(topic, 0);
      long pid = onlyNewProducer(rows, Set.of(plainPid));
      assertEquals("3", rows.get(pid).get(5), rows::toString);
      assertEquals("None", rows.get(plainPid).get(5), rows::toString);
      return pid;
    }
  }

  @Test
  void hangingTransactionHoldsBackReadCommitted() throws Exception {
    String topic = "txn-tool-hanging";
    hangingTransaction(topic, "txn-tool-hanging-id");

    // read_committed stops at the open transaction (LSO 3); read_uncommitted reads on.
    KafkaTool.Result stuck =
        consume(topic, "--from-beginning", "--isolation-level", "read_committed",
                "--max-messages", "5", "--timeout-ms", "3000")
            .ok();
    assertEquals(List.of("before-0", "before-1", "before-2"), stuck.lines(), stuck::describe);
    KafkaTool.Result all =
        consume(topic, "--from-beginning", "--isolation-level", "read_uncommitted", "--max-messages", "9")
            .ok();
    assertEquals(
        List.of(
            "before-0", "before-1", "before-2", "hanging-0", "hanging-1", "hanging-2", "hanging-3",
            "after-0", "after-1"),
        all.lines(),
        all::describe);

    // No open transaction starts at offset 4: the tool refuses (before writing anything).
    KafkaTool.Result wrong =
        transactions("abort", "--topic", topic, "--partition", "0", "--start-offset", "4").failed();
    assertTrue(
        wrong.stderr.contains(
            "Could not find any open transactions starting at offset 4 on partition " + topic + "-0"),
        wrong::describe);
  }

  @Test
  void abortHangingTransaction() throws Exception {
    String topic = "txn-tool-abort";
    long pid = hangingTransaction(topic, "txn-tool-abort-id");

    // abort --start-offset 3: describe-producers finds the producer, WriteTxnMarkers writes
    // its abort marker (offset 9).
    transactions("abort", "--topic", topic, "--partition", "0", "--start-offset", "3").ok();
    Map<Long, List<String>> rows = producers(topic, 0);
    assertEquals("None", rows.get(pid).get(5), rows::toString);

    // read_committed moves past the aborted records to the ones behind them.
    KafkaTool.Result committed =
        consume(topic, "--from-beginning", "--isolation-level", "read_committed", "--max-messages", "5")
            .ok();
    assertEquals(
        List.of("before-0", "before-1", "before-2", "after-0", "after-1"), committed.lines(), committed::describe);
    KafkaTool.Result uncommitted =
        consume(topic, "--from-beginning", "--isolation-level", "read_uncommitted", "--max-messages", "9")
            .ok();
    assertEquals(
        List.of(
            "before-0", "before-1", "before-2", "hanging-0", "hanging-1", "hanging-2", "hanging-3",
            "after-0", "after-1"),
        uncommitted.lines(),
        uncommitted::describe);
    KafkaTool.Result ends = tool.run(KafkaTool.GET_OFFSETS, withBootstrap("--topic", topic)).ok();
    assertEquals(List.of(topic + ":0:10"), ends.lines(), ends::describe);
  }
}
