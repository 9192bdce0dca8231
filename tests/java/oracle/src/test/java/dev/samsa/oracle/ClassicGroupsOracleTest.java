package dev.samsa.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The classic group protocol and the group admin APIs: FindCoordinator, JoinGroup,
 *  SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups,
 *  DeleteGroups, OffsetDelete; every version both serve, with their error paths. */
class ClassicGroupsOracleTest extends OracleTestBase {
  static final int SESSION_MS = 10000;

  /** A group member: one pair of connections and its per-broker member id and generation. */
  static final class Member {
    final Oracle conn;
    final String[] id = {"", ""};
    final int[] generation = {-1, -1};

    Member(Oracle conn) {
      this.conn = conn;
    }

    String id(Oracle.Side s) {
      return id[s.ordinal()];
    }

    int gen(Oracle.Side s) {
      return generation[s.ordinal()];
    }
  }

  static byte[] subscription(String... topics) {
    ByteBuffer b = ConsumerProtocol.serializeSubscription(
        new ConsumerPartitionAssignor.Subscription(List.of(topics)));
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  static byte[] assignment(String topic, int... partitions) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p : partitions) tps.add(new TopicPartition(topic, p));
    ByteBuffer b = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(tps));
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }

  static JoinGroupRequestData joinRequest(String group, String memberId, String instanceId,
      String protocolType, byte[] metadata) {
    JoinGroupRequestData.JoinGroupRequestProtocolCollection ps =
        new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
    ps.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range").setMetadata(metadata));
    return new JoinGroupRequestData().setGroupId(group).setSessionTimeoutMs(SESSION_MS)
        .setRebalanceTimeoutMs(SESSION_MS).setMemberId(memberId).setGroupInstanceId(instanceId)
        .setProtocolType(protocolType).setProtocols(ps);
  }

  private static void remember(Member m, Oracle.Result r) {
    for (Oracle.Side s : Oracle.Side.values()) {
      JoinGroupResponseData j = r.of(s);
      if (j == null) continue;
      if (!j.memberId().isEmpty()) m.id[s.ordinal()] = j.memberId();
      if (j.errorCode() == 0) m.generation[s.ordinal()] = j.generationId();
    }
  }

  private static boolean memberIdRequired(Oracle.Result r) {
    for (Oracle.Side s : Oracle.Side.values()) {
      JoinGroupResponseData j = r.of(s);
      if (j != null && j.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) return true;
    }
    return false;
  }

  /** JoinGroup (and the MEMBER_ID_REQUIRED round for v4+) of a member, compared at each step. */
  Oracle.Result join(Member m, int v, String group, byte[] metadata) {
    Oracle.Result r = m.conn.send("join", ApiKeys.JOIN_GROUP, v,
        side -> joinRequest(group, m.id(side), null, "consumer", metadata));
    remember(m, r);
    if (memberIdRequired(r)) {
      r = m.conn.send("join with the assigned member id", ApiKeys.JOIN_GROUP, v,
          side -> joinRequest(group, m.id(side), null, "consumer", metadata));
      remember(m, r);
    }
    return r;
  }

  /** A group with one member that joined and synced (latest versions); the member is returned. */
  Member stableGroup(String group, String topic) {
    warmUpKafkaCoordinator();
    Member m = new Member(oracle);
    join(m, latest(oracle, ApiKeys.JOIN_GROUP), group, subscription(topic));
    sync(m, latest(oracle, ApiKeys.SYNC_GROUP), group, topic, "sync (leader)");
    return m;
  }

  Oracle.Result sync(Member m, int v, String group, String topic, String scenario) {
    return m.conn.send(scenario, ApiKeys.SYNC_GROUP, v, side -> new SyncGroupRequestData()
        .setGroupId(group).setGenerationId(m.gen(side)).setMemberId(m.id(side))
        .setProtocolType("consumer").setProtocolName("range")
        .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
            .setMemberId(m.id(side)).setAssignment(assignment(topic, 0)))));
  }

  void commit(String group, String topic, int partition, long offset) {
    oracle.send("commit " + offset, ApiKeys.OFFSET_COMMIT, latest(oracle, ApiKeys.OFFSET_COMMIT),
        offsetCommit(group, -1, "", topic, partition, offset, "meta"));
  }

  static OffsetCommitRequestData offsetCommit(String group, int generation, String memberId,
      String topic, int partition, long offset, String metadata) {
    return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(generation)
        .setMemberId(memberId).setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
            .setName(topic).setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                .setPartitionIndex(partition).setCommittedOffset(offset).setCommittedMetadata(metadata)))));
  }

  // ---- scenarios ----

  @Test
  void findCoordinatorEveryVersion() {
    warmUpKafkaCoordinator();
    for (short v : oracle.versions(ApiKeys.FIND_COORDINATOR)) {
      String g = unique("fc");
      if (v < 4) {
        oracle.send("group key", ApiKeys.FIND_COORDINATOR, v,
            new FindCoordinatorRequestData().setKey(g).setKeyType((byte) 0));
      } else {
        oracle.send("two group keys", ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData()
            .setKeyType((byte) 0).setCoordinatorKeys(List.of(g, g + "-b")));
        oracle.send("empty group key", ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData()
            .setKeyType((byte) 0).setCoordinatorKeys(List.of("")));
      }
    }
  }

  @Test
  void joinGroupEveryVersion() {
    warmUpKafkaCoordinator();
    String topic = unique("jg-topic");
    createTopic(topic, 1);
    for (short v : oracle.versions(ApiKeys.JOIN_GROUP)) {
      String g = unique("jg");
      Member m = new Member(oracle);
      join(m, v, g, subscription(topic));
      sync(m, latest(oracle, ApiKeys.SYNC_GROUP), g, topic, "sync (leader)");
      oracle.send("unknown member id", ApiKeys.JOIN_GROUP, v,
          joinRequest(g, "no-such-member", null, "consumer", subscription(topic)));
      oracle.send("other protocol type", ApiKeys.JOIN_GROUP, v,
          joinRequest(g, "", null, "connect", subscription(topic)));
      oracle.send("session timeout 1 ms", ApiKeys.JOIN_GROUP, v,
          joinRequest(unique("jg-st"), "", null, "consumer", subscription(topic)).setSessionTimeoutMs(1));
      oracle.send("empty group id", ApiKeys.JOIN_GROUP, v,
          joinRequest("", "", null, "consumer", subscription(topic)));
      oracle.send("no protocols", ApiKeys.JOIN_GROUP, v,
          joinRequest(unique("jg-np"), "", null, "consumer", subscription(topic))
              .setProtocols(new JoinGroupRequestData.JoinGroupRequestProtocolCollection()));
      if (v >= 5) {
        String sg = unique("jg-static");
        oracle.send("static member", ApiKeys.JOIN_GROUP, v,
            joinRequest(sg, "", "instance-1", "consumer", subscription(topic)));
      }
      leave(m, g, latest(oracle, ApiKeys.LEAVE_GROUP));
    }
  }

  void leave(Member m, String group, int v) {
    m.conn.send("leave", ApiKeys.LEAVE_GROUP, v, side -> leaveRequest(v, group, m.id(side)));
  }

  static LeaveGroupRequestData leaveRequest(int v, String group, String... memberIds) {
    LeaveGroupRequestData r = new LeaveGroupRequestData().setGroupId(group);
    if (v < 3) return r.setMemberId(memberIds[0]);
    List<LeaveGroupRequestData.MemberIdentity> ms = new ArrayList<>();
    for (String id : memberIds) ms.add(new LeaveGroupRequestData.MemberIdentity().setMemberId(id));
    return r.setMembers(ms);
  }

  @Test
  void syncGroupEveryVersion() {
    String topic = unique("sg-topic");
    createTopic(topic, 1);
    for (short v : oracle.versions(ApiKeys.SYNC_GROUP)) {
      String g = unique("sg");
      warmUpKafkaCoordinator();
      Member m = new Member(oracle);
      join(m, latest(oracle, ApiKeys.JOIN_GROUP), g, subscription(topic));
      sync(m, v, g, topic, "leader sync");
      oracle.send("wrong generation", ApiKeys.SYNC_GROUP, v, side -> new SyncGroupRequestData()
          .setGroupId(g).setGenerationId(m.gen(side) + 5).setMemberId(m.id(side))
          .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of()));
      oracle.send("unknown member", ApiKeys.SYNC_GROUP, v, side -> new SyncGroupRequestData()
          .setGroupId(g).setGenerationId(m.gen(side)).setMemberId("no-such-member")
          .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of()));
      oracle.send("unknown group", ApiKeys.SYNC_GROUP, v, new SyncGroupRequestData()
          .setGroupId(unique("sg-unknown")).setGenerationId(1).setMemberId("m")
          .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of()));
      if (v >= 5) {
        oracle.send("wrong protocol name", ApiKeys.SYNC_GROUP, v, side -> new SyncGroupRequestData()
            .setGroupId(g).setGenerationId(m.gen(side)).setMemberId(m.id(side))
            .setProtocolType("consumer").setProtocolName("roundrobin").setAssignments(List.of()));
      }
      oracle.send("follower-style sync again", ApiKeys.SYNC_GROUP, v, side -> new SyncGroupRequestData()
          .setGroupId(g).setGenerationId(m.gen(side)).setMemberId(m.id(side))
          .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of()));
    }
  }

  @Test
  void heartbeatEveryVersion() {
    String topic = unique("hb-topic");
    createTopic(topic, 1);
    String g = unique("hb");
    Member m = stableGroup(g, topic);
    for (short v : oracle.versions(ApiKeys.HEARTBEAT)) {
      oracle.send("ok", ApiKeys.HEARTBEAT, v, side -> new HeartbeatRequestData().setGroupId(g)
          .setGenerationId(m.gen(side)).setMemberId(m.id(side)));
      oracle.send("wrong generation", ApiKeys.HEARTBEAT, v, side -> new HeartbeatRequestData()
          .setGroupId(g).setGenerationId(m.gen(side) + 1).setMemberId(m.id(side)));
      oracle.send("unknown member", ApiKeys.HEARTBEAT, v, side -> new HeartbeatRequestData()
          .setGroupId(g).setGenerationId(m.gen(side)).setMemberId("no-such-member"));
      oracle.send("unknown group", ApiKeys.HEARTBEAT, v, new HeartbeatRequestData()
          .setGroupId(unique("hb-unknown")).setGenerationId(1).setMemberId("m"));
      oracle.send("empty group id #empty-group", ApiKeys.HEARTBEAT, v, new HeartbeatRequestData()
          .setGroupId("").setGenerationId(1).setMemberId("m"));
    }
  }

  @Test
  void heartbeatDuringRebalance() {
    String topic = unique("rb-topic");
    createTopic(topic, 2);
    String g = unique("rb");
    Member a = stableGroup(g, topic);
    Member b = new Member(oracle.secondConnection());
    short jv = latest(oracle, ApiKeys.JOIN_GROUP);
    // b's JoinGroup v4+ first gets MEMBER_ID_REQUIRED at once; its second join waits for a.
    Oracle.Result first = b.conn.send("second member joins", ApiKeys.JOIN_GROUP, jv,
        side -> joinRequest(g, "", null, "consumer", subscription(topic)));
    remember(b, first);
    Oracle.Pending bJoin = b.conn.begin("second member joins (waits for the rebalance)",
        ApiKeys.JOIN_GROUP, jv, side -> joinRequest(g, b.id(side), null, "consumer", subscription(topic)));
    KafkaBroker.sleep(300);
    oracle.send("first member's heartbeat during the rebalance", ApiKeys.HEARTBEAT,
        latest(oracle, ApiKeys.HEARTBEAT), side -> new HeartbeatRequestData().setGroupId(g)
            .setGenerationId(a.gen(side)).setMemberId(a.id(side)));
    oracle.send("first member's offset commit during the rebalance", ApiKeys.OFFSET_COMMIT,
        latest(oracle, ApiKeys.OFFSET_COMMIT), side -> offsetCommit(g, a.gen(side), a.id(side),
            topic, 0, 1L, ""));
    oracle.send("describe during the rebalance #preparing-rebalance", ApiKeys.DESCRIBE_GROUPS,
        latest(oracle, ApiKeys.DESCRIBE_GROUPS), new DescribeGroupsRequestData().setGroups(List.of(g)));
    Oracle.Result aJoin = oracle.send("first member rejoins", ApiKeys.JOIN_GROUP, jv,
        side -> joinRequest(g, a.id(side), null, "consumer", subscription(topic)));
    remember(a, aJoin);
    remember(b, b.conn.finish(bJoin));
    oracle.send("old generation heartbeat after the rebalance", ApiKeys.HEARTBEAT,
        latest(oracle, ApiKeys.HEARTBEAT), side -> new HeartbeatRequestData().setGroupId(g)
            .setGenerationId(a.gen(side) - 1).setMemberId(a.id(side)));
    short sv = latest(oracle, ApiKeys.SYNC_GROUP);
    Oracle.Pending bSync = b.conn.begin("follower sync (waits for the leader)", ApiKeys.SYNC_GROUP, sv,
        side -> new SyncGroupRequestData().setGroupId(g).setGenerationId(b.gen(side))
            .setMemberId(b.id(side)).setProtocolType("consumer").setProtocolName("range")
            .setAssignments(List.of()));
    KafkaBroker.sleep(200);
    oracle.send("leader sync", ApiKeys.SYNC_GROUP, sv, side -> new SyncGroupRequestData()
        .setGroupId(g).setGenerationId(a.gen(side)).setMemberId(a.id(side))
        .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of(
            new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(a.id(side))
                .setAssignment(assignment(topic, 0)),
            new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(b.id(side))
                .setAssignment(assignment(topic, 1)))));
    b.conn.finish(bSync);
    oracle.send("describe after the rebalance", ApiKeys.DESCRIBE_GROUPS,
        latest(oracle, ApiKeys.DESCRIBE_GROUPS), new DescribeGroupsRequestData().setGroups(List.of(g)));
    short lv = latest(oracle, ApiKeys.LEAVE_GROUP);
    oracle.send("both leave, one unknown", ApiKeys.LEAVE_GROUP, lv,
        side -> leaveRequest(lv, g, a.id(side), b.id(side), "no-such-member"));
  }

  @Test
  void leaveGroupEveryVersion() {
    String topic = unique("lg-topic");
    createTopic(topic, 1);
    for (short v : oracle.versions(ApiKeys.LEAVE_GROUP)) {
      String g = unique("lg");
      Member m = stableGroup(g, topic);
      oracle.send("unknown member", ApiKeys.LEAVE_GROUP, v, leaveRequest(v, g, "no-such-member"));
      oracle.send("unknown group", ApiKeys.LEAVE_GROUP, v, leaveRequest(v, unique("lg-unknown"), "m"));
      oracle.send("the member", ApiKeys.LEAVE_GROUP, v, side -> leaveRequest(v, g, m.id(side)));
      oracle.send("again", ApiKeys.LEAVE_GROUP, v, side -> leaveRequest(v, g, m.id(side)));
      oracle.send("describe after leave", ApiKeys.DESCRIBE_GROUPS, latest(oracle, ApiKeys.DESCRIBE_GROUPS),
          new DescribeGroupsRequestData().setGroups(List.of(g)));
    }
  }

  @Test
  void offsetCommitEveryVersion() {
    String topic = unique("oc-topic");
    createTopic(topic, 2);
    for (short v : oracle.versions(ApiKeys.OFFSET_COMMIT)) {
      String empty = unique("oc-empty");
      warmUpKafkaCoordinator();
      oracle.send("to an empty group (admin commit)", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(empty, -1, "", topic, 0, 5L, "meta"));
      oracle.send("unknown partition", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(empty, -1, "", topic, 9, 5L, ""));
      oracle.send("unknown topic", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(empty, -1, "", unique("oc-unknown"), 0, 5L, ""));
      oracle.send("metadata too large", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(empty, -1, "", topic, 1, 5L, "m".repeat(5000)));
      oracle.send("generation 3 to a group without members", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(empty, 3, "someone", topic, 0, 6L, ""));
      oracle.send("empty group id #empty-group", ApiKeys.OFFSET_COMMIT, v, offsetCommit("", -1, "", topic, 0, 6L, ""));
      String g = unique("oc");
      Member m = stableGroup(g, topic);
      oracle.send("member commit", ApiKeys.OFFSET_COMMIT, v,
          side -> offsetCommit(g, m.gen(side), m.id(side), topic, 0, 7L, "x"));
      oracle.send("wrong generation", ApiKeys.OFFSET_COMMIT, v,
          side -> offsetCommit(g, m.gen(side) + 1, m.id(side), topic, 0, 8L, ""));
      oracle.send("unknown member", ApiKeys.OFFSET_COMMIT, v,
          side -> offsetCommit(g, m.gen(side), "no-such-member", topic, 0, 8L, ""));
      oracle.send("no member (admin commit) to a stable group", ApiKeys.OFFSET_COMMIT, v,
          offsetCommit(g, -1, "", topic, 0, 8L, ""));
      oracle.send("fetch back", ApiKeys.OFFSET_FETCH, latest(oracle, ApiKeys.OFFSET_FETCH),
          offsetFetch(latest(oracle, ApiKeys.OFFSET_FETCH), g, topic, 0, 1));
      oracle.send("fetch back (empty group)", ApiKeys.OFFSET_FETCH, latest(oracle, ApiKeys.OFFSET_FETCH),
          offsetFetch(latest(oracle, ApiKeys.OFFSET_FETCH), empty, topic, 0, 1));
      leave(m, g, latest(oracle, ApiKeys.LEAVE_GROUP));
    }
  }

  static OffsetFetchRequestData offsetFetch(int v, String group, String topic, int... partitions) {
    List<Integer> ps = new ArrayList<>();
    for (int p : partitions) ps.add(p);
    if (v >= 8) {
      return new OffsetFetchRequestData().setGroups(new ArrayList<>(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
          .setGroupId(group).setTopics(topic == null ? null : List.of(
              new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic).setPartitionIndexes(ps))))));
    }
    return new OffsetFetchRequestData().setGroupId(group).setTopics(topic == null ? null : List.of(
        new OffsetFetchRequestData.OffsetFetchRequestTopic().setName(topic).setPartitionIndexes(ps)));
  }

  @Test
  void offsetFetchEveryVersion() {
    String topic = unique("of-topic");
    createTopic(topic, 3);
    String g = unique("of");
    warmUpKafkaCoordinator();
    commit(g, topic, 0, 10L);
    commit(g, topic, 1, 20L);
    for (short v : oracle.versions(ApiKeys.OFFSET_FETCH)) {
      oracle.send("committed, uncommitted and unknown partitions", ApiKeys.OFFSET_FETCH, v,
          offsetFetch(v, g, topic, 0, 1, 2, 7));
      oracle.send("unknown group", ApiKeys.OFFSET_FETCH, v, offsetFetch(v, unique("of-unknown"), topic, 0));
      oracle.send("unknown topic", ApiKeys.OFFSET_FETCH, v, offsetFetch(v, g, unique("of-unknown"), 0));
      if (v >= 2) {
        oracle.send("all topics (null)", ApiKeys.OFFSET_FETCH, v, offsetFetch(v, g, null));
      }
      if (v >= 7) {
        oracle.send("require stable", ApiKeys.OFFSET_FETCH, v,
            offsetFetch(v, g, topic, 0).setRequireStable(true));
      }
      if (v >= 8) {
        OffsetFetchRequestData two = offsetFetch(v, g, topic, 0);
        two.groups().add(new OffsetFetchRequestData.OffsetFetchRequestGroup()
            .setGroupId(unique("of-unknown")).setTopics(null));
        oracle.send("two groups", ApiKeys.OFFSET_FETCH, v, two);
      }
    }
  }

  @Test
  void describeGroupsEveryVersion() {
    String topic = unique("dg-topic");
    createTopic(topic, 1);
    String stable = unique("dg");
    Member m = stableGroup(stable, topic);
    String empty = unique("dg-empty");
    commit(empty, topic, 0, 3L);
    for (short v : oracle.versions(ApiKeys.DESCRIBE_GROUPS)) {
      oracle.send("stable, empty and unknown", ApiKeys.DESCRIBE_GROUPS, v,
          new DescribeGroupsRequestData().setGroups(List.of(stable, empty, unique("dg-unknown"))));
      if (v >= 3) {
        oracle.send("with authorized operations", ApiKeys.DESCRIBE_GROUPS, v,
            new DescribeGroupsRequestData().setGroups(List.of(stable)).setIncludeAuthorizedOperations(true));
      }
      oracle.send("empty group id", ApiKeys.DESCRIBE_GROUPS, v,
          new DescribeGroupsRequestData().setGroups(List.of("")));
    }
    leave(m, stable, latest(oracle, ApiKeys.LEAVE_GROUP));
  }

  @Test
  void listGroupsEveryVersion() {
    String topic = unique("lsg-topic");
    createTopic(topic, 1);
    String prefix = unique("lsg");
    Member m = stableGroup(prefix + "-stable", topic);
    commit(prefix + "-empty", topic, 0, 3L);
    java.util.function.Consumer<JsonNode> onlyOurs = json -> {
      ArrayNode gs = (ArrayNode) json.get("groups");
      for (int i = gs.size() - 1; i >= 0; i--) {
        if (!gs.get(i).get("groupId").asText().startsWith(prefix)) gs.remove(i);
      }
    };
    for (short v : oracle.versions(ApiKeys.LIST_GROUPS)) {
      oracle.send("all (this test's groups compared)", ApiKeys.LIST_GROUPS, v,
          side -> new ListGroupsRequestData(), onlyOurs);
      if (v >= 4) {
        oracle.send("states filter Stable", ApiKeys.LIST_GROUPS, v,
            side -> new ListGroupsRequestData().setStatesFilter(List.of("Stable")), onlyOurs);
        oracle.send("states filter Empty (case)", ApiKeys.LIST_GROUPS, v,
            side -> new ListGroupsRequestData().setStatesFilter(List.of("empty")), onlyOurs);
      }
      if (v >= 5) {
        oracle.send("types filter classic", ApiKeys.LIST_GROUPS, v,
            side -> new ListGroupsRequestData().setTypesFilter(List.of("classic")), onlyOurs);
        oracle.send("types filter consumer", ApiKeys.LIST_GROUPS, v,
            side -> new ListGroupsRequestData().setTypesFilter(List.of("consumer")), onlyOurs);
      }
    }
    leave(m, prefix + "-stable", latest(oracle, ApiKeys.LEAVE_GROUP));
  }

  @Test
  void deleteGroupsEveryVersion() {
    String topic = unique("dlg-topic");
    createTopic(topic, 1);
    for (short v : oracle.versions(ApiKeys.DELETE_GROUPS)) {
      String empty = unique("dlg-empty");
      String stable = unique("dlg-stable");
      warmUpKafkaCoordinator();
      commit(empty, topic, 0, 3L);
      Member m = stableGroup(stable, topic);
      oracle.send("empty, non-empty, unknown", ApiKeys.DELETE_GROUPS, v, new DeleteGroupsRequestData()
          .setGroupsNames(List.of(empty, stable, unique("dlg-unknown"))));
      oracle.send("empty group id #empty-group", ApiKeys.DELETE_GROUPS, v,
          new DeleteGroupsRequestData().setGroupsNames(List.of("")));
      short fv = latest(oracle, ApiKeys.OFFSET_FETCH);
      oracle.send("offsets of the deleted group", ApiKeys.OFFSET_FETCH, fv, offsetFetch(fv, empty, topic, 0));
      oracle.send("delete it again", ApiKeys.DELETE_GROUPS, v,
          new DeleteGroupsRequestData().setGroupsNames(List.of(empty)));
      leave(m, stable, latest(oracle, ApiKeys.LEAVE_GROUP));
    }
  }

  static OffsetDeleteRequestData offsetDelete(String group, String topic, int... partitions) {
    OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection ts =
        new OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection();
    List<OffsetDeleteRequestData.OffsetDeleteRequestPartition> ps = new ArrayList<>();
    for (int p : partitions) ps.add(new OffsetDeleteRequestData.OffsetDeleteRequestPartition().setPartitionIndex(p));
    ts.add(new OffsetDeleteRequestData.OffsetDeleteRequestTopic().setName(topic).setPartitions(ps));
    return new OffsetDeleteRequestData().setGroupId(group).setTopics(ts);
  }

  @Test
  void offsetDeleteEveryVersion() {
    String topic = unique("od-topic");
    String other = unique("od-other");
    createTopic(topic, 2);
    createTopic(other, 1);
    for (short v : oracle.versions(ApiKeys.OFFSET_DELETE)) {
      String empty = unique("od-empty");
      warmUpKafkaCoordinator();
      commit(empty, topic, 0, 3L);
      commit(empty, topic, 1, 4L);
      oracle.send("empty group: one partition", ApiKeys.OFFSET_DELETE, v, offsetDelete(empty, topic, 0));
      short fv = latest(oracle, ApiKeys.OFFSET_FETCH);
      oracle.send("offsets after the delete", ApiKeys.OFFSET_FETCH, fv, offsetFetch(fv, empty, topic, 0, 1));
      oracle.send("empty group: uncommitted and unknown partitions", ApiKeys.OFFSET_DELETE, v,
          offsetDelete(empty, topic, 0, 5));
      oracle.send("empty group: unknown topic", ApiKeys.OFFSET_DELETE, v,
          offsetDelete(empty, unique("od-unknown"), 0));
      oracle.send("unknown group", ApiKeys.OFFSET_DELETE, v, offsetDelete(unique("od-unknown"), topic, 0));
      oracle.send("empty group id", ApiKeys.OFFSET_DELETE, v, offsetDelete("", topic, 0));
      String stable = unique("od-stable");
      Member m = stableGroup(stable, topic);
      commit(stable, topic, 0, 5L);
      commit(stable, other, 0, 6L);
      oracle.send("stable group: subscribed topic", ApiKeys.OFFSET_DELETE, v, offsetDelete(stable, topic, 0));
      oracle.send("stable group: topic it is not subscribed to", ApiKeys.OFFSET_DELETE, v,
          offsetDelete(stable, other, 0));
      oracle.send("offsets after the deletes", ApiKeys.OFFSET_FETCH, fv, offsetFetch(fv, stable, null));
      leave(m, stable, latest(oracle, ApiKeys.LEAVE_GROUP));
    }
  }
}
