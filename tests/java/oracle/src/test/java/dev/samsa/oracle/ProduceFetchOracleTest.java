package dev.samsa.oracle;

import static dev.samsa.oracle.MetadataTopicsOracleTest.topic;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** Produce, Fetch, ListOffsets, DeleteRecords, InitProducerId, DescribeProducers,
 *  DescribeLogDirs: every version both serve, with their error paths. */
class ProduceFetchOracleTest extends OracleTestBase {
  /**
   * Record timestamps (CreateTime), the same for both brokers so that both logs hold the same
   * bytes; recent, or Kafka's retention check deletes the records (retention.ms is 7 days).
   */
  static final long T0 = (System.currentTimeMillis() / 1000 - 3600) * 1000;

  static Supplier<MemoryRecords> records(int count, int valueSize) {
    return () -> {
      SimpleRecord[] rs = new SimpleRecord[count];
      for (int i = 0; i < count; i++) {
        byte[] value = valueSize > 0 ? "v".repeat(valueSize).getBytes(StandardCharsets.UTF_8)
            : ("value-" + i).getBytes(StandardCharsets.UTF_8);
        rs[i] = new SimpleRecord(T0 + i, ("key-" + i).getBytes(StandardCharsets.UTF_8), value);
      }
      return MemoryRecords.withRecords(Compression.NONE, rs);
    };
  }

