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
 * the log holds every (key, seq) exactly once, in per-key order. The listener may see a
 * record twice only as a redelivery of the same offset (at-least-once consumption: a commit
 * can be lost in the restart); that is counted, not failed.
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
  void appAndIdempotentProducerRideThroughABrokerRestart() throws Exception {
    Await.assigned(registry, "orders", 12, WAIT);
    List<CompletableFuture<SendResult<String, Object>>> sends = new CopyOnWriteArrayList<>();
    AtomicInteger sent = new AtomicInteger();
    Thread producer = new Thread(() -> {
      for (int i = 0; i < TOTAL; i++) {
        String customer = "customer-" + (i % CUSTOMERS);
        sends.add(kafkaTemplate.send(
            OrdersApp.ORDERS, customer, new OrderEvent(customer, i / CUSTOMERS, "tea", 350L)));
        sent.incrementAndGet();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(4)); // a steady trickle, ~5 s in all
      }
    }, "order-producer");
    producer.start();

    Await.until(WAIT, () -> ledger.orders().size() >= RESTART_AFTER,
        () -> ledger.orders().size() + " consumed before the restart");
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
      assertEquals(TOTAL, Await.total(end), "records in the log (a duplicate makes more)");
      Await.until(WAIT, () -> distinctOffsets().size() >= TOTAL,
          () -> distinctOffsets().size() + " of " + TOTAL + " records consumed");
      Await.committedToEnd(admin, "orders-app", OrdersApp.ORDERS, 12, WAIT);
    }

    Map<String, OrderLedger.Delivery> byOffset = distinctOffsets();
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
    int redelivered = ledger.orders().size() - byOffset.size();
    System.out.println("BrokerRestartTest: " + redelivered
        + " records redelivered to the listener after the restart (same offsets)");
  }

  /** Deliveries by "partition@offset": a redelivered offset counts once. */
  private Map<String, OrderLedger.Delivery> distinctOffsets() {
    Map<String, OrderLedger.Delivery> out = new LinkedHashMap<>();
    for (OrderLedger.Delivery d : ledger.orders()) out.putIfAbsent(d.partition() + "@" + d.offset(), d);
    return out;
  }
}
