package dev.samsa.spring.transactions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.spring.support.Await;
import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.SendResult;
import org.springframework.kafka.transaction.KafkaTransactionManager;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

/**
 * TransfersApp with Kafka transactions, configured only by its "transactions" profile
 * (spring.kafka.producer.transaction-id-prefix, spring.kafka.consumer.isolation-level):
 * <ul>
 *   <li>a @Transactional("kafkaTransactionManager") service method: its records reach
 *       read_committed readers only once it returned; one that throws after sending rolls
 *       back, its records stay in the log (read_uncommitted) but never become visible;
 *   <li>kafkaTemplate.executeInTransaction(...) committed and rolled back by an exception;
 *   <li>a transactional @KafkaListener (consume-process-produce, offsets sent to the
 *       transaction) whose record fails twice: rolled back, redelivered by DefaultErrorHandler,
 *       and in the end each output exactly once under read_committed and the group's offsets at
 *       the input's end; an aborted input batch is never delivered to it, a committed one is.
 * </ul>
 * Not covered yet: an app restart mid-stream, DefaultAfterRollbackProcessor with a
 * DeadLetterPublishingRecoverer, samsa restarted mid-transaction.
 * Offsets are Kafka's layout: one control record (marker) per partition per ended
 * transaction. The expectations were checked against Apache Kafka 4.4, on Spring Boot 3.5 and 4,
 * through the testkit's external mode: the oracle's KafkaBroker main, then
 * SAMSA_BOOTSTRAP=127.0.0.1:PORT tests/java/run-test.sh spring-boot3 TransactionsTest build/samsa
 * (a fresh Kafka per run: the counts assume an empty broker).
 */
@SpringBootTest(classes = TransfersApp.class)
@ActiveProfiles("transactions")
@Timeout(120) // each test; its own waits are bounded well below
@EmbeddedSamsa( // one broker for this class's context; the app's NewTopic beans make its topics
    // acks=all answered after fsync, the broker's default (the ephemeral mode's is false)
    brokerProperties = "samsa.log.fsync.on.ack=true")
