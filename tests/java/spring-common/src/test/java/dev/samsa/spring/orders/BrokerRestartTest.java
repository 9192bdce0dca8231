package dev.samsa.spring.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.spring.support.Await;
import dev.samsa.spring.support.SamsaSpringTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * samsa restarted (clean stop, same port and data) under the running OrdersApp while its
 * idempotent producer keeps sending: the app reconnects by itself, every send succeeds, and
 * the log holds every (key, seq) exactly once, in per-key order, and the listener gets all of
 * them. That the listener also gets none twice (as on Kafka) is a separate, disabled test.
 */
@SpringBootTest(classes = OrdersApp.class)
class BrokerRestartTest extends SamsaSpringTest {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final int CUSTOMERS = 12;
  private static final int TOTAL = 1200;
  private static final int RESTART_AFTER = 300;

  @Autowired KafkaTemplate<String, Object> kafkaTemplate;
  @Autowired OrderLedger ledger;
  @Autowired KafkaListenerEndpointRegistry registry;

  @Test
  void idempotentProducerLosesAndDuplicatesNothingAcrossABrokerRestart() throws Exception {
    Scenario run = runAcrossARestart("a-");
    System.out.println("BrokerRestartTest: " + run.redelivered()
        + " records redelivered to the listener after the restart (same offsets)");
  }

  /**
   * Kafka restores a classic group's members when its coordinator loads the group after a
   * restart, so the consumers' next commits (retried until the broker is back) succeed and
   * nothing processed is delivered again.
   */
  @Test
  void listenerGetsEveryRecordOnceAcrossABrokerRestart() throws Exception {
    Scenario run = runAcrossARestart("b-");
    assertEquals(0, run.redelivered(), "records delivered to the listener twice (same offset);"
        + " broker log:\n" + brokerLog());
  }

  record Scenario(int redelivered) {}

  /**
   * Sends TOTAL events for CUSTOMERS keys with this prefix in a steady trickle, restarts samsa
   * while they flow, and checks the log and what the listener got; returns the number of
   * redelivered records.
   */
  private Scenario runAcrossARestart(String prefix) throws Exception {
    Await.assigned(registry, "orders", 12, WAIT);
    long recordsBefore;
    try (Admin admin = admin()) {
      recordsBefore = Await.total(Await.endOffsets(admin, OrdersApp.ORDERS, 12));
    }
    List<CompletableFuture<SendResult<String, Object>>> sends = new CopyOnWriteArrayList<>();
    AtomicInteger sent = new AtomicInteger();
    Thread producer = new Thread(() -> {
      for (int i = 0; i < TOTAL; i++) {
        String customer = prefix + "customer-" + (i % CUSTOMERS);
        sends.add(kafkaTemplate.send(
            OrdersApp.ORDERS, customer, new OrderEvent(customer, i / CUSTOMERS, "tea", 350L)));
        sent.incrementAndGet();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(4)); // a steady trickle, ~5 s in all
      }
    }, "order-producer");
    producer.start();

    Await.until(WAIT, () -> deliveries(prefix).size() >= RESTART_AFTER,
        () -> deliveries(prefix).size() + " consumed before the restart");
    int sentBeforeRestart = sent.get();
    samsa.restart();
    int sentAfterRestart = sent.get();
    producer.join(WAIT.toMillis());
    assertEquals(TOTAL, sent.get(), "producer thread finished");
    assertTrue(sentBeforeRestart < TOTAL && sentAfterRestart < TOTAL,
        "the restart came while the producer was sending (" + sentBeforeRestart + ", "
            + sentAfterRestart + " of " + TOTAL + ")");

    List<SendResult<String, Object>> results = new ArrayList<>();
    for (var f : sends) {
      try {
        results.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      } catch (ExecutionException | TimeoutException e) {
        fail("a send failed across the broker restart: " + e + "\nbroker log:\n" + brokerLog(), e);
      }
    }

    try (Admin admin = admin()) {
      Map<TopicPartition, Long> end = Await.endOffsets(admin, OrdersApp.ORDERS, 12);
      assertEquals(TOTAL, Await.total(end) - recordsBefore, "records in the log (a duplicate makes more)");
      Await.until(WAIT, () -> distinctOffsets(prefix).size() >= TOTAL,
          () -> distinctOffsets(prefix).size() + " of " + TOTAL + " records consumed");
      Await.committedToEnd(admin, "orders-app", OrdersApp.ORDERS, 12, WAIT);
    }

    Map<String, OrderLedger.Delivery> byOffset = distinctOffsets(prefix);
    assertEquals(TOTAL, byOffset.size());
    Map<String, List<Integer>> seqsByKey = new TreeMap<>();
    byOffset.values().stream()
        .sorted((a, b) -> a.partition() != b.partition()
            ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()))
        .forEach(d -> seqsByKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d.event().seq()));
    assertEquals(CUSTOMERS, seqsByKey.size());
    seqsByKey.forEach((k, seqs) -> assertEquals(Await.range(0, TOTAL / CUSTOMERS), seqs,
        "the log's records of " + k + " (lost or duplicated ones show here)"));
    Map<String, Integer> partitionOfKey = new HashMap<>();
    for (var r : results) {
      partitionOfKey.put(r.getProducerRecord().key(), r.getRecordMetadata().partition());
    }
    byOffset.values().forEach(d -> assertEquals(partitionOfKey.get(d.key()), d.partition()));
    return new Scenario(deliveries(prefix).size() - byOffset.size());
  }

  private List<OrderLedger.Delivery> deliveries(String prefix) {
    return ledger.orders().stream().filter(d -> d.key().startsWith(prefix)).toList();
  }

  /** Deliveries by "partition@offset": a redelivered offset counts once. */
  private Map<String, OrderLedger.Delivery> distinctOffsets(String prefix) {
    Map<String, OrderLedger.Delivery> out = new LinkedHashMap<>();
    for (OrderLedger.Delivery d : deliveries(prefix)) out.putIfAbsent(d.partition() + "@" + d.offset(), d);
    return out;
  }
}
