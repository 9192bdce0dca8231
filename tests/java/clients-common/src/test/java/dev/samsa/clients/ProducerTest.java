package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default producer (idempotent, acks=all) with every codec: keys, null keys, headers
 * (repeated keys, null values), tombstones, explicit CreateTime timestamps; each record is
 * read back exactly, at the offset the producer was told, in send order per partition.
 */
class ProducerTest {
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

  /** One record as sent, with where the broker said it went. */
  private record Sent(ProducerRecord<String, String> record, RecordMetadata meta) {}

  private static List<Header> headersFor(int i) {
    List<Header> h = new ArrayList<>();
    switch (i % 4) {
      case 0:
        break; // no headers
      case 1:
        h.add(new RecordHeader("trace-id", ("t-" + i).getBytes(StandardCharsets.UTF_8)));
        break;
      case 2: // a repeated key, an empty value and a null value
        h.add(new RecordHeader("h", "first".getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader("h", "second".getBytes(StandardCharsets.UTF_8)));
        h.add(new RecordHeader("empty", new byte[0]));
        h.add(new RecordHeader("nothing", (byte[]) null));
        break;
      default:
        h.add(new RecordHeader("bin", new byte[] {0, (byte) 0xff, (byte) i, 10}));
        break;
    }
    return h;
  }

  @ParameterizedTest(name = "compression.type={0}")
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void everyRecordReadBackExactly(String codec) throws Exception {
    String topic = Kit.unique("produce-" + codec);
    int partitions = 3;
    Kit.createTopic(admin, topic, partitions);
    long base = System.currentTimeMillis() - 3_600_000L;
    int n = 1500;
    List<ProducerRecord<String, String>> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = i % 10 == 3 ? null : "key-" + (i % 37);
      String value = i % 10 == 7 ? null : "value-" + i + "-" + "abc".repeat(i % 40);
      // explicit, not monotonic (CreateTime is the producer's); every 5th left to the producer
      Long ts = i % 5 == 4 ? null : base + (i * 7919L) % 100_000L;
      // null keys spread over explicit partitions and the client's partitioner
      Integer partition = key == null && i % 20 == 3 ? Integer.valueOf(i % partitions) : null;
      records.add(new ProducerRecord<>(topic, partition, ts, key, value, headersFor(i)));
    }

    List<Sent> sent = new ArrayList<>();
    long before = System.currentTimeMillis();
    try (KafkaProducer<String, String> producer =
        Kit.producer(broker, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (ProducerRecord<String, String> r : records) futures.add(producer.send(r));
      producer.flush();
      for (int i = 0; i < n; i++) sent.add(new Sent(records.get(i), futures.get(i).get()));
    }
    long after = System.currentTimeMillis();

    // Per partition, offsets are 0..k-1 in send order (idempotent producer: no gaps, no dups).
    Map<Integer, List<Sent>> byPartition =
        sent.stream().collect(Collectors.groupingBy(s -> s.meta().partition()));
    int total = 0;
    for (Map.Entry<Integer, List<Sent>> e : byPartition.entrySet()) {
      List<Sent> list = e.getValue();
      for (int i = 0; i < list.size(); i++) {
        assertEquals(i, list.get(i).meta().offset(), "offset of send #" + i + " in partition " + e.getKey());
      }
      total += list.size();
    }
    assertEquals(n, total);
    for (Sent s : sent) {
      if (s.record().partition() != null) assertEquals((int) s.record().partition(), s.meta().partition());
      if (s.record().timestamp() != null) {
        assertEquals((long) s.record().timestamp(), s.meta().timestamp(), "RecordMetadata.timestamp (CreateTime)");
      }
    }
    // Keyed records go where the default partitioner puts their key: one key, one partition.
    Map<String, Integer> keyPartition = new HashMap<>();
    for (Sent s : sent) {
      String key = s.record().key();
      if (key == null) continue;
      Integer prev = keyPartition.putIfAbsent(key, s.meta().partition());
      if (prev != null) assertEquals(prev.intValue(), s.meta().partition(), "partition of key " + key);
    }

    List<ConsumerRecord<String, String>> got =
        Kit.readAll(broker, Kit.partitions(topic, partitions), n);
    assertEquals(n, got.size(), "records read back");
    Map<Integer, List<ConsumerRecord<String, String>>> gotBy =
        got.stream().collect(Collectors.groupingBy(ConsumerRecord::partition));
    for (Map.Entry<Integer, List<Sent>> e : byPartition.entrySet()) {
      List<Sent> expected = e.getValue();
      List<ConsumerRecord<String, String>> actual = gotBy.getOrDefault(e.getKey(), List.of());
      assertEquals(expected.size(), actual.size(), "records in partition " + e.getKey());
      for (int i = 0; i < expected.size(); i++) {
        ProducerRecord<String, String> want = expected.get(i).record();
        ConsumerRecord<String, String> have = actual.get(i);
        String where = codec + " partition " + e.getKey() + " offset " + i;
        assertEquals(i, have.offset(), where);
        assertEquals(want.key(), have.key(), where + " key");
        assertEquals(want.value(), have.value(), where + " value");
        assertEquals(TimestampType.CREATE_TIME, have.timestampType(), where);
        if (want.timestamp() != null) {
          assertEquals((long) want.timestamp(), have.timestamp(), where + " timestamp");
        } else {
          assertTrue(have.timestamp() >= before && have.timestamp() <= after, where + " producer timestamp " + have.timestamp());
          assertEquals(expected.get(i).meta().timestamp(), have.timestamp(), where + " timestamp");
        }
        Header[] wantH = want.headers().toArray();
        Header[] haveH = have.headers().toArray();
        assertEquals(wantH.length, haveH.length, where + " header count");
        for (int h = 0; h < wantH.length; h++) {
          assertEquals(wantH[h].key(), haveH[h].key(), where + " header key");
          if (wantH[h].value() == null) assertNull(haveH[h].value(), where + " null header value");
          else assertArrayEquals(wantH[h].value(), haveH[h].value(), where + " header value");
        }
        assertEquals(want.value() == null ? -1 : want.value().getBytes(StandardCharsets.UTF_8).length,
            have.serializedValueSize(), where + " serialized value size");
      }
    }
  }

  /** A topic with message.timestamp.type=LogAppendTime: the broker's clock replaces the producer's. */
  @Test
  void logAppendTimeTopicStampsBrokerTime() throws Exception {
    String topic = Kit.unique("log-append");
    Kit.createTopic(admin, topic, 1, Map.of("message.timestamp.type", "LogAppendTime"));
    long before = System.currentTimeMillis();
    List<RecordMetadata> metas = new ArrayList<>();
    try (KafkaProducer<String, String> producer =
        Kit.producer(broker, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"))) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, 0, 1_000_000L + i, "k" + i, "v" + i)));
      }
      producer.flush();
      for (Future<RecordMetadata> f : futures) metas.add(f.get());
    }
    long after = System.currentTimeMillis();
    for (RecordMetadata m : metas) {
      assertTrue(m.timestamp() >= before && m.timestamp() <= after,
          "RecordMetadata.timestamp must be the broker's append time, got " + m.timestamp());
    }
    List<ConsumerRecord<String, String>> got = Kit.readAll(broker, List.of(new TopicPartition(topic, 0)), 20);
    assertEquals(20, got.size());
    for (int i = 0; i < 20; i++) {
      ConsumerRecord<String, String> r = got.get(i);
      assertEquals(i, r.offset());
      assertEquals("k" + i, r.key());
      assertEquals("v" + i, r.value());
      assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType());
      assertEquals(metas.get(i).timestamp(), r.timestamp(), "append time of offset " + i);
    }
  }