  static ProduceRequestData produce(short acks, String topic, int partition,
      Supplier<MemoryRecords> records) {
    ProduceRequestData.TopicProduceDataCollection c = new ProduceRequestData.TopicProduceDataCollection();
    c.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
        new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records.get()))));
    return new ProduceRequestData().setAcks(acks).setTimeoutMs(30000).setTopicData(c);
  }

  /** Produces the same records to both (compared, at the newest Produce version). */
  void produceBoth(String topic, int partition, Supplier<MemoryRecords> records) {
    oracle.send("setup produce", ApiKeys.PRODUCE, latest(oracle, ApiKeys.PRODUCE),
        side -> produce((short) -1, topic, partition, records));
  }

  @Test
  void produceEveryVersion() {
    String t = unique("pr");
    createTopic(t, 2);
    String small = unique("pr-small");
    createTopic(small, 1, topic(small, 1, (short) 1, "max.message.bytes", "200"));
    for (short v : oracle.versions(ApiKeys.PRODUCE)) {
      oracle.send("acks=all, 3 records", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, t, 0, records(3, 0)));
      oracle.send("acks=1, partition 1", ApiKeys.PRODUCE, v,
          side -> produce((short) 1, t, 1, records(2, 0)));
      oracle.send("unknown partition", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, t, 7, records(1, 0)));
      String unknown = unique("pr-unknown");
      oracle.send("unknown topic", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, unknown, 0, records(1, 0)));
      oracle.send("acks=2 (invalid)", ApiKeys.PRODUCE, v,
          side -> produce((short) 2, t, 0, records(1, 0)));
      oracle.send("batch above topic max.message.bytes #produce-error", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, small, 0, records(1, 500)));
      oracle.send("batch within topic max.message.bytes", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, small, 0, records(1, 20)));
    }
    short v = latest(oracle, ApiKeys.PRODUCE);
    oracle.send("batch above broker message.max.bytes #produce-error", ApiKeys.PRODUCE, v,
        side -> produce((short) -1, t, 0, records(1, 1_100_000)));
    oracle.send("fetch everything", ApiKeys.FETCH, 12, side -> fetch(12, side, t, 0, 0L, 1 << 20));
  }

  @Test
  void produceLogAppendTime() {
    String t = unique("pr-lat");
    createTopic(t, 1, topic(t, 1, (short) 1, "message.timestamp.type", "LogAppendTime"));
    for (short v : oracle.versions(ApiKeys.PRODUCE)) {
      oracle.send("LogAppendTime topic #log-append-time", ApiKeys.PRODUCE, v,
          side -> produce((short) -1, t, 0, records(1, 0)));
    }
  }

  /** Kafka's first InitProducerId waits for a block of ids from its controller. */
  void warmUpKafkaProducerIds() {
    long deadline = System.currentTimeMillis() + 30000;
    while (true) {
      InitProducerIdResponseData r = (InitProducerIdResponseData) oracle.only(Oracle.Side.KAFKA,
          ApiKeys.INIT_PRODUCER_ID, 0, new InitProducerIdRequestData().setTransactionalId(null)
              .setTransactionTimeoutMs(60000));
      if (r.errorCode() == 0) return;
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no producer id: " + r);
      KafkaBroker.sleep(100);
    }
  }

  @Test
  void idempotentProduce() {
    warmUpKafkaProducerIds();
    String t = unique("pr-idem");
    createTopic(t, 1);
    var ids = oracle.send("idempotent producer id", ApiKeys.INIT_PRODUCER_ID,
        latest(oracle, ApiKeys.INIT_PRODUCER_ID),
        new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60000)
            .setProducerId(-1).setProducerEpoch((short) -1));
    short v = latest(oracle, ApiKeys.PRODUCE);
    java.util.function.BiFunction<Oracle.Side, Integer, ProduceRequestData> batch = (side, seq) -> {
      InitProducerIdResponseData id = ids.of(side);
      return produce((short) -1, t, 0, () -> MemoryRecords.withIdempotentRecords(Compression.NONE,
          id.producerId(), id.producerEpoch(), seq,
          new SimpleRecord(T0, "k".getBytes(), "a".getBytes()),
          new SimpleRecord(T0 + 1, "k".getBytes(), "b".getBytes())));
    };
    oracle.send("sequence 0", ApiKeys.PRODUCE, v, side -> batch.apply(side, 0));
    oracle.send("sequence 0 again (duplicate) #duplicate", ApiKeys.PRODUCE, v, side -> batch.apply(side, 0));
    oracle.send("sequence 2", ApiKeys.PRODUCE, v, side -> batch.apply(side, 2));
    oracle.send("sequence 7 (gap)", ApiKeys.PRODUCE, v, side -> batch.apply(side, 7));
    for (short dv : oracle.versions(ApiKeys.DESCRIBE_PRODUCERS)) {
      oracle.send("after idempotent batches", ApiKeys.DESCRIBE_PRODUCERS, dv,
          describeProducers(t, 0, 1));
    }
    oracle.send("fetch", ApiKeys.FETCH, 12, side -> fetch(12, side, t, 0, 0L, 1 << 20));
  }

  @Test
  void fetchEveryVersion() {
    String t = unique("fe");
    createTopic(t, 1);
    produceBoth(t, 0, records(3, 0));
    produceBoth(t, 0, records(2, 0));
    for (short v : oracle.versions(ApiKeys.FETCH)) {
      oracle.send("from 0", ApiKeys.FETCH, v, side -> fetch(v, side, t, 0, 0L, 1 << 20));
      oracle.send("from 4 (inside the second batch)", ApiKeys.FETCH, v,
          side -> fetch(v, side, t, 0, 4L, 1 << 20));
      oracle.send("at the end", ApiKeys.FETCH, v, side -> fetch(v, side, t, 0, 5L, 1 << 20));
      oracle.send("past the end #fetch-error", ApiKeys.FETCH, v, side -> fetch(v, side, t, 0, 100L, 1 << 20));
      oracle.send("negative offset #fetch-error", ApiKeys.FETCH, v, side -> fetch(v, side, t, 0, -5L, 1 << 20));
      if (v >= 7) {
        oracle.send("new fetch session (epoch 0) #fetch-session", ApiKeys.FETCH, v, side -> {
          FetchRequestData r = fetch(v, side, t, 0, 0L, 1 << 20);
          return r.setSessionEpoch(0);
        });
      }
      oracle.send("partition max bytes 1", ApiKeys.FETCH, v, side -> fetch(v, side, t, 0, 0L, 1));
      oracle.send("unknown partition #fetch-error", ApiKeys.FETCH, v, side -> fetch(v, side, t, 3, 0L, 1 << 20));
      if (v < 13) {
        String unknown = unique("fe-unknown");
        oracle.send("unknown topic #fetch-error", ApiKeys.FETCH, v, side -> fetch(v, side, unknown, 0, 0L, 1 << 20));
      } else {
        oracle.send("unknown topic id #fetch-error", ApiKeys.FETCH, v, side -> fetchById(v, Uuid.randomUuid(), 0, 0L));
      }
    }
  }

  @Test
  void listOffsetsEveryVersion() {
    String t = unique("lo");
    createTopic(t, 1);
    produceBoth(t, 0, records(3, 0));
    produceBoth(t, 0, records(2, 0));
    for (short v : oracle.versions(ApiKeys.LIST_OFFSETS)) {
      for (long ts : new long[] {-2L, -1L, -3L, -4L, -5L, T0, T0 + 1, T0 + 2, T0 + 3, T0 + 1000, 0L}) {
        if (ts == -3L && v < 7 || ts == -4L && v < 8 || ts == -5L && v < 9) continue;
        oracle.send("timestamp " + ts, ApiKeys.LIST_OFFSETS, v, listOffsets(v, t, 0, ts));
      }
      oracle.send("unknown partition", ApiKeys.LIST_OFFSETS, v, listOffsets(v, t, 4, -1L));
      oracle.send("unknown topic", ApiKeys.LIST_OFFSETS, v, listOffsets(v, unique("lo-unknown"), 0, -1L));
      if (v >= 4) {
        ListOffsetsRequestData r = listOffsets(v, t, 0, -1L);
        r.topics().get(0).partitions().get(0).setCurrentLeaderEpoch(5);
        oracle.send("future leader epoch", ApiKeys.LIST_OFFSETS, v, r);
      }
    }
  }

  @Test
  void deleteRecordsEveryVersion() {
    for (short v : oracle.versions(ApiKeys.DELETE_RECORDS)) {
      String t = unique("dr");
      createTopic(t, 2);
      produceBoth(t, 0, records(3, 0));
      produceBoth(t, 0, records(2, 0));
      oracle.send("to offset 4", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 0, 4L));
      oracle.send("backwards to 2", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 0, 2L));
      oracle.send("beyond the high watermark", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 0, 50L));
      oracle.send("-1 (the high watermark)", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 1, -1L));
      oracle.send("-7 (invalid)", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 1, -7L));
      oracle.send("unknown partition", ApiKeys.DELETE_RECORDS, v, deleteRecords(t, 9, 0L));
      oracle.send("unknown topic", ApiKeys.DELETE_RECORDS, v, deleteRecords(unique("dr-unknown"), 0, 0L));
      short lv = latest(oracle, ApiKeys.LIST_OFFSETS);
      oracle.send("earliest after delete", ApiKeys.LIST_OFFSETS, lv, listOffsets(lv, t, 0, -2L));
      for (long ts : new long[] {T0, T0 + 1, T0 + 2}) {
        oracle.send("timestamp " + (ts - T0) + " after a delete inside a batch #ts-after-delete", ApiKeys.LIST_OFFSETS, lv,
            listOffsets(lv, t, 0, ts));
      }
      oracle.send("fetch below the log start #fetch-error", ApiKeys.FETCH, 12, side -> fetch(12, side, t, 0, 1L, 1 << 20));
      oracle.send("fetch at the log start", ApiKeys.FETCH, 12, side -> fetch(12, side, t, 0, 4L, 1 << 20));
    }
  }

  @Test
  void topicCompressionType() {
    String t = unique("pr-gzip");
    createTopic(t, 1, topic(t, 1, (short) 1, "compression.type", "gzip"));
    produceBoth(t, 0, records(3, 0));
    oracle.send("uncompressed batch to a gzip topic, fetched #compression-type", ApiKeys.FETCH, 12,
        side -> fetch(12, side, t, 0, 0L, 1 << 20));
    String lz4 = unique("pr-lz4");
    createTopic(lz4, 1, topic(lz4, 1, (short) 1, "compression.type", "uncompressed"));
    oracle.send("gzip batch to an uncompressed topic", ApiKeys.PRODUCE, latest(oracle, ApiKeys.PRODUCE),
        side -> produce((short) -1, lz4, 0, () -> MemoryRecords.withRecords(
            Compression.gzip().build(), new SimpleRecord(T0, "k".getBytes(), "v".getBytes()))));
    oracle.send("gzip batch in an uncompressed topic, fetched #compression-type", ApiKeys.FETCH, 12, side -> fetch(12, side, lz4, 0, 0L, 1 << 20));
  }

  @Test
  void transactionalInitProducerId() {
    warmUpKafkaProducerIds();
    String txn = unique("txn");
    // Kafka creates __transaction_state on the first transactional FindCoordinator.
    long deadline = System.currentTimeMillis() + 60000;
    while (System.currentTimeMillis() < deadline) {
      var r = (org.apache.kafka.common.message.FindCoordinatorResponseData) oracle.only(Oracle.Side.KAFKA,
          ApiKeys.FIND_COORDINATOR, 3, new org.apache.kafka.common.message.FindCoordinatorRequestData()
              .setKey(txn).setKeyType((byte) 1));
      if (r.errorCode() == 0) {
        var i = (InitProducerIdResponseData) oracle.only(Oracle.Side.KAFKA, ApiKeys.INIT_PRODUCER_ID, 0,
            new InitProducerIdRequestData().setTransactionalId(unique("txn-warm")).setTransactionTimeoutMs(60000));
        if (i.errorCode() == 0) break;
      }
      KafkaBroker.sleep(200);
    }
    oracle.send("transactional coordinator", ApiKeys.FIND_COORDINATOR, 3,
        new org.apache.kafka.common.message.FindCoordinatorRequestData().setKey(txn).setKeyType((byte) 1));
    for (short v : oracle.versions(ApiKeys.INIT_PRODUCER_ID)) {
      oracle.send("transactional id", ApiKeys.INIT_PRODUCER_ID, v, new InitProducerIdRequestData()
          .setTransactionalId(txn + "-" + v).setTransactionTimeoutMs(60000));
      oracle.send("transaction timeout above the maximum", ApiKeys.INIT_PRODUCER_ID, v,
          new InitProducerIdRequestData().setTransactionalId(txn + "-big-" + v)
              .setTransactionTimeoutMs(Integer.MAX_VALUE));
    }
  }

  @Test
  void initProducerIdEveryVersion() {
    warmUpKafkaProducerIds();
    for (short v : oracle.versions(ApiKeys.INIT_PRODUCER_ID)) {
      var r = oracle.send("idempotent", ApiKeys.INIT_PRODUCER_ID, v,
          new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60000));
      if (v >= 3) {
        oracle.send("idempotent, bump own epoch", ApiKeys.INIT_PRODUCER_ID, v, side -> {
          InitProducerIdResponseData id = r.of(side);
          return new InitProducerIdRequestData().setTransactionalId(null)
              .setTransactionTimeoutMs(60000).setProducerId(id.producerId())
              .setProducerEpoch(id.producerEpoch());
        });
      }
    }
  }

  @Test
  void describeProducersUnknown() {
    String t = unique("dp");
    createTopic(t, 1);
    produceBoth(t, 0, records(1, 0));
    for (short v : oracle.versions(ApiKeys.DESCRIBE_PRODUCERS)) {
      oracle.send("no idempotent producer", ApiKeys.DESCRIBE_PRODUCERS, v, describeProducers(t, 0, 1));
      oracle.send("unknown partition, unknown topic", ApiKeys.DESCRIBE_PRODUCERS, v,
          describeProducers(t, 3, 1, unique("dp-unknown")));
    }
  }

  @Test
  void describeLogDirsEveryVersion() {
    String t = unique("ld");
    createTopic(t, 2);
    produceBoth(t, 0, records(3, 0));
    for (short v : oracle.versions(ApiKeys.DESCRIBE_LOG_DIRS)) {
      DescribeLogDirsRequestData.DescribableLogDirTopicCollection c =
          new DescribeLogDirsRequestData.DescribableLogDirTopicCollection();
      c.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(t)
          .setPartitions(List.of(0, 1, 5)));
      c.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(unique("ld-unknown"))
          .setPartitions(List.of(0)));
      oracle.send("a topic's partitions", ApiKeys.DESCRIBE_LOG_DIRS, v,
          new DescribeLogDirsRequestData().setTopics(c));
    }
  }

  // ---- request builders ----

  FetchRequestData fetch(int v, Oracle.Side side, String topic, int partition, long offset,
      int partitionMaxBytes) {
    FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
            .setPartitionMaxBytes(partitionMaxBytes).setLogStartOffset(-1)));
    if (v >= 13) {
      ft.setTopicId(topicId(side, topic));
    } else {
      ft.setTopic(topic);
    }
    return fetchRequest(v, ft);
  }

  static FetchRequestData fetchById(int v, Uuid id, int partition, long offset) {
    return fetchRequest(v, new FetchRequestData.FetchTopic().setTopicId(id).setPartitions(List.of(
        new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
            .setPartitionMaxBytes(1 << 20).setLogStartOffset(-1))));
  }

  static FetchRequestData fetchRequest(int v, FetchRequestData.FetchTopic ft) {
    List<FetchRequestData.FetchTopic> topics = new ArrayList<>();
    topics.add(ft);
    FetchRequestData r = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1)
        .setMaxBytes(50 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
        .setTopics(topics).setForgottenTopicsData(new ArrayList<>()).setRackId("");
    if (v < 15) r.setReplicaId(-1);
    return r;
  }

  static ListOffsetsRequestData listOffsets(int v, String topic, int partition, long ts) {
    return new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel((byte) 0)
        .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(topic)
            .setPartitions(List.of(new ListOffsetsRequestData.ListOffsetsPartition()
                .setPartitionIndex(partition).setTimestamp(ts)))));
  }

  static DeleteRecordsRequestData deleteRecords(String topic, int partition, long offset) {
    return new DeleteRecordsRequestData().setTimeoutMs(30000).setTopics(List.of(
        new DeleteRecordsRequestData.DeleteRecordsTopic().setName(topic).setPartitions(List.of(
            new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(partition)
                .setOffset(offset)))));
  }

  static DescribeProducersRequestData describeProducers(String topic, int p1, int count,
      String... more) {
    var ts = new DescribeProducersRequestData.TopicRequestCollection();
    List<Integer> parts = new ArrayList<>();
    for (int i = 0; i < count; i++) parts.add(p1 + i);
    ts.add(new DescribeProducersRequestData.TopicRequest().setName(topic).setPartitionIndexes(parts));
    for (String m : more) {
      ts.add(new DescribeProducersRequestData.TopicRequest().setName(m).setPartitionIndexes(List.of(0)));
    }
    return new DescribeProducersRequestData().setTopics(ts);
  }
}
