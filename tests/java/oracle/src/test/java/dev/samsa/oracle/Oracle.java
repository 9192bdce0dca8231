package dev.samsa.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Sends the same request to samsa and Kafka (one connection each, the same correlation ids
 * and client id), decodes both answers with Kafka's generated classes, converts them to JSON
 * with the generated JsonConverters and compares the trees field by field. Every difference
 * is checked against legitimate-differences.txt, then known-findings.txt; anything else is a
 * finding, printed at once and failing the test in {@link #assertNoFindings()}.
 */
final class Oracle implements AutoCloseable {
  enum Side { SAMSA, KAFKA }

  static final String CLIENT_ID = "samsa-oracle";
  /** ORACLE_VERBOSE=1 prints every exchange (request and both answers). */
  static final boolean VERBOSE = "1".equals(System.getenv("ORACLE_VERBOSE"));
  static final Rules LEGITIMATE = Rules.load("legitimate-differences.txt");
  static final Rules KNOWN = Rules.load("known-findings.txt");
  private static final Set<String> PRINTED_ONCE = new HashSet<>();
  private static int nextCorrelation = 1;
  private static final Map<Short, short[]> SAMSA_RANGES = new TreeMap<>();
  private static final Map<Short, short[]> KAFKA_RANGES = new TreeMap<>();

  /** The two answers to one request, decoded and as JSON (after normalisation). */
  record Result(ApiMessage samsa, ApiMessage kafka, JsonNode samsaJson, JsonNode kafkaJson) {
    @SuppressWarnings("unchecked")
    <T extends ApiMessage> T of(Side side) {
      return (T) (side == Side.SAMSA ? samsa : kafka);
    }
  }

  private final WireConnection samsaConn;
  private final WireConnection kafkaConn;
  private final String testName;
  private final List<String> findings;
  /** Per side: each generated member id, in order of first appearance, to "member-N". */
  private final Map<String, String>[] memberAliases;
  private int exchanges;
  private int knownSeen;
  private final List<Oracle> siblings = new ArrayList<>();

  @SuppressWarnings("unchecked")
  Oracle(String testName) {
    this(testName, new ArrayList<>(), new Map[] {new HashMap<>(), new HashMap<>()});
  }

  private Oracle(String testName, List<String> findings, Map<String, String>[] memberAliases) {
    Brokers b = Brokers.get();
    this.testName = testName;
    this.findings = findings;
    this.memberAliases = memberAliases;
    this.samsaConn = new WireConnection("127.0.0.1", b.samsa.port());
    this.kafkaConn = new WireConnection("127.0.0.1", b.kafka.port());
    synchronized (Oracle.class) {
      if (SAMSA_RANGES.isEmpty()) {
        readRanges(samsaConn, SAMSA_RANGES);
        readRanges(kafkaConn, KAFKA_RANGES);
        printUncompared();
      }
    }
  }

  private static void readRanges(WireConnection c, Map<Short, short[]> into) {
    int corr = nextCorrelation++;
    ByteBuffer frame = WireConnection.encode(ApiKeys.API_VERSIONS, (short) 3, corr, CLIENT_ID,
        new ApiVersionsRequestData().setClientSoftwareName("samsa-oracle")
            .setClientSoftwareVersion("1"));
    try {
      ApiVersionsResponseData r = (ApiVersionsResponseData) WireConnection.decode(
          ApiKeys.API_VERSIONS, (short) 3, (short) 0, corr, c.roundTrip(frame));
      r.apiKeys().forEach(k -> into.put(k.apiKey(), new short[] {k.minVersion(), k.maxVersion()}));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void printUncompared() {
    StringBuilder sb = new StringBuilder("oracle: compared API versions (samsa ∩ Kafka):");
    for (var e : SAMSA_RANGES.entrySet()) {
      short[] s = e.getValue();
      short[] k = KAFKA_RANGES.get(e.getKey());
      String name = ApiKeys.hasId(e.getKey()) ? ApiKeys.forId(e.getKey()).name : "key " + e.getKey();
      sb.append("\n  ").append(name).append(": samsa ").append(s[0]).append('-').append(s[1]);
      if (k == null) {
        sb.append(", Kafka does not serve it: NOT COMPARED");
      } else {
        sb.append(", Kafka ").append(k[0]).append('-').append(k[1]);
        if (s[0] < k[0]) {
          sb.append("; samsa-only v").append(s[0]).append('-').append(k[0] - 1)
              .append(" (removed in Kafka 4, KIP-896): not compared");
        }
      }
    }
    System.out.println(sb);
  }

  /** The versions both brokers serve (and kafka-clients can encode), lowest first. */
  List<Short> versions(ApiKeys api) {
    short[] s = SAMSA_RANGES.get(api.id);
    short[] k = KAFKA_RANGES.get(api.id);
    List<Short> out = new ArrayList<>();
    if (s == null || k == null) return out;
    int lo = Math.max(Math.max(s[0], k[0]), api.messageType.lowestSupportedVersion());
    int hi = Math.min(Math.min(s[1], k[1]), api.messageType.highestSupportedVersion(true));
    for (int v = lo; v <= hi; v++) out.add((short) v);
    return out;
  }

  short[] samsaRange(ApiKeys api) {
    return SAMSA_RANGES.get(api.id);
  }

  short[] kafkaRange(ApiKeys api) {
    return KAFKA_RANGES.get(api.id);
  }

  Result send(String scenario, ApiKeys api, int version, ApiMessage request) {
    return send(scenario, api, version, side -> request, null);
  }

  Result send(String scenario, ApiKeys api, int version, Function<Side, ApiMessage> request) {
    return send(scenario, api, version, request, null);
  }

  /**
   * One request to both; normalize (may be null) edits each JSON tree before the comparison,
   * e.g. to keep only this test's groups in a ListGroups answer.
   */
  Result send(String scenario, ApiKeys api, int version, Function<Side, ApiMessage> request,
      Consumer<JsonNode> normalize) {
    short v = (short) version;
    int corr;
    synchronized (Oracle.class) {
      corr = nextCorrelation++;
    }
    exchanges++;
    ApiMessage samsaReq = request.apply(Side.SAMSA);
    ApiMessage kafkaReq = request.apply(Side.KAFKA);
    Answer s = exchange(samsaConn, api, v, corr, samsaReq);
    Answer k = exchange(kafkaConn, api, v, corr, kafkaReq);
    return compareAnswers(scenario, api, v, samsaReq, s, k, normalize);
  }

  private Result compareAnswers(String scenario, ApiKeys api, short v, ApiMessage samsaReq,
      Answer s, Answer k, Consumer<JsonNode> normalize) {
    String where = api.name + " v" + v + " [" + scenario + "]";
    if (s.error != null || k.error != null) {
      if (!(s.error != null && k.error != null && s.error.equals(k.error))) {
        report(where, api, v, samsaReq, List.of("(answer)"),
            JsonNodeFactory.instance.textNode(s.error != null ? s.error : "a decoded answer"),
            JsonNodeFactory.instance.textNode(k.error != null ? k.error : "a decoded answer"));
      }
      return new Result(s.message, k.message, null, null);
    }
    JsonNode sj = toJson(s.message, v);
    JsonNode kj = toJson(k.message, v);
    if (VERBOSE) {
      System.out.println("EXCHANGE " + api.name + " v" + v + " [" + scenario + "]\n  request: "
          + requestJson(samsaReq, v) + "\n  samsa: " + sj + "\n  kafka: " + kj);
    }
    aliasMembers(sj, memberAliases[Side.SAMSA.ordinal()]);
    aliasMembers(kj, memberAliases[Side.KAFKA.ordinal()]);
    if (normalize != null) {
      normalize.accept(sj);
      normalize.accept(kj);
    }
    compare(where, api, v, samsaReq, sj, kj, new ArrayList<>());
    return new Result(s.message, k.message, sj, kj);
  }

  /** Another pair of connections (a second group member), reporting into this oracle. */
  Oracle secondConnection() {
    Oracle o = new Oracle(testName + "#" + (siblings.size() + 2), findings, memberAliases);
    siblings.add(o);
    return o;
  }

  /** A request sent to both whose answers are read later by {@link #finish}. */
  final class Pending {
    final String scenario;
    final ApiKeys api;
    final short version;
    final int corr;
    final ApiMessage samsaReq;
    final ApiMessage kafkaReq;
    final boolean samsaSent;
    final boolean kafkaSent;

    Pending(String scenario, ApiKeys api, short version, int corr, ApiMessage s, ApiMessage k)
        throws IOException {
      this.scenario = scenario;
      this.api = api;
      this.version = version;
      this.corr = corr;
      this.samsaReq = s;
      this.kafkaReq = k;
      this.samsaSent = samsaConn.sendOnly(WireConnection.encode(api, version, corr, CLIENT_ID, s));
      this.kafkaSent = kafkaConn.sendOnly(WireConnection.encode(api, version, corr, CLIENT_ID, k));
    }
  }

  /** Sends to both without reading the answers (e.g. a JoinGroup that waits for a rebalance). */
  Pending begin(String scenario, ApiKeys api, int version, Function<Side, ApiMessage> request) {
    int corr;
    synchronized (Oracle.class) {
      corr = nextCorrelation++;
    }
    exchanges++;
    try {
      return new Pending(scenario, api, (short) version, corr, request.apply(Side.SAMSA),
          request.apply(Side.KAFKA));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads and compares the answers to a {@link #begin} request. */
  Result finish(Pending p) {
    Answer s = receive(samsaConn, p.samsaSent, p.api, p.version, p.corr);
    Answer k = receive(kafkaConn, p.kafkaSent, p.api, p.version, p.corr);
    return compareAnswers(p.scenario, p.api, p.version, p.samsaReq, s, k, null);
  }

  private Answer receive(WireConnection c, boolean sent, ApiKeys api, short v, int corr) {
    if (!sent) return new Answer(null, "connection closed without an answer");
    ByteBuffer answer;
    try {
      answer = c.receive();
    } catch (IOException e) {
      c.close();
      return new Answer(null, "I/O error: " + e);
    }
    if (answer == null) return new Answer(null, "connection closed without an answer");
    try {
      return new Answer(WireConnection.decode(api, v, api.responseHeaderVersion(v), corr, answer), null);
    } catch (RuntimeException e) {
      c.close();
      return new Answer(null, "undecodable answer: " + e.getMessage());
    }
  }

  /** One request to one broker only (waiting for state, reading ids); nothing compared. */
  ApiMessage only(Side side, ApiKeys api, int version, ApiMessage request) {
    int corr;
    synchronized (Oracle.class) {
      corr = nextCorrelation++;
    }
    Answer a = exchange(side == Side.SAMSA ? samsaConn : kafkaConn, api, (short) version, corr, request);
    if (a.error != null) throw new IllegalStateException(side + " " + api.name + ": " + a.error);
    return a.message;
  }

  /** A hand-made frame (e.g. an unsupported version) to both; the answers read as `readAs`. */
  Result sendRaw(String scenario, ApiKeys api, short version, short headerVersion, byte[] body,
      ApiKeys readAsApi, short readAsVersion, short readAsHeaderVersion) {
    return sendRaw(scenario, api.id, version, headerVersion, body, readAsApi, readAsVersion,
        readAsHeaderVersion);
  }

  Result sendRaw(String scenario, short apiKey, short version, short headerVersion, byte[] body,
      ApiKeys readAsApi, short readAsVersion, short readAsHeaderVersion) {
    ApiKeys api = ApiKeys.hasId(apiKey) ? ApiKeys.forId(apiKey) : readAsApi;
    int corr;
    synchronized (Oracle.class) {
      corr = nextCorrelation++;
    }
    exchanges++;
    ByteBuffer frame = WireConnection.encodeRaw(apiKey, version, headerVersion, corr, CLIENT_ID, body);
    Answer s = rawExchange(samsaConn, frame.duplicate(), readAsApi, readAsVersion, readAsHeaderVersion, corr);
    Answer k = rawExchange(kafkaConn, frame.duplicate(), readAsApi, readAsVersion, readAsHeaderVersion, corr);
    String where = (ApiKeys.hasId(apiKey) ? api.name : "key " + apiKey) + " v" + version
        + " [" + scenario + "]";
    ObjectNode reqDesc = JsonNodeFactory.instance.objectNode().put("rawBodyBytes", body.length);
    if (s.error != null || k.error != null) {
      if (!(s.error != null && k.error != null && s.error.equals(k.error))) {
        report(where, api, version, null, List.of("(answer)"),
            JsonNodeFactory.instance.textNode(s.error != null ? s.error : "a decoded answer"),
            JsonNodeFactory.instance.textNode(k.error != null ? k.error : "a decoded answer"));
      }
      return new Result(s.message, k.message, null, null);
    }
    JsonNode sj = toJson(s.message, readAsVersion);
    JsonNode kj = toJson(k.message, readAsVersion);
    compareRaw(where, api, version, reqDesc, sj, kj);
    return new Result(s.message, k.message, sj, kj);
  }

  /**
   * Compares two trees the test built itself from what each broker answered (e.g. the records
   * a Java consumer read from each), field by field with the same rules and findings as an
   * exchange; api and version name the requests behind them, for the rules.
   */
  void compareTrees(String scenario, ApiKeys api, int version, JsonNode samsa, JsonNode kafka) {
    exchanges++;
    String where = api.name + " v" + version + " [" + scenario + "]";
    if (VERBOSE) {
      System.out.println("COMPARE " + where + "\n  samsa: " + samsa + "\n  kafka: " + kafka);
    }
    compareRaw(where, api, (short) version, null, samsa, kafka);
  }

  /** A difference the test found itself (e.g. one broker never reached a state); fails the test. */
  void finding(String detail) {
    String msg = "FINDING: " + testName + ": " + detail;
    System.out.println(msg);
    findings.add(msg);
  }

  private void compareRaw(String where, ApiKeys api, short v, JsonNode req, JsonNode sj, JsonNode kj) {
    List<Diff> diffs = new ArrayList<>();
    diff(sj, kj, new ArrayList<>(), diffs);
    for (Diff d : diffs) classify(where, api, v, req == null ? "" : req.toString(), d);
  }

  private record Answer(ApiMessage message, String error) {}

  private Answer exchange(WireConnection c, ApiKeys api, short v, int corr, ApiMessage req) {
    ByteBuffer frame = WireConnection.encode(api, v, corr, CLIENT_ID, req);
    return rawExchange(c, frame, api, v, api.responseHeaderVersion(v), corr);
  }

  private Answer rawExchange(WireConnection c, ByteBuffer frame, ApiKeys api, short v,
      short headerVersion, int corr) {
    ByteBuffer answer;
    try {
      answer = c.roundTrip(frame);
    } catch (IOException e) {
      c.close();
      return new Answer(null, "I/O error: " + e);
    }
    if (answer == null) return new Answer(null, "connection closed without an answer");
    try {
      return new Answer(WireConnection.decode(api, v, headerVersion, corr, answer), null);
    } catch (RuntimeException e) {
      c.close();
      return new Answer(null, "undecodable answer: " + e.getMessage());
    }
  }

  // ---- JSON ----

  static JsonNode toJson(ApiMessage m, short version) {
    try {
      Class<?> conv = Class.forName(m.getClass().getName() + "JsonConverter");
      JsonNode node = (JsonNode) conv.getMethod("write", m.getClass(), short.class)
          .invoke(null, m, version);
      if (m instanceof FetchResponseData f) readableRecords(f, node);
      return node;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("no JsonConverter for " + m.getClass(), e);
    }
  }

  static JsonNode requestJson(ApiMessage m, short version) {
    if (m == null) return JsonNodeFactory.instance.nullNode();
    try {
      return toJson(m, version);
    } catch (RuntimeException e) {
      return JsonNodeFactory.instance.textNode(m.toString());
    }
  }

  /** Fetch records as decoded batches instead of base64, so that a difference is readable. */
  private static void readableRecords(FetchResponseData f, JsonNode node) {
    ArrayNode responses = (ArrayNode) node.get("responses");
    for (int i = 0; i < f.responses().size(); i++) {
      var topic = f.responses().get(i);
      ArrayNode parts = (ArrayNode) responses.get(i).get("partitions");
      for (int j = 0; j < topic.partitions().size(); j++) {
        BaseRecords recs = topic.partitions().get(j).records();
        ObjectNode p = (ObjectNode) parts.get(j);
        p.remove("recordsSizeInBytes");
        if (!(recs instanceof MemoryRecords mr)) continue;
        ArrayNode batches = p.putArray("records");
        for (RecordBatch b : mr.batches()) {
          ObjectNode bn = batches.addObject();
          bn.put("baseOffset", b.baseOffset());
          bn.put("lastOffset", b.lastOffset());
          bn.put("magic", b.magic());
          bn.put("partitionLeaderEpoch", b.partitionLeaderEpoch());
          bn.put("sizeInBytes", b.sizeInBytes());
          bn.put("crcValid", b.isValid());
          bn.put("timestampType", b.timestampType().toString());
          bn.put("maxTimestamp", b.maxTimestamp());
          bn.put("producerId", b.producerId());
          bn.put("producerEpoch", b.producerEpoch());
          bn.put("baseSequence", b.baseSequence());
          bn.put("transactional", b.isTransactional());
          bn.put("control", b.isControlBatch());
          bn.put("compression", b.compressionType().name);
          ArrayNode rs = bn.putArray("records");
          for (Record r : b) {
            ObjectNode rn = rs.addObject();
            rn.put("offset", r.offset());
            rn.put("timestamp", r.timestamp());
            rn.put("key", r.hasKey() ? utf8(r.key()) : null);
            rn.put("value", r.hasValue() ? utf8(r.value()) : null);
            rn.put("headers", r.headers().length);
          }
        }
      }
    }
  }

  private static String utf8(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return new String(a, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Fields that hold a member id the broker generated (compared by identity, not by text). */
  private static final Set<String> MEMBER_FIELDS = Set.of("memberId", "leader", "leaderId");

  /**
   * Member ids are generated by each broker, so they are compared by identity: every distinct
   * id becomes member-1, member-2, ... in the order the test first sees it on that broker.
   * The same member then has the same alias on both sides, and a wrong leader or a member
   * listed twice is still a difference. Ids the test made up (the same on both) stay as they are.
   */
  private static void aliasMembers(JsonNode node, Map<String, String> aliases) {
    if (node == null) return;
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        JsonNode v = o.get(n);
        if (MEMBER_FIELDS.contains(n) && v.isTextual() && isGenerated(v.asText())) {
          o.put(n, aliases.computeIfAbsent(v.asText(), x -> "member-" + (aliases.size() + 1)));
        } else {
          aliasMembers(v, aliases);
        }
      }
    } else if (node.isArray()) {
      node.forEach(e -> aliasMembers(e, aliases));
    }
  }

  /** A broker-made member id: a client id or instance id with a UUID, or a bare UUID. */
  private static boolean isGenerated(String id) {
    return id.matches(".*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
        || id.matches("[A-Za-z0-9_-]{22}");
  }

  // ---- comparison ----

  private record Diff(List<String> path, JsonNode samsa, JsonNode kafka) {}

  private static final List<String> KEYS = List.of("name", "topic", "topicName", "groupId",
      "partitionIndex", "partition", "partitionId", "resourceName", "apiKey", "key", "nodeId",
      "brokerId", "configName", "resourceType", "memberId");

  private void compare(String where, ApiKeys api, short v, ApiMessage req, JsonNode sj,
      JsonNode kj, List<String> path) {
    List<Diff> diffs = new ArrayList<>();
    diff(sj, kj, path, diffs);
    String reqText = requestJson(req, v).toString();
    for (Diff d : diffs) classify(where, api, v, reqText, d);
  }

  private void report(String where, ApiKeys api, short v, ApiMessage req, List<String> path,
      JsonNode samsa, JsonNode kafka) {
    classify(where, api, v, requestJson(req, v).toString(), new Diff(path, samsa, kafka));
  }

  private void classify(String where, ApiKeys api, short v, String reqText, Diff d) {
    boolean sSet = d.samsa != null && !d.samsa.isNull();
    boolean kSet = d.kafka != null && !d.kafka.isNull();
    String path = "/" + String.join("/", d.path);
    if (LEGITIMATE.find(api.name, where, v, d.path, sSet, kSet) != null) return;
    Rules.Rule known = KNOWN.find(api.name, where, v, d.path, sSet, kSet);
    String detail = where + " " + path + ": samsa=" + show(d.samsa) + " kafka=" + show(d.kafka);
    if (known != null) {
      knownSeen++;
      // Loud but not flooding: the first difference of each rule and API in this JVM.
      String key = known.line() + "|" + api.name;
      synchronized (PRINTED_ONCE) {
        if (PRINTED_ONCE.add(key)) {
          System.out.println("KNOWN FINDING (" + known.reason() + "): " + detail);
        }
      }
      return;
    }
    String msg = "FINDING: " + detail + "\n    request: " + abbreviate(reqText, 600);
    System.out.println(msg);
    findings.add(msg);
  }

  private static String show(JsonNode n) {
    if (n == null) return "(absent)";
    return abbreviate(n.toString(), 400);
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...(" + s.length() + " chars)";
  }

  private static void diff(JsonNode s, JsonNode k, List<String> path, List<Diff> out) {
    if (s == null || k == null) {
      if (s != k) out.add(new Diff(List.copyOf(path), s, k));
      return;
    }
    if (s.isObject() && k.isObject()) {
      Set<String> names = new LinkedHashSet<>();
      k.fieldNames().forEachRemaining(names::add);
      s.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        path.add(n);
        diff(s.get(n), k.get(n), path, out);
        path.remove(path.size() - 1);
      }
      return;
    }
    if (s.isArray() && k.isArray()) {
      String key = arrayKey(s, k);
      if (key != null) {
        Map<String, JsonNode> sm = new java.util.LinkedHashMap<>();
        Map<String, JsonNode> km = new java.util.LinkedHashMap<>();
        s.forEach(e -> sm.put(e.get(key).asText(), e));
        k.forEach(e -> km.put(e.get(key).asText(), e));
        Set<String> all = new LinkedHashSet<>(km.keySet());
        all.addAll(sm.keySet());
        for (String id : all) {
          path.add("[" + key + "=" + id + "]");
          diff(sm.get(id), km.get(id), path, out);
          path.remove(path.size() - 1);
        }
        return;
      }
      int n = Math.max(s.size(), k.size());
      for (int i = 0; i < n; i++) {
        path.add("[" + i + "]");
        diff(s.get(i), k.get(i), path, out);
        path.remove(path.size() - 1);
      }
      return;
    }
    if (!s.equals(k)) out.add(new Diff(List.copyOf(path), s, k));
  }

  /** A field that names each element uniquely in both arrays, if any (then order is ignored). */
  private static String arrayKey(JsonNode s, JsonNode k) {
    if (s.size() + k.size() < 2) return null;
    outer:
    for (String key : KEYS) {
      for (JsonNode arr : List.of(s, k)) {
        Set<String> seen = new HashSet<>();
        for (Iterator<JsonNode> it = arr.elements(); it.hasNext(); ) {
          JsonNode e = it.next();
          if (!e.isObject() || e.get(key) == null || !e.get(key).isValueNode()) continue outer;
          if (!seen.add(e.get(key).asText())) continue outer;
        }
      }
      return key;
    }
    return null;
  }

  /** Fails the test with every finding of this oracle. */
  void assertNoFindings() {
    System.out.printf("oracle %s: %d exchanges, %d known-finding differences, %d findings%n",
        testName, exchanges, knownSeen, findings.size());
    if (!findings.isEmpty()) {
      throw new AssertionError(findings.size() + " difference(s) between samsa and Kafka:\n"
          + String.join("\n", findings));
    }
  }

  @Override
  public void close() {
    siblings.forEach(Oracle::close);
    samsaConn.close();
    kafkaConn.close();
  }

  static Map<String, Object> mapOf() {
    return new HashMap<>();
  }
}