  /** Empty keys and values are not nulls; a large incompressible value survives intact. */
  @Test
  void emptyAndLargeValues() throws Exception {
    String topic = Kit.unique("sizes");
    Kit.createTopic(admin, topic, 1);
    byte[] random = new byte[600_000];
    new Random(42).nextBytes(random);
    // Base64-like text of random bytes: barely compressible, ~800 KB as a String
    String large = java.util.Base64.getEncoder().encodeToString(random);
    try (KafkaProducer<String, String> producer =
        Kit.producer(broker, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd"))) {
      assertEquals(0, producer.send(new ProducerRecord<>(topic, 0, "", "")).get().offset());
      assertEquals(1, producer.send(new ProducerRecord<>(topic, 0, null, "")).get().offset());
      assertEquals(2, producer.send(new ProducerRecord<>(topic, 0, "", null)).get().offset());
      assertEquals(3, producer.send(new ProducerRecord<>(topic, 0, "big", large)).get().offset());
      assertEquals(4, producer.send(new ProducerRecord<>(topic, 0, "after", "small")).get().offset());
    }
    List<ConsumerRecord<String, String>> got = Kit.readAll(broker, List.of(new TopicPartition(topic, 0)), 5);
    assertEquals(5, got.size());
    assertEquals("", got.get(0).key());
    assertEquals("", got.get(0).value());
    assertEquals(0, got.get(0).serializedKeySize());
    assertNull(got.get(1).key());
    assertEquals(-1, got.get(1).serializedKeySize());
    assertEquals("", got.get(1).value());
    assertEquals("", got.get(2).key());
    assertNull(got.get(2).value());
    assertEquals("big", got.get(3).key());
    assertEquals(large, got.get(3).value());
    assertEquals("small", got.get(4).value());
    got.sort(Comparator.comparingLong(ConsumerRecord::offset));
    for (int i = 0; i < 5; i++) assertEquals(i, got.get(i).offset());

    // fetch sizes far below the record: the broker still returns it (KIP-74), so nobody is stuck
    java.util.Properties small = Kit.consumerProps(broker, null);
    small.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "1024");
    small.put(org.apache.kafka.clients.consumer.ConsumerConfig.FETCH_MAX_BYTES_CONFIG, "2048");
    try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> c =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(small)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seek(tp, 3);
      List<ConsumerRecord<String, String>> big = new ArrayList<>();
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (big.size() < 2 && System.nanoTime() < deadline) c.poll(java.time.Duration.ofMillis(200)).forEach(big::add);
      assertEquals(2, big.size(), "the large record and the one after it");
      assertEquals(large, big.get(0).value());
      assertEquals("small", big.get(1).value());
    }
  }

  /**
   * The idempotent producer keeps sending across a broker restart (records in flight when it
   * stops): every send succeeds and each record is in the log exactly once, in send order.
   */
  @Test
  void idempotentProducerAcrossBrokerRestart() throws Exception {
    String topic = Kit.unique("restart");
    Kit.createTopic(admin, topic, 2);
    int n = 600;
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    try (KafkaProducer<String, String> producer = Kit.producer(broker)) {
      for (int i = 0; i < n; i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i)));
        if (i == 300) broker.restart(); // no flush: batches are in flight or queued
      }
      producer.flush();
      for (int i = 0; i < n; i++) {
        RecordMetadata m = futures.get(i).get();
        assertEquals(i % 2, m.partition());
      }
    }
    List<ConsumerRecord<String, String>> got = Kit.readAll(broker, Kit.partitions(topic, 2), n);
    assertEquals(n, got.size(), "each record exactly once");
    for (int part = 0; part < 2; part++) {
      final int pp = part;
      List<String> values = got.stream().filter(r -> r.partition() == pp)
          .sorted(Comparator.comparingLong(ConsumerRecord::offset)).map(ConsumerRecord::value).toList();
      List<String> want = new ArrayList<>();
      for (int i = part; i < n; i += 2) want.add("v" + i);
      assertEquals(want, values, "partition " + part + " in send order, no duplicates");
    }
    for (int i = 0; i < n; i++) {
      RecordMetadata m = futures.get(i).get();
      ConsumerRecord<String, String> r = got.stream()
          .filter(x -> x.partition() == m.partition() && x.offset() == m.offset()).findFirst().orElseThrow();
      assertEquals("v" + i, r.value(), "the offset the producer was told holds its record");
    }
  }

  /**
   * A topic's own compression.type (not "producer") makes the broker re-compress what the
   * producer sent; the records read back are the same.
   */
  @ParameterizedTest(name = "topic compression.type={0}")
  @ValueSource(strings = {"uncompressed", "gzip", "snappy", "lz4", "zstd"})
  void topicCompressionReplacesTheProducers(String topicCodec) throws Exception {
    String topic = Kit.unique("topic-codec-" + topicCodec);
    Kit.createTopic(admin, topic, 1, Map.of("compression.type", topicCodec));
    String producerCodec = topicCodec.equals("gzip") ? "snappy" : "gzip";
    long t0 = System.currentTimeMillis() - 60_000;
    int n = 200;
    try (KafkaProducer<String, String> producer =
        Kit.producer(broker, Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, producerCodec))) {
      for (int i = 0; i < n; i++) {
        producer.send(new ProducerRecord<>(topic, 0, t0 + i, i % 7 == 0 ? null : "k" + i,
            i % 11 == 0 ? null : "value-" + i, headersFor(i)));
      }
      producer.flush();
    }
    List<ConsumerRecord<String, String>> got = Kit.readAll(broker, List.of(new TopicPartition(topic, 0)), n);
    assertEquals(n, got.size());
    for (int i = 0; i < n; i++) {
      ConsumerRecord<String, String> r = got.get(i);
      assertEquals(i, r.offset());
      assertEquals(i % 7 == 0 ? null : "k" + i, r.key());
      assertEquals(i % 11 == 0 ? null : "value-" + i, r.value());
      assertEquals(t0 + i, r.timestamp());
      assertEquals(TimestampType.CREATE_TIME, r.timestampType());
      Header[] want = headersFor(i).toArray(new Header[0]);
      Header[] have = r.headers().toArray();
      assertEquals(want.length, have.length, "headers of offset " + i);
      for (int h = 0; h < want.length; h++) {
        assertEquals(want[h].key(), have[h].key());
        if (want[h].value() == null) assertNull(have[h].value());
        else assertArrayEquals(want[h].value(), have[h].value());
      }
    }
  }
}
