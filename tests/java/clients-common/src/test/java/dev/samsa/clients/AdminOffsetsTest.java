package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ListOffsets in all its forms, the consumer's offsetsForTimes, DeleteRecords, DescribeProducers. */
class AdminOffsetsTest {
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

  private static ListOffsetsResultInfo list(TopicPartition tp, OffsetSpec spec) {
    return Kit.get(admin.listOffsets(Map.of(tp, spec)).partitionResult(tp));
  }

  /** Timestamps T0 + 1000*i, except offset 5 which carries the largest (T0 + 100000). */
  private static long timestampOf(long t0, int i) {
    return i == 5 ? t0 + 100_000 : t0 + 1000L * i;
  }

  @Test
  void listOffsetsAndOffsetsForTimes() throws Exception {
    String topic = Kit.unique("list-offsets");
    Kit.createTopic(admin, topic, 2);
    long t0 = System.currentTimeMillis() - 600_000;
    TopicPartition separate = new TopicPartition(topic, 0); // one batch per record
    TopicPartition batched = new TopicPartition(topic, 1); // all ten records in one batch
    try (KafkaProducer<String, String> p = Kit.producer(broker, Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"))) {
      for (int i = 0; i < 10; i++) {
        p.send(new ProducerRecord<>(topic, 0, timestampOf(t0, i), "k" + i, "v" + i)).get();
      }
    }
    try (KafkaProducer<String, String> p = Kit.producer(broker, Map.of(ProducerConfig.LINGER_MS_CONFIG, "1000"))) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, 1, timestampOf(t0, i), "k" + i, "v" + i));
      p.flush();
    }
    for (TopicPartition tp : List.of(separate, batched)) {
      String where = tp.toString();
      assertEquals(0, list(tp, OffsetSpec.earliest()).offset(), where);
      assertEquals(10, list(tp, OffsetSpec.latest()).offset(), where);
      ListOffsetsResultInfo at = list(tp, OffsetSpec.forTimestamp(t0 + 2500));
      assertEquals(3, at.offset(), where + " first offset with timestamp >= T0+2500");
      assertEquals(t0 + 3000, at.timestamp(), where);
      ListOffsetsResultInfo exact = list(tp, OffsetSpec.forTimestamp(t0 + 4000));
      assertEquals(4, exact.offset(), where);
      assertEquals(t0 + 4000, exact.timestamp(), where);
      // the first offset (not the closest timestamp): offset 5 (T0+100000) comes before 7 (T0+7000)
      ListOffsetsResultInfo first = list(tp, OffsetSpec.forTimestamp(t0 + 7000));
      assertEquals(5, first.offset(), where);
      assertEquals(t0 + 100_000, first.timestamp(), where);
      ListOffsetsResultInfo late = list(tp, OffsetSpec.forTimestamp(t0 + 50_000));
      assertEquals(5, late.offset(), where + " only offset 5 has a timestamp >= T0+50000");
      ListOffsetsResultInfo none = list(tp, OffsetSpec.forTimestamp(t0 + 200_000));
      assertEquals(-1, none.offset(), where + " no record that late");
      ListOffsetsResultInfo max = list(tp, OffsetSpec.maxTimestamp());
      assertEquals(5, max.offset(), where + " offset of the largest timestamp");
      assertEquals(t0 + 100_000, max.timestamp(), where);
    }

    try (KafkaConsumer<String, String> c = Kit.consumer(broker, null)) {
      Map<TopicPartition, Long> query = new HashMap<>();
      query.put(separate, t0 + 2500);
      query.put(batched, t0 + 200_000);
      Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(query, Duration.ofSeconds(20));
      assertEquals(3, found.get(separate).offset());
      assertEquals(t0 + 3000, found.get(separate).timestamp());
      assertTrue(found.containsKey(batched));
      assertNull(found.get(batched), "no record at or after that time");
      assertEquals(Map.of(separate, 0L, batched, 0L), c.beginningOffsets(List.of(separate, batched), Duration.ofSeconds(20)));
      assertEquals(Map.of(separate, 10L, batched, 10L), c.endOffsets(List.of(separate, batched), Duration.ofSeconds(20)));

      // seek to what offsetsForTimes found and read from there
      c.assign(List.of(batched));
      c.seek(batched, c.offsetsForTimes(Map.of(batched, t0 + 1500), Duration.ofSeconds(20)).get(batched).offset());
      List<ConsumerRecord<String, String>> got = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (got.size() < 8 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      assertEquals(List.of("v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"),
          got.stream().map(ConsumerRecord::value).toList());
    }
  }

  @Test
  void deleteRecordsMovesTheLogStart() throws Exception {
    String topic = Kit.unique("delete-records");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < 20; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
      p.flush();
    }
    DeletedRecords deleted = Kit.get(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(7))).lowWatermarks().get(tp));
    assertEquals(7, deleted.lowWatermark());
    assertEquals(7, list(tp, OffsetSpec.earliest()).offset());
    assertEquals(20, list(tp, OffsetSpec.latest()).offset());
    List<ConsumerRecord<String, String>> rest = Kit.readAll(broker, List.of(tp), 13);
    assertEquals(13, rest.size());
    assertEquals(7, rest.get(0).offset());
    assertEquals("v7", rest.get(0).value());

    // a consumer positioned below the log start is reset (auto.offset.reset=earliest)
    try (KafkaConsumer<String, String> c = Kit.consumer(broker, null)) {
      c.assign(List.of(tp));
      c.seek(tp, 2);
      List<ConsumerRecord<String, String>> got = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (got.size() < 13 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      assertEquals(13, got.size());
      assertEquals(7, got.get(0).offset());
    }

    // beyond the high watermark: OFFSET_OUT_OF_RANGE
    Throwable beyond = Kit.failure(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(21))).all());
    assertInstanceOf(OffsetOutOfRangeException.class, beyond);
    // -1 means the high watermark: everything
    assertEquals(20, Kit.get(admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp)).lowWatermark());
    assertEquals(20, list(tp, OffsetSpec.earliest()).offset());

    // the log start survives a restart
    broker.restart();
    Kit.await("earliest offset after restart", Duration.ofSeconds(30), () -> {
      try {
        return list(tp, OffsetSpec.earliest()).offset() == 20;
      } catch (RuntimeException e) {
        return false;
      }
    }, () -> Kit.logTail(broker));
  }

  @Test
  void describeProducers() throws Exception {
    String topic = Kit.unique("producers");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    long t0 = System.currentTimeMillis() - 10_000;
    try (KafkaProducer<String, String> idempotent1 = Kit.producer(broker);
        KafkaProducer<String, String> idempotent2 = Kit.producer(broker);
        KafkaProducer<String, String> plain = Kit.producer(broker, Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"))) {
      for (int i = 0; i < 5; i++) idempotent1.send(new ProducerRecord<>(topic, 0, t0 + i, "a", "a" + i)).get();
      for (int i = 0; i < 3; i++) idempotent2.send(new ProducerRecord<>(topic, 0, t0 + 100 + i, "b", "b" + i)).get();
      plain.send(new ProducerRecord<>(topic, 0, t0 + 200, "c", "c")).get();
    }
    List<ProducerState> states = List.copyOf(Kit.get(admin.describeProducers(List.of(tp)).partitionResult(tp)).activeProducers());
    assertEquals(2, states.size(), "the two idempotent producers (a non-idempotent one has no state): " + states);
    Set<Long> ids = new HashSet<>();
    Map<Integer, ProducerState> byLastSeq = new HashMap<>();
    for (ProducerState s : states) {
      assertTrue(s.producerId() >= 0, s.toString());
      assertEquals(0, s.producerEpoch(), s.toString());
      assertFalse(s.currentTransactionStartOffset().isPresent(), s.toString());
      assertFalse(s.coordinatorEpoch().isPresent(), s.toString());
      ids.add(s.producerId());
      byLastSeq.put(s.lastSequence(), s);
    }
    assertEquals(2, ids.size(), "distinct producer ids");
    assertEquals(Set.of(4, 2), byLastSeq.keySet(), "last sequence: 5 and 3 records sent");
    assertEquals(t0 + 4, byLastSeq.get(4).lastTimestamp());
    assertEquals(t0 + 102, byLastSeq.get(2).lastTimestamp());
  }
}
