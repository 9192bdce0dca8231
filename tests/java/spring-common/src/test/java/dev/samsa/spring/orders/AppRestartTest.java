package dev.samsa.spring.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.spring.support.Await;
import dev.samsa.spring.support.SamsaSpringTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * OrdersApp stopped and started again against the same samsa: the second run starts at the
 * offsets the first one committed, so it gets exactly the records produced after the first
 * run's listeners stopped, none of the earlier ones again. The test runs the app itself
 * (twice), as its main() would, with the broker address on the command line.
 */
class AppRestartTest extends SamsaSpringTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int CUSTOMERS = 12;
  private static final int PER_RUN = 10;

  @Test
  void restartedAppResumesAtItsCommittedOffsets() throws Exception {
    Map<TopicPartition, Long> committedByFirstRun;
    Map<String, Integer> partitionOfKey = new HashMap<>();
    try (ConfigurableApplicationContext first = startApp();
        Admin admin = admin()) {
      KafkaListenerEndpointRegistry registry = first.getBean(KafkaListenerEndpointRegistry.class);
      Await.assigned(registry, "orders", 12, WAIT);
      send(first, 0, partitionOfKey);
      OrderLedger ledger = first.getBean(OrderLedger.class);
      assertTrue(ledger.awaitOrders(CUSTOMERS * PER_RUN, WAIT.toMillis()),
          () -> ledger.orders().size() + " of " + CUSTOMERS * PER_RUN + " consumed by the first run");
      committedByFirstRun = Await.committedToEnd(admin, "orders-app", OrdersApp.ORDERS, 12, WAIT);
      assertEquals(CUSTOMERS * PER_RUN, Await.total(committedByFirstRun));
      assertEquals(CUSTOMERS * PER_RUN, ledger.orders().size(), "first run: each record once");

      // The consumers stop; the app's producer goes on: these records wait for the next run.
      registry.stop();
      Await.until(WAIT, () -> !registry.getListenerContainer("orders").isRunning(),
          () -> "orders listener still running");
      send(first, PER_RUN, partitionOfKey);
      assertEquals(2 * CUSTOMERS * PER_RUN,
          Await.total(Await.endOffsets(admin, OrdersApp.ORDERS, 12)));
      assertEquals(nonEmpty(committedByFirstRun), nonEmpty(Await.committed(admin, "orders-app")),
          "nothing committed while the listeners were stopped");
    }

    try (ConfigurableApplicationContext second = startApp();
        Admin admin = admin()) {
      OrderLedger ledger = second.getBean(OrderLedger.class);
      assertTrue(ledger.awaitOrders(CUSTOMERS * PER_RUN, WAIT.toMillis()),
          () -> ledger.orders().size() + " of " + CUSTOMERS * PER_RUN + " consumed by the second run");
      Map<TopicPartition, Long> end = Await.committedToEnd(admin, "orders-app", OrdersApp.ORDERS, 12, WAIT);
      assertEquals(2 * CUSTOMERS * PER_RUN, Await.total(end));

      // Each partition is read in order from where the first run committed: a record of the
      // first run delivered again would come before these and be counted here.
      List<OrderLedger.Delivery> got = ledger.orders();
      assertEquals(CUSTOMERS * PER_RUN, got.size(), "second run: only the new records, each once");
      Map<String, List<Integer>> seqsByKey = new TreeMap<>();
      Map<Integer, Long> firstOffsetSeen = new HashMap<>();
      for (OrderLedger.Delivery d : got) {
        assertEquals(partitionOfKey.get(d.key()), d.partition());
        seqsByKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d.event().seq());
        firstOffsetSeen.merge(d.partition(), d.offset(), Math::min);
      }
      assertEquals(CUSTOMERS, seqsByKey.size());
      seqsByKey.forEach((k, seqs) -> assertEquals(Await.range(PER_RUN, 2 * PER_RUN), seqs, k));
      firstOffsetSeen.forEach((p, offset) -> assertEquals(
          committedByFirstRun.get(new TopicPartition(OrdersApp.ORDERS, p)), offset,
          "partition " + p + " resumed at the committed offset"));
    }
  }

  private static Map<TopicPartition, Long> nonEmpty(Map<TopicPartition, Long> offsets) {
    Map<TopicPartition, Long> out = new HashMap<>(offsets);
    out.values().removeIf(v -> v == 0);
    return out;
  }

  private static ConfigurableApplicationContext startApp() {
    return new SpringApplicationBuilder(OrdersApp.class)
        .web(WebApplicationType.NONE)
        .run(bootstrapArg());
  }

  /** PER_RUN events per customer, seq from firstSeq; records each key's partition. */
  @SuppressWarnings("unchecked")
  private static void send(
      ConfigurableApplicationContext app, int firstSeq, Map<String, Integer> partitionOfKey)
      throws Exception {
    KafkaTemplate<String, Object> template = app.getBean("kafkaTemplate", KafkaTemplate.class);
    List<CompletableFuture<SendResult<String, Object>>> sends = new ArrayList<>();
    for (int seq = firstSeq; seq < firstSeq + PER_RUN; seq++) {
      for (int c = 0; c < CUSTOMERS; c++) {
        String customer = "customer-" + c;
        sends.add(template.send(OrdersApp.ORDERS, customer, new OrderEvent(customer, seq, "book", 1500L)));
      }
    }
    for (var f : sends) {
      SendResult<String, Object> r = f.get(20, TimeUnit.SECONDS);
      partitionOfKey.put(r.getProducerRecord().key(), r.getRecordMetadata().partition());
    }
  }
}