@DirtiesContext // the app, then its broker, stop after the class
class TransactionsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Autowired SamsaServer samsa;
  @Autowired KafkaTemplate<String, Object> template;
  @Autowired ProducerFactory<String, Object> producerFactory;
  @Autowired ConsumerFactory<String, Object> consumerFactory;
  @Autowired KafkaTransactionManager<?, ?> kafkaTransactionManager;
  @Autowired KafkaListenerEndpointRegistry registry;
  @Autowired JournalService journal;
  @Autowired SettlementListener settlement;
  @Autowired Faults faults;

  @Test
  void bootMadeTheTemplateAndTheListenerTransactional() {
    assertTrue(template.isTransactional(), "transaction-id-prefix makes Boot's template transactional");
    assertTrue(producerFactory.transactionCapable());
    assertEquals("transfers-tx-", producerFactory.getTransactionIdPrefix());
    assertEquals(producerFactory, kafkaTransactionManager.getProducerFactory());
    var container = registry.getListenerContainer("settlement");
    assertEquals(kafkaTransactionManager,
        container.getContainerProperties().getKafkaAwareTransactionManager(),
        "Boot gave the listener factory its KafkaTransactionManager");
    // Outside a transaction the transactional template refuses to send.
    assertThrows(IllegalStateException.class,
        () -> template.send(TransfersApp.PAYOUTS, "nobody", new Posting("p-0", "nobody", 1)));
  }

  @Test
  void transactionalServiceCommitsOnReturnAndRollsBackOnException() throws Exception {
    String topic = TransfersApp.JOURNAL;
    List<Posting> rent = List.of(
        new Posting("e-1", "cash", -120_000), new Posting("e-1", "rent", 100_000),
        new Posting("e-1", "fees", 20_000));
    AtomicBoolean checkedInside = new AtomicBoolean();
    List<SendResult<String, Object>> sent = journal.book(rent, () -> {
      // Inside the transaction: the records are in the log, the last stable offset stays at
      // the transaction's first offset, so read_committed gets nothing yet.
      assertEquals(3, read(topic, false).size(), "read_uncommitted while open");
      assertEquals(Map.of(tp(topic, 0), 0L, tp(topic, 1), 0L), ends(topic, true),
          "read_committed end offsets (LSO) while open");
      assertEquals(List.of(), read(topic, true), "read_committed while open");
      checkedInside.set(true);
    });
    assertTrue(checkedInside.get());
    assertEquals(3, sent.size());
    assertEquals(sorted(rent), sorted(values(read(topic, true))), "read_committed after the method returned");

    Map<TopicPartition, Long> perPartition = countByPartition(read(topic, false));
    Map<TopicPartition, Long> afterCommit = ends(topic, true);
    assertEquals(ends(topic, false), afterCommit, "LSO = high watermark: no open transaction");
    for (TopicPartition tp : afterCommit.keySet()) {
      long records = perPartition.getOrDefault(tp, 0L);
      assertEquals(records == 0 ? 0 : records + 1, afterCommit.get(tp), "records + marker on " + tp);
    }

    List<Posting> bad = List.of(new Posting("e-2", "cash", -5_000), new Posting("e-2", "travel", 4_000));
    var thrown = assertThrows(JournalService.UnbalancedEntryException.class, () -> journal.book(bad, () -> {}));
    assertTrue(thrown.getMessage().contains("off by -1000"), thrown.getMessage());

    assertEquals(sorted(rent), sorted(values(read(topic, true))), "the rolled-back entry never becomes visible");
    List<Posting> all = values(read(topic, false));
    assertEquals(5, all.size(), "read_uncommitted: the aborted records are in the log: " + all);
    assertTrue(all.containsAll(bad));
    assertEquals(ends(topic, false), ends(topic, true), "the abort closed the transaction");

    // The journal keeps working after a rollback.
    List<Posting> fixed = List.of(new Posting("e-3", "cash", -5_000), new Posting("e-3", "travel", 5_000));
    journal.book(fixed, () -> {});
    List<Posting> committed = new ArrayList<>(rent);
    committed.addAll(fixed);
    assertEquals(sorted(committed), sorted(values(read(topic, true))));
  }

  @Test
  void executeInTransactionCommitsAndRollsBackOnException() throws Exception {
    String topic = TransfersApp.PAYOUTS;
    List<Posting> payouts = List.of(
        new Posting("p-1", "alice", 700), new Posting("p-2", "bob", 800), new Posting("p-3", "alice", 900));
    Set<Integer> committedTo = template.executeInTransaction(t -> payouts.stream()
        .map(p -> t.send(topic, p.account(), p).join().getRecordMetadata().partition())
        .collect(Collectors.toSet()));
    assertEquals(sorted(payouts), sorted(values(read(topic, true))));

    List<Posting> tooMuch = List.of(new Posting("p-4", "carol", 1_000_000), new Posting("p-5", "bob", 50));
    Set<Integer> abortedIn = new HashSet<>();
    var thrown = assertThrows(IllegalStateException.class, () -> template.executeInTransaction(t -> {
      tooMuch.forEach(p -> abortedIn.add(t.send(topic, p.account(), p).join().getRecordMetadata().partition()));
      throw new IllegalStateException("payout limit exceeded");
    }));
    assertEquals("payout limit exceeded", thrown.getMessage());

    assertEquals(sorted(payouts), sorted(values(read(topic, true))), "read_committed after the rollback");
    List<Posting> all = values(read(topic, false));
    assertEquals(5, all.size(), "read_uncommitted: the aborted records are in the log: " + all);
    assertTrue(all.containsAll(tooMuch));
    // 5 records; a commit marker on each partition the first transaction wrote, an abort
    // marker on each the second wrote.
    long markers = committedTo.size() + abortedIn.size();
    assertEquals(5 + markers, Await.total(ends(topic, false)), "records + markers");
    assertEquals(ends(topic, false), ends(topic, true), "no transaction left open");
  }

  @Test
  void transactionalListenerProcessesEachTransferExactlyOnceAcrossRollbacks() throws Exception {
    int failures = 2;
    String poison = "t-13";
    faults.failNext(poison, failures);
    Await.assigned(registry, "settlement", TransfersApp.PARTITIONS, WAIT);

    // The input: a batch the app's transactional template aborts (the read_committed listener
    // must never see it), a batch it commits, then records of a plain producer.
    Map<String, Transfer> expected = new TreeMap<>();
    List<Transfer> cancelled = List.of(transfer("x-", 0), transfer("x-", 1), transfer("x-", 2));
    var thrown = assertThrows(IllegalStateException.class, () -> template.executeInTransaction(t -> {
      cancelled.forEach(tr -> t.send(TransfersApp.TRANSFERS, tr.from(), tr).join());
      throw new IllegalStateException("upstream batch cancelled");
    }));
    assertEquals("upstream batch cancelled", thrown.getMessage());
    List<Transfer> batch = List.of(transfer("c-", 0), transfer("c-", 1), transfer("c-", 2), transfer("c-", 3));
    template.executeInTransaction(t -> {
      batch.forEach(tr -> t.send(TransfersApp.TRANSFERS, tr.from(), tr).join());
      return null;
    });
    batch.forEach(tr -> expected.put(tr.id(), tr));
    // A plain (non-transactional) producer with the app's serializers.
    Map<String, Object> plainConfig = new HashMap<>(producerFactory.getConfigurationProperties());
    plainConfig.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    DefaultKafkaProducerFactory<String, Object> plainFactory = new DefaultKafkaProducerFactory<>(plainConfig);
    try {
      KafkaTemplate<String, Object> plain = new KafkaTemplate<>(plainFactory);
      assertFalse(plain.isTransactional());
      for (int i = 0; i < 30; i++) {
        Transfer tr = transfer("t-", i);
        plain.send(TransfersApp.TRANSFERS, tr.from(), tr).join();
        expected.put(tr.id(), tr);
      }
    } finally {
      plainFactory.destroy();
    }

    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      // Every partition ends with plain records, so the last consumed record + 1 is the end.
      Map<TopicPartition, Long> end = Await.committedToEnd(
          admin, "settlement", TransfersApp.TRANSFERS, TransfersApp.PARTITIONS, WAIT);
      long transactionsPartitions = partitionsOf(cancelled) + partitionsOf(batch);
      assertEquals(cancelled.size() + batch.size() + 30 + transactionsPartitions, Await.total(end),
          "input records + one marker per partition per transaction");
    }
    Map<String, Integer> attempts = settlement.attempts();
    assertEquals(expected.keySet(), new TreeMap<>(attempts).keySet(), "transfers delivered (none of x-*)");
    attempts.forEach((id, n) -> assertEquals(id.equals(poison) ? failures + 1 : 1, n, "deliveries of " + id));

    Map<String, List<Posting>> byTransfer = values(read(TransfersApp.POSTINGS, true)).stream()
        .collect(Collectors.groupingBy(Posting::entry, TreeMap::new, Collectors.toList()));
    assertEquals(expected.keySet(), byTransfer.keySet(), "transfers with committed postings");
    expected.forEach((id, tr) -> assertEquals(
        sorted(List.of(new Posting(id, tr.from(), -tr.cents()), new Posting(id, tr.to(), tr.cents()))),
        sorted(byTransfer.get(id)), "the committed postings of " + id + ", once each"));
    // The failed attempts' postings are in the log, aborted.
    List<Posting> all = values(read(TransfersApp.POSTINGS, false));
    assertEquals(2 * (expected.size() + failures), all.size(), "read_uncommitted postings");
    assertEquals(2 * (failures + 1), all.stream().filter(p -> p.entry().equals(poison)).count());
    assertEquals(ends(TransfersApp.POSTINGS, false), ends(TransfersApp.POSTINGS, true),
        "no transaction left open");
  }

  /** Transfer prefix+i from acct-(i % 7) to acct-((i + 3) % 7). */
  private static Transfer transfer(String prefix, int i) {
    return new Transfer(prefix + i, "acct-" + (i % 7), "acct-" + ((i + 3) % 7), 100 + i);
  }

  /** Partitions of the input topic the transfers went to (keyed by their from-account). */
  private long partitionsOf(List<Transfer> transfers) {
    Set<String> ids = transfers.stream().map(Transfer::id).collect(Collectors.toSet());
    return read(TransfersApp.TRANSFERS, false).stream()
        .filter(r -> r.value() instanceof Transfer t && ids.contains(t.id()))
        .map(ConsumerRecord::partition).distinct().count();
  }

  // ---------------------------------------------------------------- helpers

  private static TopicPartition tp(String topic, int partition) {
    return new TopicPartition(topic, partition);
  }

  /** A group-less consumer from the app's ConsumerFactory, read_committed or read_uncommitted. */
  private Consumer<String, Object> consumer(boolean readCommitted) {
    Properties overrides = new Properties();
    overrides.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
    overrides.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
    return consumerFactory.createConsumer(null, null, null, overrides);
  }

  private List<TopicPartition> partitions(Consumer<?, ?> c, String topic) {
    return c.partitionsFor(topic).stream().map(p -> tp(topic, p.partition())).sorted(
        Comparator.comparingInt(TopicPartition::partition)).toList();
  }

  /** End offsets as the isolation level sees them (read_committed: the last stable offsets). */
  private Map<TopicPartition, Long> ends(String topic, boolean readCommitted) {
    try (Consumer<String, Object> c = consumer(readCommitted)) {
      return new HashMap<>(c.endOffsets(partitions(c, topic)));
    }
  }

  /** Everything the isolation level lets through from the beginning to its end offsets now. */
  private List<ConsumerRecord<String, Object>> read(String topic, boolean readCommitted) {
    try (Consumer<String, Object> c = consumer(readCommitted)) {
      List<TopicPartition> tps = partitions(c, topic);
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      List<ConsumerRecord<String, Object>> out = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          Map<TopicPartition, Long> at = new HashMap<>();
          tps.forEach(tp -> at.put(tp, c.position(tp)));
          fail("reading " + topic + (readCommitted ? " read_committed" : " read_uncommitted")
              + ": positions " + at + " did not reach " + end + " in " + WAIT);
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  /** The values, by partition and offset. */
  private static List<Posting> values(List<ConsumerRecord<String, Object>> records) {
    return records.stream()
        .sorted(Comparator.<ConsumerRecord<String, Object>>comparingInt(ConsumerRecord::partition)
            .thenComparingLong(ConsumerRecord::offset))
        .map(r -> {
          if (!(r.value() instanceof Posting p)) throw new AssertionError("not a Posting: " + r);
          return p;
        })
        .toList();
  }

  private static List<Posting> sorted(List<Posting> postings) {
    return postings.stream().sorted(Comparator.comparing(Posting::entry)
        .thenComparing(Posting::account)).toList();
  }

  private static Map<TopicPartition, Long> countByPartition(List<ConsumerRecord<String, Object>> records) {
    return records.stream().collect(Collectors.groupingBy(
        r -> tp(r.topic(), r.partition()), Collectors.counting()));
  }
}
