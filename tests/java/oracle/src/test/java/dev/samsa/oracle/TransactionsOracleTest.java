package dev.samsa.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * Transactions, classic (v1: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn up to v4) and v2
 * (KIP-890: Produce v12 adds the partition, TxnOffsetCommit v5 the group, EndTxn v5 bumps the
 * epoch), with FindCoordinator, InitProducerId, DescribeTransactions, ListTransactions and
 * DescribeProducers at the interesting states, and fencing.
 *
 * <p>Every transactional id is new, so both brokers start each one at epoch 0 and epochs are
 * compared as they are. Producer ids are each broker's own: every answer's producerId is
 * aliased per side (pid-1, pid-2, ... in the order this test registered them) into an extra
 * field producerIdAlias, which is compared (the raw producerId is a legitimate difference).
 * Kafka writes transaction markers asynchronously: after every successful EndTxn (and after a
 * fencing InitProducerId) the test polls DescribeTransactions on each broker until the
 * transaction is complete, so that both are compared in the same state.
 */
class TransactionsOracleTest extends OracleTestBase {
  static final long T0 = ProduceFetchOracleTest.T0;
  static final int TXN_TIMEOUT_MS = 60000;
  /** Kafka's default transaction.max.timeout.ms is 900000 (15 minutes), samsa's too. */
  static final int ABOVE_MAX_TIMEOUT_MS = 900001;

  /** Per side: each producer id this test obtained, to its alias. */
  private final List<Map<Long, String>> pidAliases = List.of(new HashMap<>(), new HashMap<>());

  /** One producer (id and epoch) on each broker. */
  static final class Producer {
    final long[] id = {-1, -1};
    final short[] epoch = {-1, -1};

    long id(Oracle.Side s) {
      return id[s.ordinal()];
    }

    short epoch(Oracle.Side s) {
      return epoch[s.ordinal()];
    }
  }

  // ---- set-up and waiting ----

