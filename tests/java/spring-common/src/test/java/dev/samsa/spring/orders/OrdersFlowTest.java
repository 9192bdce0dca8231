package dev.samsa.spring.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.spring.support.Await;
import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.SendResult;
import org.springframework.test.annotation.DirtiesContext;

/**
 * OrdersApp against samsa: JSON events through KafkaTemplate<String, Object> onto the
 * 12-partition topic its NewTopic(12, RF 3) bean declared, consumed by a concurrency-3
 * listener exactly once and in per-key order; plain strings through KafkaTemplate<String,
 * String>.
 * Not for a real Kafka of one node (the testkit's external mode, SAMSA_BOOTSTRAP): it refuses
 * the replication factor 3 that samsa holds as 1, and the app's context does not start.
 */
@SpringBootTest(classes = OrdersApp.class)
@EmbeddedSamsa( // one broker for this class's context; the app's NewTopic beans make its topics
    // acks=all answered after fsync, the broker's default (the ephemeral mode's is false)
    brokerProperties = "samsa.log.fsync.on.ack=true")
@DirtiesContext // the app, then its broker, stop after the class
class OrdersFlowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String TYPE_ID = OrderEvent.class.getName();

  @Autowired SamsaServer samsa;
  @Autowired KafkaTemplate<String, Object> kafkaTemplate;
  @Autowired KafkaTemplate<String, String> stringTemplate;
  @Autowired OrderLedger ledger;
  @Autowired KafkaListenerEndpointRegistry registry;

  @Test
  void newTopicBeanCreatedTwelvePartitionsOnTheSingleNode() throws Exception {
    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      TopicDescription orders =
          admin.describeTopics(List.of(OrdersApp.ORDERS)).allTopicNames().get().get(OrdersApp.ORDERS);
      assertEquals(12, orders.partitions().size());
      for (var p : orders.partitions()) {
        assertNotNull(p.leader(), "partition " + p.partition() + " has no leader");
        // Asked for 3 replicas; one node can hold one.
        assertEquals(1, p.replicas().size(), "replicas of partition " + p.partition());
        assertEquals(p.leader().id(), p.replicas().get(0).id());
      }
      TopicDescription audit =
          admin.describeTopics(List.of(OrdersApp.AUDIT)).allTopicNames().get().get(OrdersApp.AUDIT);
      assertEquals(2, audit.partitions().size());
    }
  }

  @Test
  void jsonEventsAreConsumedExactlyOnceInPerKeyOrderByThreeConsumers() throws Exception {
    Await.assignedEvenly(registry, "orders", 12, WAIT);
    MessageListenerContainer container = registry.getListenerContainer("orders");
    List<? extends MessageListenerContainer> consumers =
        ((ConcurrentMessageListenerContainer<?, ?>) container).getContainers();
    assertEquals(3, consumers.size());
    Map<Integer, String> ownerOfPartition = new HashMap<>();
    for (MessageListenerContainer c : consumers) {
      assertEquals(4, c.getAssignedPartitions().size(), c.getListenerId() + " " + c.getAssignedPartitions());
      for (TopicPartition tp : c.getAssignedPartitions()) ownerOfPartition.put(tp.partition(), c.getListenerId());
    }

    int customers = 36;
    int perCustomer = 10;
    List<CompletableFuture<SendResult<String, Object>>> sends = new ArrayList<>();
    for (int seq = 0; seq < perCustomer; seq++) {
      for (int c = 0; c < customers; c++) {
        String customer = String.format("customer-%02d", c);
        sends.add(kafkaTemplate.send(
            OrdersApp.ORDERS, customer, new OrderEvent(customer, seq, "item-" + c, 100L * c + seq)));
      }
    }
    Map<String, Integer> partitionOfKey = new HashMap<>();
    for (var f : sends) {
      SendResult<String, Object> r = f.get(20, TimeUnit.SECONDS);
      Integer earlier = partitionOfKey.put(r.getProducerRecord().key(), r.getRecordMetadata().partition());
      if (earlier != null) assertEquals(earlier, r.getRecordMetadata().partition(), "one key, one partition");
    }

    int expected = customers * perCustomer;
    Await.until(WAIT, () -> customerDeliveries().size() >= expected,
        () -> customerDeliveries().size() + " of " + expected + " events consumed");
    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      Map<TopicPartition, Long> end =
          Await.committedToEnd(admin, "orders-app", OrdersApp.ORDERS, 12, WAIT);
      assertEquals(expected, Await.total(end) - otherTestsRecords());
    }

    List<OrderLedger.Delivery> got = customerDeliveries();
    assertEquals(expected, got.size(), "deliveries (a duplicate makes more)");
    Map<String, List<Integer>> seqsByKey = new TreeMap<>();
    Set<String> threads = new HashSet<>();
    Set<String> expectedThreads = new HashSet<>();
    for (OrderLedger.Delivery d : got) {
      assertEquals(d.key(), d.event().customer());
      assertEquals(TYPE_ID, d.valueType(), "value type, from the __TypeId__ header");
      assertEquals(partitionOfKey.get(d.key()), d.partition(), "partition of " + d.key());
      assertTrue(d.thread().startsWith(ownerOfPartition.get(d.partition()) + "-C-"),
          "partition " + d.partition() + " consumed on " + d.thread());
      seqsByKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d.event().seq());
      threads.add(d.thread());
      expectedThreads.add(ownerOfPartition.get(d.partition()));
    }
    assertEquals(customers, seqsByKey.size());
    seqsByKey.forEach((key, seqs) -> assertEquals(Await.range(0, perCustomer), seqs, "order of " + key));
    assertEquals(expectedThreads.size(), threads.size(), "consumer threads " + threads);
    assertEquals(3, expectedThreads.size(), "36 keys spread over the 3 consumers' partitions");
  }

  @Test
  void recordsOnTheWireAreJsonWithTheTypeHeader() throws Exception {
    SendResult<String, Object> sent = kafkaTemplate
        .send(OrdersApp.ORDERS, "wire-check", new OrderEvent("wire-check", 7, "lamp", 4999L))
        .get(20, TimeUnit.SECONDS);
    TopicPartition tp = new TopicPartition(OrdersApp.ORDERS, sent.getRecordMetadata().partition());
    try (KafkaConsumer<String, String> raw = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, samsa.bootstrapServers()),
        new StringDeserializer(), new StringDeserializer())) {
      raw.assign(List.of(tp));
      raw.seek(tp, sent.getRecordMetadata().offset());
      ConsumerRecord<String, String> record = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (record == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : raw.poll(Duration.ofMillis(200))) {
          if (r.offset() == sent.getRecordMetadata().offset()) record = r;
        }
      }
      assertNotNull(record, "record at " + tp + "@" + sent.getRecordMetadata().offset());
      assertEquals("wire-check", record.key());
      // One flat JSON object; Jackson 2 and 3 may order the fields differently.
      String json = record.value();
      assertTrue(json.startsWith("{") && json.endsWith("}"), json);
      assertEquals(
          Set.of("\"customer\":\"wire-check\"", "\"seq\":7", "\"item\":\"lamp\"", "\"amountCents\":4999"),
          Set.of(json.substring(1, json.length() - 1).split(",")));
      Header typeId = record.headers().lastHeader("__TypeId__");
      assertNotNull(typeId, "__TypeId__ header");
      assertEquals(TYPE_ID, new String(typeId.value(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void stringTemplateAndStringListener() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String line = "stock adjusted: sku-" + i + " by " + (i - 5);
      lines.add(line);
      SendResult<String, String> r = stringTemplate.send(OrdersApp.AUDIT, "warehouse-1", line)
          .get(20, TimeUnit.SECONDS);
      assertEquals(OrdersApp.AUDIT, r.getRecordMetadata().topic());
      assertEquals(i, r.getRecordMetadata().offset(), "offset of line " + i);
    }
    assertTrue(ledger.awaitAudit(10, WAIT.toMillis()), () -> ledger.audit().size() + " of 10 lines");
    List<OrderLedger.AuditLine> got = ledger.audit();
    assertEquals(10, got.size());
    for (int i = 0; i < 10; i++) {
      assertEquals("warehouse-1", got.get(i).key());
      assertEquals(lines.get(i), got.get(i).value());
      assertEquals(i, got.get(i).offset());
    }
    assertFalse(got.stream().anyMatch(l -> l.value().startsWith("\"")), "plain strings, not JSON");
  }

  private List<OrderLedger.Delivery> customerDeliveries() {
    return ledger.orders().stream().filter(d -> d.key().startsWith("customer-")).toList();
  }

  /** Records other test methods of this class put on the orders topic (the wire check's). */
  private long otherTestsRecords() {
    return ledger.orders().stream().filter(d -> !d.key().startsWith("customer-")).count();
  }
}
