package dev.samsa.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What third-party consoles (kafka-ui, AKHQ, Redpanda Console) ask a broker at start-up and
 * then on every refresh: DescribeAcls to learn whether security is on (a broker without an
 * authorizer answers SECURITY_DISABLED), the broker's configs, its log directories, the
 * consumer groups with their members and committed offsets, and the earliest, latest and
 * max-timestamp offsets of each partition. Also CreateAcls and DeleteAcls, which their ACL
 * pages (and kafka-acls.sh) send.
 *
 * <p>Two layers. On the wire, through the oracle: the ACL APIs at every version both serve
 * (with filters Kafka cannot parse, which close the connection), and each console request as
 * the Java AdminClient sends it, compared field by field with the usual rules. Through the
 * Java AdminClient (what the consoles are built on), the same calls on each broker: each
 * outcome (result or exception class) turned into JSON and compared the same way, with
 * legitimate-differences.txt and known-findings.txt applied (the API named is the one the
 * call sends); differences are reported as "FINDING: Admin..." and fail the test. Exception
 * messages are compared too (the oracle treats error messages as free text): the ACL APIs'
 * messages are Kafka's own, and consoles show them.
 *
 * <p>The set-up on each broker: a topic of three partitions with the same records (timestamps
 * out of order, so max-timestamp is not the last offset), and three groups: one whose member
 * committed and left (Empty), one with a live member (Stable), and a "simple" group that only
 * committed offsets from a consumer with manually assigned partitions.
 *
 * <p>Not compared, by design: member ids (aliased member-1, ... per broker), the broker's
 * settings that each test harness gives explicitly (source STATIC_BROKER_CONFIG on either
 * side: listeners, log.dirs, thread counts, ...), log.dir (each broker's own path), broker
 * configs only Kafka knows (counted and printed: samsa reports the settings it reads,
 * docs/configuration.md), samsa's own settings (samsa.*, cluster.id), and groups and topics
 * of other tests.
 */
class ConsolesOracleTest extends OracleTestBase {
  static final long T0 = ProduceFetchOracleTest.T0;
  /** Record timestamps of partition 0: the largest is offset 2, not the last one. */
  static final long[] P0_TIMESTAMPS = {T0 + 10, T0 + 20, T0 + 90, T0 + 30, T0 + 40};
  static final long[] P1_TIMESTAMPS = {T0 + 5, T0 + 6};
  static final Duration WAIT = Duration.ofSeconds(30);

  /** Differences found outside the oracle's own exchanges (AdminClient, ACL messages). */
  private final List<String> findings = new ArrayList<>();
  private int adminComparisons;

  // ------------------------------------------------------------------ the ACL APIs on the wire

  static DescribeAclsRequestData describeAcls(byte resourceType, String name, byte pattern,
      String principal, byte operation, byte permission) {
    return new DescribeAclsRequestData().setResourceTypeFilter(resourceType)
        .setResourceNameFilter(name).setPatternTypeFilter(pattern).setPrincipalFilter(principal)
        .setHostFilter(null).setOperation(operation).setPermissionType(permission);
  }

  static CreateAclsRequestData.AclCreation creation(String topic, byte resourceType) {
    return new CreateAclsRequestData.AclCreation().setResourceType(resourceType)
        .setResourceName(topic).setResourcePatternType(PatternType.LITERAL.code())
        .setPrincipal("User:alice").setHost("*").setOperation(AclOperation.READ.code())
        .setPermissionType(AclPermissionType.ALLOW.code());
  }

  static DeleteAclsRequestData.DeleteAclsFilter deleteFilter(byte resourceType, String name) {
    return new DeleteAclsRequestData.DeleteAclsFilter().setResourceTypeFilter(resourceType)
        .setResourceNameFilter(name).setPatternTypeFilter(PatternType.ANY.code())
        .setPrincipalFilter(null).setHostFilter(null).setOperation(AclOperation.ANY.code())
        .setPermissionType(AclPermissionType.ANY.code());
  }

  @Test
  void aclApisEveryVersion() {
    final byte any = 1;
    final byte topic = ResourceType.TOPIC.code();
    final byte unknown = 0;
    for (short v : oracle.versions(ApiKeys.DESCRIBE_ACLS)) {
      sameMessages("DescribeAcls v" + v, oracle.send("any ACL (AclBindingFilter.ANY)",
          ApiKeys.DESCRIBE_ACLS, v, describeAcls(any, null, any, null, any, any)),
          m -> List.of(String.valueOf(((DescribeAclsResponseData) m).errorMessage())));
      oracle.send("one topic, one principal", ApiKeys.DESCRIBE_ACLS, v,
          describeAcls(topic, "orders", PatternType.LITERAL.code(), "User:alice",
              AclOperation.READ.code(), AclPermissionType.ALLOW.code()));
      oracle.send("prefixed pattern, cluster resource", ApiKeys.DESCRIBE_ACLS, v,
          describeAcls(ResourceType.CLUSTER.code(), "kafka-cluster", PatternType.PREFIXED.code(),
              null, AclOperation.ALTER.code(), AclPermissionType.DENY.code()));
      oracle.send("UNKNOWN operation (unparsable for Kafka)", ApiKeys.DESCRIBE_ACLS, v,
          describeAcls(any, null, any, null, unknown, any));
      oracle.send("UNKNOWN resource type", ApiKeys.DESCRIBE_ACLS, v,
          describeAcls(unknown, null, any, null, any, any));
      oracle.send("after a closed connection", ApiKeys.DESCRIBE_ACLS, v,
          describeAcls(any, null, any, null, any, any));
    }
    for (short v : oracle.versions(ApiKeys.CREATE_ACLS)) {
      sameMessages("CreateAcls v" + v, oracle.send("two creations", ApiKeys.CREATE_ACLS, v,
          new CreateAclsRequestData().setCreations(List.of(creation("orders", topic),
              creation("payments", topic)))),
          m -> ((CreateAclsResponseData) m).results().stream().map(r -> r.errorMessage()).toList());
      oracle.send("invalid ones too (empty name, cluster name)", ApiKeys.CREATE_ACLS, v,
          new CreateAclsRequestData().setCreations(List.of(creation("", topic),
              creation("not-the-cluster", ResourceType.CLUSTER.code()))));
      oracle.send("no creations", ApiKeys.CREATE_ACLS, v,
          new CreateAclsRequestData().setCreations(List.of()));
      oracle.send("an UNKNOWN resource type", ApiKeys.CREATE_ACLS, v,
          new CreateAclsRequestData().setCreations(List.of(creation("orders", topic),
              creation("orders", unknown))));
    }
    for (short v : oracle.versions(ApiKeys.DELETE_ACLS)) {
      sameMessages("DeleteAcls v" + v, oracle.send("two filters", ApiKeys.DELETE_ACLS, v,
          new DeleteAclsRequestData().setFilters(List.of(deleteFilter(any, null),
              deleteFilter(topic, "orders")))),
          m -> ((DeleteAclsResponseData) m).filterResults().stream().map(r -> r.errorMessage())
              .toList());
      oracle.send("no filters", ApiKeys.DELETE_ACLS, v,
          new DeleteAclsRequestData().setFilters(List.of()));
      oracle.send("an UNKNOWN resource type", ApiKeys.DELETE_ACLS, v,
          new DeleteAclsRequestData().setFilters(List.of(deleteFilter(unknown, null))));
    }
  }

  /**
   * The oracle treats error messages as free text; for the ACL APIs samsa sends Kafka's exact
   * messages, which consoles show, so they are compared here.
   */
  private void sameMessages(String label, Oracle.Result r, Function<ApiMessage, List<String>> f) {
    if (r.samsa() == null || r.kafka() == null) return;
    List<String> s = f.apply(r.samsa());
    List<String> k = f.apply(r.kafka());
    if (!s.equals(k)) finding("FINDING: " + label + " error messages: samsa=" + s + " kafka=" + k);
  }

  // ------------------------------------------------------------------ set-up on both brokers

  private static String bootstrap(Oracle.Side side) {
    Brokers b = Brokers.get();
    return side == Oracle.Side.SAMSA ? b.samsa.bootstrap() : "127.0.0.1:" + b.kafka.port();
  }

  private static Admin admin(Oracle.Side side) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(side));
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "console");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    return Admin.create(p);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Oracle.Side side, String group,
      String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(side));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(p);
  }

  static MemoryRecords records(String prefix, long[] timestamps) {
    SimpleRecord[] rs = new SimpleRecord[timestamps.length];
    for (int i = 0; i < rs.length; i++) {
      rs[i] = new SimpleRecord(timestamps[i], (prefix + "-key-" + i).getBytes(StandardCharsets.UTF_8),
          ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withRecords(Compression.NONE, rs);
  }

  /** Subscribes until all partitions are assigned, commits `offsets` and returns the consumer. */
  private static KafkaConsumer<byte[], byte[]> member(Oracle.Side side, String group, String topic,
      int partitions, Map<TopicPartition, OffsetAndMetadata> offsets) {
    KafkaConsumer<byte[], byte[]> c = consumer(side, group, "console-" + group);
    c.subscribe(List.of(topic));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (c.assignment().size() < partitions) {
      if (System.nanoTime() > deadline) {
        c.close();
        throw new IllegalStateException(side + ": no assignment for " + group);
      }
      c.poll(Duration.ofMillis(100));
    }
    c.commitSync(offsets);
    return c;
  }

  /** A consumer with manually assigned partitions: it commits without joining (a simple group). */
  private static void simpleCommit(Oracle.Side side, String group,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(side, group, "console-" + group)) {
      c.assign(offsets.keySet());
      c.commitSync(offsets);
    }
  }

  // ------------------------------------------------------------------ the consoles' calls

  @Test
  void consoleStartUp() throws Exception {
    String topic = unique("console");
    createTopic(topic, 3);
    oracle.send("setup produce p0", ApiKeys.PRODUCE, latest(oracle, ApiKeys.PRODUCE),
        side -> ProduceFetchOracleTest.produce((short) -1, topic, 0,
            () -> records("p0", P0_TIMESTAMPS)));
    oracle.send("setup produce p1", ApiKeys.PRODUCE, latest(oracle, ApiKeys.PRODUCE),
        side -> ProduceFetchOracleTest.produce((short) -1, topic, 1,
            () -> records("p1", P1_TIMESTAMPS)));
    String idle = unique("console-idle");
    String active = unique("console-active");
    String simple = unique("console-simple");
    List<String> groups = List.of(idle, active, simple);
    for (String g : groups) awaitKafkaGroupCoordinator(g);
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);
    TopicPartition p2 = new TopicPartition(topic, 2);

    List<KafkaConsumer<byte[], byte[]>> live = new ArrayList<>();
    try {
      for (Oracle.Side side : Oracle.Side.values()) {
        member(side, idle, topic, 3, Map.of(p0, new OffsetAndMetadata(5, "done"),
            p1, new OffsetAndMetadata(1))).close();
        live.add(member(side, active, topic, 3, Map.of(p0, new OffsetAndMetadata(3, "console"))));
        simpleCommit(side, simple, Map.of(p1, new OffsetAndMetadata(2, "manual"),
            p2, new OffsetAndMetadata(0)));
      }
      onTheWire(topic, groups);
      throughAdmin(topic, groups, List.of(p0, p1, p2));
    } finally {
      live.forEach(KafkaConsumer::close);
    }
  }

  private void finding(String msg) {
    System.out.println(msg);
    findings.add(msg);
  }

  /** Fails the test with the AdminClient differences and ACL message differences. */
  @AfterEach
  void assertNoConsoleFindings() {
    System.out.printf("consoles-oracle: %d AdminClient comparisons, %d findings%n",
        adminComparisons, findings.size());
    if (!findings.isEmpty()) {
      throw new AssertionError(findings.size() + " difference(s) between samsa and Kafka:\n"
          + String.join("\n", findings));
    }
  }

  /** Each console request as the AdminClient sends it, compared field by field. */
  private void onTheWire(String topic, List<String> groups) {
    Set<String> ours = new HashSet<>(groups);
    short dc = latest(oracle, ApiKeys.DESCRIBE_CONFIGS);
    Set<String> brokerKeys = commonBrokerKeys(dc);
    oracle.send("broker configs (keys both report)", ApiKeys.DESCRIBE_CONFIGS, dc,
        side -> ConfigsOracleTest.describe(dc, ConfigsOracleTest.BROKER, "1",
            new ArrayList<>(brokerKeys), true));
    oracle.send("log dirs of this topic", ApiKeys.DESCRIBE_LOG_DIRS,
        latest(oracle, ApiKeys.DESCRIBE_LOG_DIRS), side -> logDirsOf(topic));
    oracle.send("all groups (this test's compared)", ApiKeys.LIST_GROUPS,
        latest(oracle, ApiKeys.LIST_GROUPS), side -> new ListGroupsRequestData(),
        json -> keepOnly((ArrayNode) json.get("groups"), "groupId", ours));
    oracle.send("describe the groups", ApiKeys.DESCRIBE_GROUPS, latest(oracle, ApiKeys.DESCRIBE_GROUPS),
        new DescribeGroupsRequestData().setGroups(groups).setIncludeAuthorizedOperations(true));
    for (String g : groups) {
      oracle.send("committed offsets of " + g, ApiKeys.OFFSET_FETCH,
          latest(oracle, ApiKeys.OFFSET_FETCH), side -> new OffsetFetchRequestData()
              .setRequireStable(true).setGroups(List.of(
                  new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(g)
                      .setTopics(null))));
    }
    short lo = latest(oracle, ApiKeys.LIST_OFFSETS);
    for (long spec : new long[] {-2L, -1L, -3L}) {
      for (int p = 0; p < 3; p++) {
        int partition = p;
        oracle.send("offset spec " + spec + " of partition " + p, ApiKeys.LIST_OFFSETS, lo,
            side -> ProduceFetchOracleTest.listOffsets(lo, topic, partition, spec));
      }
    }
  }

  static DescribeLogDirsRequestData logDirsOf(String topic) {
    var topics = new DescribeLogDirsRequestData.DescribableLogDirTopicCollection();
    topics.add(new DescribeLogDirsRequestData.DescribableLogDirTopic().setTopic(topic)
        .setPartitions(List.of(0, 1, 2)));
    return new DescribeLogDirsRequestData().setTopics(topics);
  }

  /**
   * The broker config keys compared: those both report, minus the ones either harness set
   * (STATIC_BROKER_CONFIG on either side) and {@link #EACH_BROKERS_OWN}.
   */
  private Set<String> commonBrokerKeys(short v) {
    Map<Oracle.Side, Map<String, Byte>> sources = new HashMap<>();
    for (Oracle.Side side : Oracle.Side.values()) {
      var r = (org.apache.kafka.common.message.DescribeConfigsResponseData) oracle.only(side,
          ApiKeys.DESCRIBE_CONFIGS, v,
          ConfigsOracleTest.describe(v, ConfigsOracleTest.BROKER, "1", null, false));
      Map<String, Byte> m = new TreeMap<>();
      r.results().get(0).configs().forEach(c -> m.put(c.name(), c.configSource()));
      sources.put(side, m);
    }
    Set<String> keys = new TreeSet<>(sources.get(Oracle.Side.SAMSA).keySet());
    keys.retainAll(sources.get(Oracle.Side.KAFKA).keySet());
    byte staticSource = DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG.id();
    keys.removeIf(k -> EACH_BROKERS_OWN.contains(k)
        || sources.values().stream().anyMatch(m -> m.get(k) == staticSource));
    return keys;
  }

  /**
   * log.dir: samsa shows the directory it uses (its log.dirs), Kafka its unused default
   * /tmp/kafka-logs, each broker's own path; and Kafka 4 types it LIST, 3.9 STRING (samsa
   * follows 3.9, docs/configuration.md).
   */
  static final Set<String> EACH_BROKERS_OWN = Set.of("log.dir");

  /** Settings only samsa has (docs/configuration.md): its own samsa.* keys and cluster.id. */
  static boolean samsasOwn(String key) {
    return key.startsWith("samsa.") || key.equals("cluster.id");
  }

  private static void keepOnly(ArrayNode array, String field, Set<String> ours) {
    if (array == null) return;
    for (Iterator<JsonNode> it = array.elements(); it.hasNext(); ) {
      if (!ours.contains(it.next().path(field).asText())) it.remove();
    }
  }

  // ------------------------------------------------------------------ through the AdminClient

  private void throughAdmin(String topic, List<String> groups, List<TopicPartition> parts)
      throws Exception {
    Map<Oracle.Side, Admin> admins = new LinkedHashMap<>();
    try {
      for (Oracle.Side side : Oracle.Side.values()) admins.put(side, admin(side));
      compare("describeAcls(AclBindingFilter.ANY)", ApiKeys.DESCRIBE_ACLS, admins,
          a -> outcome(() -> {
            Collection<AclBinding> acls = a.describeAcls(AclBindingFilter.ANY).values().get();
            return JSON_MAPPER.valueToTree(acls.stream().map(Object::toString).toList());
          }));
      AclBinding binding = new AclBinding(
          new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
          new AccessControlEntry("User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW));
      compare("createAcls(read " + topic + ")", ApiKeys.CREATE_ACLS, admins,
          a -> outcome(() -> {
            a.createAcls(List.of(binding)).all().get();
            return JSON.textNode("created");
          }));
      AclBindingFilter topicFilter = new AclBindingFilter(
          new ResourcePatternFilter(ResourceType.TOPIC, topic, PatternType.ANY),
          AccessControlEntryFilter.ANY);
      compare("deleteAcls(" + topic + ")", ApiKeys.DELETE_ACLS, admins,
          a -> outcome(() -> JSON_MAPPER.valueToTree(a.deleteAcls(List.of(topicFilter)).all().get()
              .stream().map(Object::toString).toList())));

      compare("describeConfigs(broker 1, synonyms)", ApiKeys.DESCRIBE_CONFIGS, admins,
          a -> outcome(() -> brokerConfigs(a.describeConfigs(
              List.of(new ConfigResource(ConfigResource.Type.BROKER, "1")),
              new DescribeConfigsOptions().includeSynonyms(true)).all().get())));
      compare("describeLogDirs(1)", ApiKeys.DESCRIBE_LOG_DIRS, admins,
          a -> outcome(() -> logDirs(a.describeLogDirs(List.of(1)).allDescriptions().get(), topic)));
      Set<String> ours = new HashSet<>(groups);
      compare("listConsumerGroups()", ApiKeys.LIST_GROUPS, admins,
          a -> outcome(() -> groupListings(a.listConsumerGroups().all().get(), ours)));
      compare("listGroups()", ApiKeys.LIST_GROUPS, admins, a -> outcome(() -> {
        ArrayNode out = JSON.arrayNode();
        a.listGroups().all().get().stream().filter(g -> ours.contains(g.groupId()))
            .sorted(Comparator.comparing(g -> g.groupId())).forEach(g -> out.addObject()
                .put("groupId", g.groupId()).put("protocol", g.protocol())
                .put("type", String.valueOf(g.type().orElse(null)))
                .put("groupState", String.valueOf(g.groupState().orElse(null)))
                .put("isSimpleConsumerGroup", g.isSimpleConsumerGroup()));
        return out;
      }));
      for (boolean ops : new boolean[] {false, true}) {
        compare("describeConsumerGroups(authorized operations " + ops + ")",
            ApiKeys.DESCRIBE_GROUPS, admins, a -> outcome(() -> groupDescriptions(
                a.describeConsumerGroups(groups,
                    new DescribeConsumerGroupsOptions().includeAuthorizedOperations(ops)).all().get())));
      }
      for (String g : groups) {
        compare("listConsumerGroupOffsets(" + g + ")", ApiKeys.OFFSET_FETCH, admins,
            a -> outcome(() -> offsets(a.listConsumerGroupOffsets(g)
                .partitionsToOffsetAndMetadata().get())));
      }
      Map<String, OffsetSpec> specs = new LinkedHashMap<>();
      specs.put("earliest", OffsetSpec.earliest());
      specs.put("latest", OffsetSpec.latest());
      specs.put("maxTimestamp", OffsetSpec.maxTimestamp());
      specs.put("forTimestamp(T0+25)", OffsetSpec.forTimestamp(T0 + 25));
      for (var e : specs.entrySet()) {
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        parts.forEach(tp -> request.put(tp, e.getValue()));
        compare("listOffsets(" + e.getKey() + ")", ApiKeys.LIST_OFFSETS, admins,
            a -> outcome(() -> listedOffsets(a.listOffsets(request).all().get())));
      }
    } finally {
      admins.values().forEach(Admin::close);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON_MAPPER =
      new com.fasterxml.jackson.databind.ObjectMapper();
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  interface Call {
    JsonNode run() throws Exception;
  }

  /** The call's result as JSON, or {"exception": class, "message": message}. */
  private static JsonNode outcome(Call call) {
    try {
      return call.run();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      ObjectNode o = JSON.objectNode();
      o.put("exception", cause.getClass().getSimpleName());
      // Compared (not free text here): the ACL errors carry Kafka's exact messages.
      o.put("message", cause.getMessage());
      return o;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode brokerConfigs(Map<ConfigResource, Config> configs) {
    ObjectNode out = JSON.objectNode();
    ArrayNode results = out.putArray("results");
    for (var e : configs.entrySet()) {
      ObjectNode r = results.addObject();
      r.put("resourceName", e.getKey().name());
      ArrayNode cs = r.putArray("configs");
      for (ConfigEntry c : e.getValue().entries()) {
        ObjectNode n = cs.addObject();
        n.put("name", c.name());
        n.put("value", c.value());
        n.put("configSource", c.source().name());
        n.put("readOnly", c.isReadOnly());
        n.put("isSensitive", c.isSensitive());
        n.put("configType", c.type().name());
        ArrayNode syn = n.putArray("synonyms");
        c.synonyms().forEach(s -> syn.addObject().put("name", s.name()).put("value", s.value())
            .put("source", s.source().name()));
      }
    }
    return out;
  }

  private static JsonNode logDirs(Map<Integer, Map<String, LogDirDescription>> dirs, String topic) {
    ObjectNode out = JSON.objectNode();
    ArrayNode results = out.putArray("results");
    dirs.forEach((broker, byDir) -> byDir.forEach((dir, d) -> {
      ObjectNode r = results.addObject();
      r.put("broker", broker);
      r.put("logDir", dir);
      r.put("error", d.error() == null ? null : d.error().getClass().getSimpleName());
      r.put("totalBytes", d.totalBytes().isPresent() ? "present" : "absent");
      r.put("usableBytes", d.usableBytes().isPresent() ? "present" : "absent");
      ArrayNode ps = r.putArray("partitions");
      new TreeMap<String, ReplicaInfo>(toNames(d.replicaInfos(), topic)).forEach((tp, info) ->
          ps.addObject().put("partition", tp).put("partitionSize", info.size())
              .put("offsetLag", info.offsetLag()).put("isFutureKey", info.isFuture()));
    }));
    return out;
  }

  private static Map<String, ReplicaInfo> toNames(Map<TopicPartition, ReplicaInfo> m, String topic) {
    Map<String, ReplicaInfo> out = new HashMap<>();
    m.forEach((tp, info) -> {
      if (tp.topic().equals(topic)) out.put(tp.toString(), info);
    });
    return out;
  }

  private static JsonNode groupListings(Collection<ConsumerGroupListing> all, Set<String> ours) {
    ArrayNode out = JSON.arrayNode();
    all.stream().filter(g -> ours.contains(g.groupId()))
        .sorted(Comparator.comparing(ConsumerGroupListing::groupId)).forEach(g -> out.addObject()
            .put("groupId", g.groupId()).put("isSimpleConsumerGroup", g.isSimpleConsumerGroup())
            .put("groupState", String.valueOf(g.groupState().orElse(null)))
            .put("type", String.valueOf(g.type().orElse(null))));
    return out;
  }

  private static JsonNode groupDescriptions(Map<String, ConsumerGroupDescription> groups) {
    ArrayNode out = JSON.arrayNode();
    new TreeMap<>(groups).forEach((id, g) -> {
      ObjectNode n = out.addObject();
      n.put("groupId", g.groupId());
      n.put("isSimpleConsumerGroup", g.isSimpleConsumerGroup());
      n.put("partitionAssignor", g.partitionAssignor());
      n.put("type", String.valueOf(g.type()));
      n.put("groupState", String.valueOf(g.groupState()));
      n.put("coordinatorId", g.coordinator() == null ? -1 : g.coordinator().id());
      n.put("coordinatorHost", g.coordinator() == null ? null : g.coordinator().host());
      n.put("authorizedOperations", g.authorizedOperations() == null ? null
          : new TreeSet<>(g.authorizedOperations().stream().map(Enum::name).toList()).toString());
      n.put("groupEpoch", String.valueOf(g.groupEpoch().orElse(null)));
      n.put("targetAssignmentEpoch", String.valueOf(g.targetAssignmentEpoch().orElse(null)));
      ArrayNode members = n.putArray("members");
      for (MemberDescription m : g.members()) {
        ObjectNode mn = members.addObject();
        mn.put("memberId", m.consumerId());
        mn.put("groupInstanceId", m.groupInstanceId().orElse(null));
        mn.put("clientId", m.clientId());
        mn.put("host", m.host());
        mn.put("assignment", new TreeSet<>(m.assignment().topicPartitions().stream()
            .map(TopicPartition::toString).toList()).toString());
        mn.put("memberEpoch", String.valueOf(m.memberEpoch().orElse(null)));
        mn.put("upgraded", String.valueOf(m.upgraded().orElse(null)));
      }
    });
    return out;
  }

  private static JsonNode offsets(Map<TopicPartition, OffsetAndMetadata> m) {
    ArrayNode out = JSON.arrayNode();
    new TreeMap<String, OffsetAndMetadata>(m.entrySet().stream().collect(
        java.util.stream.Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)))
        .forEach((tp, o) -> out.addObject().put("partition", tp)
            .put("committedOffset", o == null ? null : o.offset())
            .put("metadata", o == null ? null : o.metadata())
            .put("leaderEpoch", o == null ? null : String.valueOf(o.leaderEpoch().orElse(null))));
    return out;
  }

  private static JsonNode listedOffsets(Map<TopicPartition, ListOffsetsResultInfo> m) {
    ArrayNode out = JSON.arrayNode();
    new TreeMap<String, ListOffsetsResultInfo>(m.entrySet().stream().collect(
        java.util.stream.Collectors.toMap(e -> e.getKey().toString(), Map.Entry::getValue)))
        .forEach((tp, i) -> out.addObject().put("partition", tp).put("offset", i.offset())
            .put("timestamp", i.timestamp())
            .put("leaderEpoch", String.valueOf(i.leaderEpoch().orElse(null))));
    return out;
  }

  // ------------------------------------------------------------------ comparison

  /**
   * Runs the call on each broker and compares the outcomes. The broker configs only one side
   * reports and those either harness set are printed, not compared (see the class comment).
   */
  private void compare(String call, ApiKeys api, Map<Oracle.Side, Admin> admins,
      Function<Admin, JsonNode> run) {
    JsonNode s = run.apply(admins.get(Oracle.Side.SAMSA));
    JsonNode k = run.apply(admins.get(Oracle.Side.KAFKA));
    adminComparisons++;
    aliasMembers(s);
    aliasMembers(k);
    if (api == ApiKeys.DESCRIBE_CONFIGS) restrictBrokerConfigs(call, s, k);
    if (Oracle.VERBOSE) System.out.println("Admin." + call + "\n  samsa: " + s + "\n  kafka: " + k);
    List<String> path = new ArrayList<>();
    diff(call, api, s, k, path);
  }

  private static void aliasMembers(JsonNode node) {
    Map<String, String> aliases = new HashMap<>();
    if (!node.isArray()) return;
    for (JsonNode g : node) {
      for (JsonNode m : g.path("members")) {
        String id = m.path("memberId").asText();
        ((ObjectNode) m).put("memberId",
            aliases.computeIfAbsent(id, x -> "member-" + (aliases.size() + 1)));
      }
    }
  }

  private static void restrictBrokerConfigs(String call, JsonNode s, JsonNode k) {
    ArrayNode sc = (ArrayNode) s.path("results").path(0).path("configs");
    ArrayNode kc = (ArrayNode) k.path("results").path(0).path("configs");
    if (sc.isMissingNode() || kc.isMissingNode()) return;
    Map<String, JsonNode> sm = byName(sc);
    Map<String, JsonNode> km = byName(kc);
    Set<String> kafkaOnly = new TreeSet<>(km.keySet());
    kafkaOnly.removeAll(sm.keySet());
    Set<String> samsaOnly = new TreeSet<>(sm.keySet());
    samsaOnly.removeAll(km.keySet());
    Set<String> given = new TreeSet<>();
    for (String name : sm.keySet()) {
      if (!km.containsKey(name)) continue;
      if (EACH_BROKERS_OWN.contains(name)) {
        given.add(name);
        continue;
      }
      if (sm.get(name).path("configSource").asText().equals("STATIC_BROKER_CONFIG")
          || km.get(name).path("configSource").asText().equals("STATIC_BROKER_CONFIG")) {
        given.add(name);
      }
    }
    System.out.printf("consoles-oracle: %s: %d keys on both (%d compared; set by a harness "
        + "or a path, not compared: %s), %d only Kafka reports, samsa only: %s%n", call,
        sm.size() - samsaOnly.size(), sm.size() - samsaOnly.size() - given.size(), given,
        kafkaOnly.size(), samsaOnly);
    Set<String> drop = new HashSet<>(kafkaOnly);
    drop.addAll(given);
    keepOnlyNames(kc, drop);
    drop.removeAll(kafkaOnly);
    drop.addAll(samsaOnly.stream().filter(ConsolesOracleTest::samsasOwn).toList());
    keepOnlyNames(sc, drop);
  }

  private static Map<String, JsonNode> byName(ArrayNode a) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    a.forEach(e -> m.put(e.path("name").asText(), e));
    return m;
  }

  private static void keepOnlyNames(ArrayNode a, Set<String> drop) {
    for (Iterator<JsonNode> it = a.elements(); it.hasNext(); ) {
      if (drop.contains(it.next().path("name").asText())) it.remove();
    }
  }

  private static final List<String> KEYS = List.of("name", "groupId", "partition", "memberId",
      "resourceName");

  private void diff(String call, ApiKeys api, JsonNode s, JsonNode k, List<String> path) {
    if (s == null || k == null || s.isNull() || k.isNull() || s.getNodeType() != k.getNodeType()
        || s.isValueNode()) {
      boolean same = s == null ? k == null : s.equals(k);
      if (!same) classify(call, api, path, s, k);
      return;
    }
    if (s.isObject()) {
      Set<String> names = new LinkedHashSet<>();
      k.fieldNames().forEachRemaining(names::add);
      s.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        path.add(n);
        diff(call, api, s.get(n), k.get(n), path);
        path.remove(path.size() - 1);
      }
      return;
    }
    String key = arrayKey(s, k);
    if (key != null) {
      Map<String, JsonNode> sm = new LinkedHashMap<>();
      Map<String, JsonNode> km = new LinkedHashMap<>();
      s.forEach(e -> sm.put(e.get(key).asText(), e));
      k.forEach(e -> km.put(e.get(key).asText(), e));
      Set<String> all = new LinkedHashSet<>(km.keySet());
      all.addAll(sm.keySet());
      for (String id : all) {
        path.add("[" + key + "=" + id + "]");
        diff(call, api, sm.get(id), km.get(id), path);
        path.remove(path.size() - 1);
      }
      return;
    }
    for (int i = 0; i < Math.max(s.size(), k.size()); i++) {
      path.add("[" + i + "]");
      diff(call, api, s.get(i), k.get(i), path);
      path.remove(path.size() - 1);
    }
  }

  private static String arrayKey(JsonNode s, JsonNode k) {
    outer:
    for (String key : KEYS) {
      for (JsonNode arr : List.of(s, k)) {
        Set<String> seen = new HashSet<>();
        for (JsonNode e : arr) {
          if (!e.isObject() || e.get(key) == null || !seen.add(e.get(key).asText())) continue outer;
        }
      }
      return key;
    }
    return null;
  }

  /** The oracle's rules decide, with the version the AdminClient negotiated for the API. */
  private void classify(String call, ApiKeys api, List<String> path, JsonNode s, JsonNode k) {
    boolean sSet = s != null && !s.isNull();
    boolean kSet = k != null && !k.isNull();
    List<Short> vs = oracle.versions(api);
    int v = vs.isEmpty() ? 0 : vs.get(vs.size() - 1);
    String scenario = "Admin." + call;
    if (Oracle.LEGITIMATE.find(api.name, scenario, v, path, sSet, kSet) != null) return;
    String detail = scenario + " /" + String.join("/", path) + ": samsa=" + show(s) + " kafka="
        + show(k);
    Rules.Rule known = Oracle.KNOWN.find(api.name, scenario, v, path, sSet, kSet);
    if (known != null) {
      System.out.println("KNOWN FINDING (" + known.reason() + "): " + detail);
      return;
    }
    finding("FINDING: " + detail);
  }

  private static String show(JsonNode n) {
    if (n == null) return "(absent)";
    String t = n.toString();
    return t.length() <= 400 ? t : t.substring(0, 400) + "...(" + t.length() + " chars)";
  }
}