  /**
   * Kafka creates __transaction_state on the first transactional FindCoordinator and then
   * answers COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR until it is loaded, and its first
   * InitProducerId waits for a block of producer ids from the controller.
   */
  private void warmUpTransactions() {
    warmUpKafkaCoordinator();
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 60000;
      while (true) {
        String warm = unique("txn-warm");
        var f = (FindCoordinatorResponseData) oracle.only(side, ApiKeys.FIND_COORDINATOR, 3,
            new FindCoordinatorRequestData().setKey(warm).setKeyType((byte) 1));
        if (f.errorCode() == 0) {
          var i = (InitProducerIdResponseData) oracle.only(side, ApiKeys.INIT_PRODUCER_ID, 0,
              init(warm));
          if (i.errorCode() == 0) break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(side + ": no transaction coordinator: " + f);
        }
        KafkaBroker.sleep(200);
      }
    }
  }

  /** Waits (bounded) until each broker shows the transaction in one of the states. */
  private void awaitState(String txn, String... states) {
    Set<String> want = Set.of(states);
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 15000;
      while (true) {
        var r = (DescribeTransactionsResponseData) oracle.only(side, ApiKeys.DESCRIBE_TRANSACTIONS,
            0, new DescribeTransactionsRequestData().setTransactionalIds(List.of(txn)));
        var st = r.transactionStates().get(0);
        if (st.errorCode() == 0 && want.contains(st.transactionState())) break;
        if (System.currentTimeMillis() > deadline) {
          // Not thrown: the next compared exchange shows the state each broker is in.
          System.out.println("oracle: " + side + " transaction " + txn + " still "
              + st.transactionState() + " (error " + st.errorCode() + "), expected " + want);
          break;
        }
        KafkaBroker.sleep(20);
      }
    }
  }

  /** Registers the producer id and epoch of a successful InitProducerId on each side. */
  private Producer producer(Oracle.Result r) {
    Producer p = new Producer();
    for (Oracle.Side s : Oracle.Side.values()) {
      InitProducerIdResponseData d = r.of(s);
      if (d == null || d.errorCode() != 0) continue;
      p.id[s.ordinal()] = d.producerId();
      p.epoch[s.ordinal()] = d.producerEpoch();
      register(s, d.producerId());
    }
    return p;
  }

  private void register(Oracle.Side s, long id) {
    Map<Long, String> m = pidAliases.get(s.ordinal());
    m.computeIfAbsent(id, x -> "pid-" + (m.size() + 1));
  }

  /**
   * Normalisation per side. Oracle applies a normalizer to samsa's answer first, then to
   * Kafka's; this adapter tells which one it is looking at.
   */
  private Consumer<JsonNode> perSide(BiConsumer<Oracle.Side, JsonNode> f) {
    int[] calls = {0};
    return json -> f.accept(calls[0]++ == 0 ? Oracle.Side.SAMSA : Oracle.Side.KAFKA, json);
  }

  /** producerIdAlias beside every producerId; start times as "set"; partition lists sorted. */
  private Consumer<JsonNode> txnNormalizer() {
    return perSide((side, json) -> normalize(json, pidAliases.get(side.ordinal()), null));
  }

  /** The same, keeping only the given transactional ids in a ListTransactions answer. */
  private Consumer<JsonNode> listNormalizer(Set<String> ours) {
    return perSide((side, json) -> normalize(json, pidAliases.get(side.ordinal()), ours));
  }

  private static void normalize(JsonNode node, Map<Long, String> aliases, Set<String> ours) {
    if (node == null) return;
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      JsonNode pid = o.get("producerId");
      if (pid != null && pid.isNumber()) {
        long id = pid.asLong();
        o.put("producerIdAlias", id < 0 ? Long.toString(id) : aliases.getOrDefault(id, "not-this-test's"));
      }
      JsonNode start = o.get("transactionStartTimeMs");
      if (start != null && start.isNumber() && start.asLong() > 0) {
        o.put("transactionStartTimeMs", "set");
      }
      // DescribeProducers: the records carry T0 + sequence (the same on both); anything
      // else positive is a broker's clock (e.g. a marker's timestamp).
      JsonNode last = o.get("lastTimestamp");
      if (last != null && last.isNumber() && last.asLong() > 0) {
        long d = last.asLong() - T0;
        o.put("lastTimestamp", d >= 0 && d < 1000 ? "record T0+" + d : "broker clock");
      }
      JsonNode states = o.get("transactionStates");
      if (ours != null && states != null && states.isArray()) {
        ArrayNode a = (ArrayNode) states;
        List<JsonNode> keep = new ArrayList<>();
        a.forEach(e -> {
          if (ours.contains(e.path("transactionalId").asText())) keep.add(e);
        });
        keep.sort((x, y) -> x.path("transactionalId").asText().compareTo(y.path("transactionalId").asText()));
        a.removeAll();
        a.addAll(keep);
      }
      JsonNode parts = o.get("partitions");
      if (parts != null && parts.isArray() && parts.size() > 1 && parts.get(0).isNumber()) {
        List<Integer> ps = new ArrayList<>();
        parts.forEach(e -> ps.add(e.asInt()));
        ps.sort(null);
        ArrayNode a = (ArrayNode) parts;
        a.removeAll();
        ps.forEach(a::add);
      }
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String n : names) normalize(o.get(n), aliases, ours);
    } else if (node.isArray()) {
      node.forEach(e -> normalize(e, aliases, ours));
    }
  }

  // ---- request builders ----

  static InitProducerIdRequestData init(String txn) {
    return new InitProducerIdRequestData().setTransactionalId(txn)
        .setTransactionTimeoutMs(TXN_TIMEOUT_MS).setProducerId(-1).setProducerEpoch((short) -1);
  }

  static AddPartitionsToTxnRequestData addPartitions(String txn, long pid, short epoch,
      Map<String, List<Integer>> topics) {
    var c = new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
    topics.forEach((t, ps) -> c.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic()
        .setName(t).setPartitions(ps)));
    return new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(txn)
        .setV3AndBelowProducerId(pid).setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(c);
  }

  static ProduceRequestData txnProduce(String txn, String topic, int partition, long pid,
      short epoch, int sequence) {
    MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch,
        sequence, new SimpleRecord(T0 + sequence, ("k" + sequence).getBytes(StandardCharsets.UTF_8),
            ("txn-value-" + sequence).getBytes(StandardCharsets.UTF_8)));
    var c = new ProduceRequestData.TopicProduceDataCollection();
    c.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
        new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records))));
    return new ProduceRequestData().setTransactionalId(txn).setAcks((short) -1)
        .setTimeoutMs(30000).setTopicData(c);
  }

  static AddOffsetsToTxnRequestData addOffsets(String txn, long pid, short epoch, String group) {
    return new AddOffsetsToTxnRequestData().setTransactionalId(txn).setProducerId(pid)
        .setProducerEpoch(epoch).setGroupId(group);
  }

  static TxnOffsetCommitRequestData txnCommit(String txn, String group, long pid, short epoch,
      String topic, long offset) {
    return new TxnOffsetCommitRequestData().setTransactionalId(txn).setGroupId(group)
        .setProducerId(pid).setProducerEpoch(epoch).setGenerationIdOrMemberEpoch(-1)
        .setMemberId("").setGroupInstanceId(null)
        .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic()
            .setName(topic).setPartitions(List.of(
                new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                    .setPartitionIndex(0).setCommittedOffset(offset).setCommittedLeaderEpoch(-1)
                    .setCommittedMetadata("txn-meta")))));
  }

  static EndTxnRequestData endTxn(String txn, long pid, short epoch, boolean commit) {
    return new EndTxnRequestData().setTransactionalId(txn).setProducerId(pid)
        .setProducerEpoch(epoch).setCommitted(commit);
  }

  static DescribeTransactionsRequestData describe(String... txns) {
    return new DescribeTransactionsRequestData().setTransactionalIds(List.of(txns));
  }

  private void describeTxn(String label, String... txns) {
    oracle.send(label, ApiKeys.DESCRIBE_TRANSACTIONS, latest(oracle, ApiKeys.DESCRIBE_TRANSACTIONS),
        side -> describe(txns), txnNormalizer());
  }

  /** ListTransactions at every version: by state, by this producer's id, both, unknown state. */
  private void listTxns(String label, String txn, Producer p, String state) {
    Set<String> ours = Set.of(txn);
    for (short v : oracle.versions(ApiKeys.LIST_TRANSACTIONS)) {
      oracle.send(label + ": state filter " + state, ApiKeys.LIST_TRANSACTIONS, v,
          side -> new ListTransactionsRequestData().setStateFilters(List.of(state))
              .setProducerIdFilters(List.of()), listNormalizer(ours));
      oracle.send(label + ": producer id filter", ApiKeys.LIST_TRANSACTIONS, v,
          side -> new ListTransactionsRequestData().setStateFilters(List.of())
              .setProducerIdFilters(List.of(p.id(side))), listNormalizer(ours));
      oracle.send(label + ": producer id and state filters, an unknown state", ApiKeys.LIST_TRANSACTIONS, v,
          side -> new ListTransactionsRequestData().setStateFilters(List.of(state, "NoSuchState"))
              .setProducerIdFilters(List.of(p.id(side))), listNormalizer(ours));
      oracle.send(label + ": producer id filter, another state", ApiKeys.LIST_TRANSACTIONS, v,
          side -> new ListTransactionsRequestData()
              .setStateFilters(List.of(state.equals("Ongoing") ? "Empty" : "Ongoing"))
              .setProducerIdFilters(List.of(p.id(side))), listNormalizer(ours));
    }
  }

  private void describeProducers(String label, String topic, int partitions) {
    oracle.send(label, ApiKeys.DESCRIBE_PRODUCERS, latest(oracle, ApiKeys.DESCRIBE_PRODUCERS),
        side -> ProduceFetchOracleTest.describeProducers(topic, 0, partitions), txnNormalizer());
  }

  /** The last stable offset (read_committed ListOffsets latest) of the partitions. */
  private void lastStableOffset(String label, String topic, int partition) {
    oracle.send(label, ApiKeys.LIST_OFFSETS, latest(oracle, ApiKeys.LIST_OFFSETS),
        side -> ProduceFetchOracleTest.listOffsets(latest(oracle, ApiKeys.LIST_OFFSETS), topic,
            partition, -1L).setIsolationLevel((byte) 1));
  }

  private void committedOffsets(String label, String group) {
    oracle.send(label, ApiKeys.OFFSET_FETCH, 8, side -> new OffsetFetchRequestData()
        .setRequireStable(true).setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
            .setGroupId(group).setTopics(null))));
  }

  private static Map<String, List<Integer>> parts(Object... topicAndPartitions) {
    Map<String, List<Integer>> m = new LinkedHashMap<>();
    for (int i = 0; i < topicAndPartitions.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<Integer> ps = (List<Integer>) topicAndPartitions[i + 1];
      m.put((String) topicAndPartitions[i], ps);
    }
    return m;
  }

  // ---- tests ----

  @Test
  void findTransactionCoordinator() {
    warmUpTransactions();
    String txn = unique("txn-fc");
    for (short v : oracle.versions(ApiKeys.FIND_COORDINATOR)) {
      if (v < 1) continue; // v0 has no key type (groups only)
      oracle.send("transaction coordinator", ApiKeys.FIND_COORDINATOR, v,
          v >= 4 ? new FindCoordinatorRequestData().setKeyType((byte) 1).setCoordinatorKeys(List.of(txn))
              : new FindCoordinatorRequestData().setKeyType((byte) 1).setKey(txn));
      if (v >= 4) {
        oracle.send("transaction coordinator, two ids", ApiKeys.FIND_COORDINATOR, v,
            new FindCoordinatorRequestData().setKeyType((byte) 1)
                .setCoordinatorKeys(List.of(txn, txn + "-other")));
      }
    }
  }

  @Test
  void initProducerIdTransactional() {
    warmUpTransactions();
    for (short v : oracle.versions(ApiKeys.INIT_PRODUCER_ID)) {
      String txn = unique("txn-ipi-v" + v);
      Producer p = producer(oracle.send("first (epoch 0)", ApiKeys.INIT_PRODUCER_ID, v, init(txn)));
      oracle.send("again (epoch bump)", ApiKeys.INIT_PRODUCER_ID, v, side -> init(txn), txnNormalizer());
      oracle.send("timeout above transaction.max.timeout.ms", ApiKeys.INIT_PRODUCER_ID, v,
          side -> init(txn + "-big").setTransactionTimeoutMs(ABOVE_MAX_TIMEOUT_MS), txnNormalizer());
      oracle.send("same id, timeout above the maximum", ApiKeys.INIT_PRODUCER_ID, v,
          side -> init(txn).setTransactionTimeoutMs(ABOVE_MAX_TIMEOUT_MS), txnNormalizer());
      oracle.send("timeout 0", ApiKeys.INIT_PRODUCER_ID, v,
          side -> init(txn + "-zero").setTransactionTimeoutMs(0), txnNormalizer());
      oracle.send("empty transactional id", ApiKeys.INIT_PRODUCER_ID, v, side -> init(""), txnNormalizer());
      if (v >= 3) {
        // Current epoch 1 after the two calls above.
        oracle.send("KIP-360: expected producer id and current epoch", ApiKeys.INIT_PRODUCER_ID, v,
            side -> init(txn).setProducerId(p.id(side)).setProducerEpoch((short) 1), txnNormalizer());
        oracle.send("KIP-360: retry of that bump (epoch 1 again)", ApiKeys.INIT_PRODUCER_ID, v,
            side -> init(txn).setProducerId(p.id(side)).setProducerEpoch((short) 1), txnNormalizer());
        oracle.send("KIP-360: an older epoch #txn-fenced", ApiKeys.INIT_PRODUCER_ID, v,
            side -> init(txn).setProducerId(p.id(side)).setProducerEpoch((short) 0), txnNormalizer());
        oracle.send("KIP-360: another producer id #txn-fenced", ApiKeys.INIT_PRODUCER_ID, v,
            side -> init(txn).setProducerId(p.id(side) + 1000).setProducerEpoch((short) 2),
            txnNormalizer());
        oracle.send("KIP-360: producer id without epoch", ApiKeys.INIT_PRODUCER_ID, v,
            side -> init(txn).setProducerId(p.id(side)).setProducerEpoch((short) -1), txnNormalizer());
      }
      describeTxn("after the InitProducerId calls", txn);
    }
  }

  /**
   * One classic transaction per EndTxn version 0-4 (AddPartitionsToTxn v0-3, TxnOffsetCommit
   * v0-4, AddOffsetsToTxn and Produce v3-11 spread over the rounds).
   */
  @Test
  void classicTransaction() {
    warmUpTransactions();
    List<Short> endVersions = oracle.versions(ApiKeys.END_TXN).stream().filter(v -> v <= 4).toList();
    List<Short> addVersions = oracle.versions(ApiKeys.ADD_PARTITIONS_TO_TXN).stream().filter(v -> v <= 3).toList();
    List<Short> offsVersions = oracle.versions(ApiKeys.ADD_OFFSETS_TO_TXN);
    List<Short> tocVersions = oracle.versions(ApiKeys.TXN_OFFSET_COMMIT).stream().filter(v -> v <= 4).toList();
    List<Short> produceVersions = oracle.versions(ApiKeys.PRODUCE).stream().filter(v -> v >= 3 && v <= 11).toList();
    int rounds = Math.max(endVersions.size(), Math.max(addVersions.size(), tocVersions.size()));
    int perRound = (produceVersions.size() + rounds - 1) / rounds;
    for (int r = 0; r < rounds; r++) {
      short endV = endVersions.get(Math.min(r, endVersions.size() - 1));
      short addV = addVersions.get(Math.min(r, addVersions.size() - 1));
      short offV = offsVersions.get(Math.min(r, offsVersions.size() - 1));
      short tocV = tocVersions.get(Math.min(r, tocVersions.size() - 1));
      List<Short> prodVs = produceVersions.subList(Math.min(r * perRound, produceVersions.size()),
          Math.min((r + 1) * perRound, produceVersions.size()));
      if (prodVs.isEmpty()) prodVs = List.of(produceVersions.get(produceVersions.size() - 1));
      String tag = "classic round " + r + ": ";
      String topic = unique("txn-cl");
      createTopic(topic, 2);
      String group = unique("txn-cl-group");
      awaitKafkaGroupCoordinator(group);
      String txn = unique("txn-cl");
      short ipv = latest(oracle, ApiKeys.INIT_PRODUCER_ID);
      Producer p = producer(oracle.send(tag + "InitProducerId", ApiKeys.INIT_PRODUCER_ID, ipv, init(txn)));
      p = producer(oracle.send(tag + "InitProducerId again (epoch 1)", ApiKeys.INIT_PRODUCER_ID, ipv,
          side -> init(txn), txnNormalizer()));
      Producer cur = p;
      describeTxn(tag + "Empty", txn);

      oracle.send(tag + "add an existing partition", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(txn, cur.id(side), cur.epoch(side), parts(topic, List.of(0))));
      String unknown = unique("txn-cl-unknown");
      oracle.send(tag + "an unknown topic beside an existing partition", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(txn, cur.id(side), cur.epoch(side),
              parts(topic, List.of(1), unknown, List.of(0))));
      oracle.send(tag + "an unknown partition", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(txn, cur.id(side), cur.epoch(side), parts(topic, List.of(7))));
      oracle.send(tag + "wrong producer id", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(txn, cur.id(side) + 1000, cur.epoch(side), parts(topic, List.of(1))));
      oracle.send(tag + "old epoch #txn-fenced", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(txn, cur.id(side), (short) (cur.epoch(side) - 1), parts(topic, List.of(1))));
      oracle.send(tag + "unknown transactional id", ApiKeys.ADD_PARTITIONS_TO_TXN, addV,
          side -> addPartitions(unique("txn-cl-nobody"), cur.id(side), cur.epoch(side), parts(topic, List.of(1))));
      describeTxn(tag + "Ongoing with partition 0", txn);

      int seq = 0;
      for (short pv : prodVs) {
        int s = seq++;
        oracle.send(tag + "transactional batch to a partition in the transaction", ApiKeys.PRODUCE, pv,
            side -> txnProduce(txn, topic, 0, cur.id(side), cur.epoch(side), s), txnNormalizer());
        oracle.send(tag + "transactional batch to a partition NOT in the transaction #txn-produce-error", ApiKeys.PRODUCE, pv,
            side -> txnProduce(txn, topic, 1, cur.id(side), cur.epoch(side), 0), txnNormalizer());
        oracle.send(tag + "transactional batch with the old epoch #txn-produce-error", ApiKeys.PRODUCE, pv,
            side -> txnProduce(txn, topic, 0, cur.id(side), (short) (cur.epoch(side) - 1), s + 1),
            txnNormalizer());
      }
      describeProducers(tag + "open transaction on partition 0", topic, 2);
      lastStableOffset(tag + "last stable offset, transaction open", topic, 0);

      oracle.send(tag + "TxnOffsetCommit before AddOffsetsToTxn", ApiKeys.TXN_OFFSET_COMMIT, tocV,
          side -> txnCommit(txn, group, cur.id(side), cur.epoch(side), topic, 5L));
      oracle.send(tag + "AddOffsetsToTxn", ApiKeys.ADD_OFFSETS_TO_TXN, offV,
          side -> addOffsets(txn, cur.id(side), cur.epoch(side), group));
      oracle.send(tag + "AddOffsetsToTxn, old epoch #txn-fenced", ApiKeys.ADD_OFFSETS_TO_TXN, offV,
          side -> addOffsets(txn, cur.id(side), (short) (cur.epoch(side) - 1), group));
      oracle.send(tag + "TxnOffsetCommit after AddOffsetsToTxn, old epoch #txn-offsets-old-epoch", ApiKeys.TXN_OFFSET_COMMIT, tocV,
          side -> txnCommit(txn, group, cur.id(side), (short) (cur.epoch(side) - 1), topic, 4L));
      oracle.send(tag + "TxnOffsetCommit after AddOffsetsToTxn", ApiKeys.TXN_OFFSET_COMMIT, tocV,
          side -> txnCommit(txn, group, cur.id(side), cur.epoch(side), topic, 5L));
      describeTxn(tag + "Ongoing with the offsets partition", txn);
      listTxns(tag + "Ongoing", txn, cur, "Ongoing");

      oracle.send(tag + "EndTxn wrong epoch (newer) #txn-fenced", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side), (short) (cur.epoch(side) + 1), true));
      oracle.send(tag + "EndTxn commit", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side), cur.epoch(side), true));
      awaitState(txn, "CompleteCommit");
      describeTxn(tag + "CompleteCommit", txn);
      oracle.send(tag + "EndTxn commit again (retry)", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side), cur.epoch(side), true));
      oracle.send(tag + "EndTxn abort after the commit", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side), cur.epoch(side), false));
      oracle.send(tag + "EndTxn commit, old epoch #txn-fenced", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side), (short) (cur.epoch(side) - 1), true));
      oracle.send(tag + "EndTxn commit, wrong producer id", ApiKeys.END_TXN, endV,
          side -> endTxn(txn, cur.id(side) + 1000, cur.epoch(side), true));
      oracle.send(tag + "EndTxn, unknown transactional id", ApiKeys.END_TXN, endV,
          side -> endTxn(unique("txn-cl-nobody"), cur.id(side), cur.epoch(side), true));
      describeTxn(tag + "still CompleteCommit", txn);
      listTxns(tag + "CompleteCommit", txn, cur, "CompleteCommit");
      describeProducers(tag + "after the commit #txn-after-markers", topic, 2);
      lastStableOffset(tag + "last stable offset after the commit", topic, 0);
      committedOffsets(tag + "committed offsets after the commit", group);
    }
  }

  /** Transactions v2 (KIP-890 part 2): implicit partitions and group, epoch bump per EndTxn. */
  @Test
  void transactionV2() {
    warmUpTransactions();
    List<Short> produceVersions = oracle.versions(ApiKeys.PRODUCE).stream().filter(v -> v >= 12).toList();
    List<Short> endVersions = oracle.versions(ApiKeys.END_TXN).stream().filter(v -> v >= 5).toList();
    List<Short> tocVersions = oracle.versions(ApiKeys.TXN_OFFSET_COMMIT).stream().filter(v -> v == 5).toList();
    if (produceVersions.isEmpty() || endVersions.isEmpty() || tocVersions.isEmpty()) {
      throw new IllegalStateException("transactions v2 versions not served by both: Produce "
          + produceVersions + ", EndTxn " + endVersions + ", TxnOffsetCommit " + tocVersions);
    }
    short pv = produceVersions.get(0);
    short ev = endVersions.get(endVersions.size() - 1);
    short tv = tocVersions.get(0);
    String topic = unique("txn-v2");
    createTopic(topic, 2);
    String group = unique("txn-v2-group");
    awaitKafkaGroupCoordinator(group);
    String txn = unique("txn-v2");
    Producer p = producer(oracle.send("InitProducerId", ApiKeys.INIT_PRODUCER_ID,
        latest(oracle, ApiKeys.INIT_PRODUCER_ID), init(txn)));

    oracle.send("Produce v12 adds partition 0", ApiKeys.PRODUCE, pv,
        side -> txnProduce(txn, topic, 0, p.id(side), p.epoch(side), 0), txnNormalizer());
    oracle.send("Produce v12, second batch", ApiKeys.PRODUCE, pv,
        side -> txnProduce(txn, topic, 0, p.id(side), p.epoch(side), 1), txnNormalizer());
    describeTxn("v2 Ongoing after produce", txn);
    oracle.send("TxnOffsetCommit v5 without AddOffsetsToTxn", ApiKeys.TXN_OFFSET_COMMIT, tv,
        side -> txnCommit(txn, group, p.id(side), p.epoch(side), topic, 2L));
    oracle.send("TxnOffsetCommit v5, newer epoch #txn-offsets-old-epoch", ApiKeys.TXN_OFFSET_COMMIT, tv,
        side -> txnCommit(txn, group, p.id(side), (short) (p.epoch(side) + 1), topic, 1L));
    describeTxn("v2 Ongoing after TxnOffsetCommit", txn);
    describeProducers("v2 open transaction", topic, 2);
    lastStableOffset("v2 last stable offset, transaction open", topic, 0);
    listTxns("v2 Ongoing", txn, p, "Ongoing");

    Oracle.Result commit = oracle.send("EndTxn v5 commit", ApiKeys.END_TXN, ev,
        side -> endTxn(txn, p.id(side), p.epoch(side), true), txnNormalizer());
    Producer bumped = new Producer();
    for (Oracle.Side s : Oracle.Side.values()) {
      EndTxnResponseData d = commit.of(s);
      bumped.id[s.ordinal()] = d != null && d.errorCode() == 0 ? d.producerId() : p.id(s);
      bumped.epoch[s.ordinal()] = d != null && d.errorCode() == 0 ? d.producerEpoch() : (short) (p.epoch(s) + 1);
      register(s, bumped.id(s));
    }
    awaitState(txn, "CompleteCommit");
    describeTxn("v2 CompleteCommit", txn);
    oracle.send("TxnOffsetCommit v5 with the epoch before the commit #txn-offsets-old-epoch",
        ApiKeys.TXN_OFFSET_COMMIT, tv, side -> txnCommit(txn, group, p.id(side), p.epoch(side), topic, 1L));
    listTxns("v2 CompleteCommit", txn, bumped, "CompleteCommit");
    lastStableOffset("v2 last stable offset after the commit", topic, 0);
    committedOffsets("v2 committed offsets after the commit", group);
    oracle.send("EndTxn v5 commit retry with the old epoch", ApiKeys.END_TXN, ev,
        side -> endTxn(txn, p.id(side), p.epoch(side), true), txnNormalizer());
    oracle.send("EndTxn v5 abort with the old epoch after the commit", ApiKeys.END_TXN, ev,
        side -> endTxn(txn, p.id(side), p.epoch(side), false), txnNormalizer());
    describeTxn("v2 still CompleteCommit", txn);

    oracle.send("EndTxn v5 abort, empty transaction (new epoch)", ApiKeys.END_TXN, ev,
        side -> endTxn(txn, bumped.id(side), bumped.epoch(side), false), txnNormalizer());
    awaitState(txn, "CompleteAbort", "Empty");
    describeTxn("v2 after aborting an empty transaction", txn);
    short[] afterAbort = {(short) (bumped.epoch(Oracle.Side.SAMSA) + 1), (short) (bumped.epoch(Oracle.Side.KAFKA) + 1)};
    oracle.send("EndTxn v5 commit, nothing in the transaction", ApiKeys.END_TXN, ev,
        side -> endTxn(txn, bumped.id(side), afterAbort[side.ordinal()], true), txnNormalizer());
    oracle.send("Produce v12 with the first (old) epoch after the bumps #txn-produce-error", ApiKeys.PRODUCE, pv,
        side -> txnProduce(txn, topic, 0, p.id(side), p.epoch(side), 2), txnNormalizer());
    oracle.send("Produce v12 with the commit's epoch after the abort's bump #txn-produce-error", ApiKeys.PRODUCE, pv,
        side -> txnProduce(txn, topic, 0, bumped.id(side), bumped.epoch(side), 0), txnNormalizer());
    describeTxn("v2 final", txn);
    describeProducers("v2 after the transactions #txn-after-markers", topic, 2);

    // A fresh transactional id: Empty state.
    String fresh = unique("txn-v2-empty");
    Producer f = producer(oracle.send("InitProducerId (Empty)", ApiKeys.INIT_PRODUCER_ID,
        latest(oracle, ApiKeys.INIT_PRODUCER_ID), init(fresh)));
    oracle.send("EndTxn v5 commit in Empty state", ApiKeys.END_TXN, ev,
        side -> endTxn(fresh, f.id(side), f.epoch(side), true), txnNormalizer());
    oracle.send("EndTxn v5 abort in Empty state", ApiKeys.END_TXN, ev,
        side -> endTxn(fresh, f.id(side), f.epoch(side), false), txnNormalizer());
    awaitState(fresh, "CompleteAbort", "Empty");
    describeTxn("v2 after aborting in Empty state", fresh);
    String nobody = unique("txn-v2-nobody");
    for (short v : oracle.versions(ApiKeys.DESCRIBE_TRANSACTIONS)) {
      oracle.send("unknown transactional id #txn-unknown-id", ApiKeys.DESCRIBE_TRANSACTIONS, v,
          side -> describe(nobody), txnNormalizer());
    }
  }

  /** A second InitProducerId while a transaction is open fences the first producer. */
  @Test
  void fencing() {
    warmUpTransactions();
    String topic = unique("txn-fence");
    createTopic(topic, 1);
    String txn = unique("txn-fence");
    short ipv = latest(oracle, ApiKeys.INIT_PRODUCER_ID);
    Producer p = producer(oracle.send("InitProducerId", ApiKeys.INIT_PRODUCER_ID, ipv, init(txn)));
    oracle.send("add partition 0", ApiKeys.ADD_PARTITIONS_TO_TXN, 3,
        side -> addPartitions(txn, p.id(side), p.epoch(side), parts(topic, List.of(0))));
    oracle.send("transactional batch", ApiKeys.PRODUCE, 11,
        side -> txnProduce(txn, topic, 0, p.id(side), p.epoch(side), 0), txnNormalizer());
    describeTxn("Ongoing before the fencing", txn);
    oracle.send("second InitProducerId while Ongoing", ApiKeys.INIT_PRODUCER_ID, ipv, side -> init(txn),
        txnNormalizer());
    // Kafka aborts the open transaction (epoch + 1) and answers CONCURRENT_TRANSACTIONS until
    // the markers are written; retry on each broker until it succeeds, then compare the next.
    for (Oracle.Side side : Oracle.Side.values()) {
      long deadline = System.currentTimeMillis() + 15000;
      while (System.currentTimeMillis() < deadline) {
        var r = (DescribeTransactionsResponseData) oracle.only(side, ApiKeys.DESCRIBE_TRANSACTIONS, 0,
            describe(txn));
        String st = r.transactionStates().get(0).transactionState();
        if (!st.startsWith("Prepare") && !st.equals("Ongoing")) break;
        KafkaBroker.sleep(20);
      }
    }
    describeTxn("after the fencing abort", txn);
    Producer q = producer(oracle.send("InitProducerId retried after the abort", ApiKeys.INIT_PRODUCER_ID,
        ipv, side -> init(txn), txnNormalizer()));
    describeTxn("after the new producer's InitProducerId", txn);
    for (short v : oracle.versions(ApiKeys.END_TXN)) {
      oracle.send("old producer's EndTxn commit #txn-fenced", ApiKeys.END_TXN, v,
          side -> endTxn(txn, p.id(side), p.epoch(side), true), txnNormalizer());
    }
    for (short v : oracle.versions(ApiKeys.ADD_PARTITIONS_TO_TXN)) {
      if (v > 3) continue;
      oracle.send("old producer's AddPartitionsToTxn #txn-fenced", ApiKeys.ADD_PARTITIONS_TO_TXN, v,
          side -> addPartitions(txn, p.id(side), p.epoch(side), parts(topic, List.of(0))));
    }
    oracle.send("old producer's transactional batch #txn-produce-error", ApiKeys.PRODUCE, 11,
        side -> txnProduce(txn, topic, 0, p.id(side), p.epoch(side), 1), txnNormalizer());
    oracle.send("new producer adds partition 0", ApiKeys.ADD_PARTITIONS_TO_TXN, 3,
        side -> addPartitions(txn, q.id(side), q.epoch(side), parts(topic, List.of(0))));
    oracle.send("new producer aborts", ApiKeys.END_TXN, 4,
        side -> endTxn(txn, q.id(side), q.epoch(side), false), txnNormalizer());
    awaitState(txn, "CompleteAbort");
    describeTxn("after the new producer's abort", txn);
    describeProducers("after the fencing #txn-after-markers", topic, 1);
    lastStableOffset("last stable offset after the aborts", topic, 0);
  }
}
