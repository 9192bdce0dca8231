package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * KIP-848 consumer groups (group.protocol=consumer) with the 4.x client, where it is the
 * production protocol. The broker's heartbeat interval is 500 ms and its session timeout
 * 6 s (the group.consumer.* settings, with their minimums, as one would set them on Kafka)
 * so that hand-overs are quick.
 */
@EnabledIf("dev.samsa.clients.Kit#atLeastKafka4")
class ConsumerProtocolGroupTest {
  static final int SESSION_TIMEOUT_MS = 6000;
  private static SamsaBroker broker;
  private static Admin admin;

  @BeforeAll
  static void start() {
    broker = SamsaBroker.builder()
        .override("group.consumer.heartbeat.interval.ms", "500")
        .override("group.consumer.min.heartbeat.interval.ms", "500")
        .override("group.consumer.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS))
        .override("group.consumer.min.session.timeout.ms", String.valueOf(SESSION_TIMEOUT_MS))
        .start();
    admin = Kit.admin(broker);
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (broker != null) broker.close();
  }

  private static Properties member(String group) {
    Properties p = Kit.consumerProps(broker, group);
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
    return p;
  }

  @Test
  void threeMembersShareTwelvePartitionsAndLeaveHandsOver() throws Exception {
    String group = Kit.unique("kip848-share");
    // the server-side default assignor (uniform) is sticky: survivors keep what they had
    GroupFlows.shareThenLeave(broker, admin, () -> member(group), true);
  }

  @Test
  void crashedMemberHandsOverAfterSessionTimeout() throws Exception {
    String group = Kit.unique("kip848-crash");
    GroupFlows.crashThenSessionTimeout(broker, admin, () -> member(group), SESSION_TIMEOUT_MS);
  }

  @Test
  void commitThenResumeWithoutRedelivery() throws Exception {
    String group = Kit.unique("kip848-resume");
    GroupFlows.commitThenResume(broker, admin, () -> member(group));
  }

  /** The admin client sees a consumer-protocol group as such: type, state, members, assignments. */
  @Test
  @SuppressWarnings("deprecation")
  void adminDescribesAConsumerProtocolGroup() throws Exception {
    String group = Kit.unique("kip848-describe");
    String topic = Kit.unique("kip848-described");
    Kit.createTopic(admin, topic, 6);
    try (GroupMember a = new GroupMember("a", member(group), topic);
        GroupMember b = new GroupMember("b", member(group), topic)) {
      Kit.await("2 members with 3 partitions each", java.time.Duration.ofSeconds(40),
          () -> a.owned().size() == 3 && b.owned().size() == 3 && disjoint(a.owned(), b.owned()),
          () -> a + " " + b);
      Kit.await("group Stable", java.time.Duration.ofSeconds(20),
          () -> Kit.get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)).state()
              == ConsumerGroupState.STABLE,
          () -> String.valueOf(Kit.get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group))));
      ConsumerGroupDescription d = Kit.get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
      assertEquals(group, d.groupId());
      assertEquals(GroupType.CONSUMER, d.type());
      assertEquals("uniform", d.partitionAssignor());
      assertEquals(2, d.members().size(), d.toString());
      Set<TopicPartition> assigned = new HashSet<>();
      for (MemberDescription m : d.members()) {
        assertEquals(3, m.assignment().topicPartitions().size(), m.toString());
        assigned.addAll(m.assignment().topicPartitions());
        assertTrue(m.consumerId() != null && !m.consumerId().isEmpty(), m.toString());
        assertTrue(m.host() != null && m.host().contains("127.0.0.1"), m.toString());
      }
      assertEquals(new HashSet<>(Kit.partitions(topic, 6)), assigned);
      assertEquals(broker.port(), d.coordinator().port());

      List<ConsumerGroupListing> listed = List.copyOf(Kit.get(admin.listConsumerGroups().all()));
      ConsumerGroupListing l = listed.stream().filter(x -> x.groupId().equals(group)).findFirst().orElseThrow();
      assertEquals(GroupType.CONSUMER, l.type().orElseThrow());
      assertEquals(ConsumerGroupState.STABLE, l.state().orElseThrow());
      assertTrue(!l.isSimpleConsumerGroup());
    }
  }

  /**
   * Two members of a consumer-protocol group across a clean broker restart and a SIGKILL:
   * samsa restores the group from __consumer_offsets, so the members keep their ids and
   * partitions (no revocation, no rejoin), and what is produced meanwhile is read exactly
   * once. Before samsa stored consumer groups, their heartbeats got UNKNOWN_MEMBER_ID after
   * a restart: they lost their partitions and read again what they had not committed.
   */
  @Test
  void membersCarryOnAcrossBrokerRestarts() throws Exception {
    String group = Kit.unique("kip848-restart");
    String topic = Kit.unique("kip848-restarted");
    int partitions = GroupFlows.PARTITIONS;
    Kit.createTopic(admin, topic, partitions);
    java.time.Duration settle = java.time.Duration.ofSeconds(40);
    try (GroupMember a = new GroupMember("a", member(group), topic);
        GroupMember b = new GroupMember("b", member(group), topic)) {
      Kit.await("2 members with 6 partitions each", settle,
          () -> a.owned().size() == partitions / 2 && b.owned().size() == partitions / 2
              && disjoint(a.owned(), b.owned()),
          () -> a + " " + b);
      Set<String> membersBefore = memberIds(group);
      Set<Integer> aOwned = a.owned();
      int revocations = a.revocations() + b.revocations();

      int expected = 0;
      String[] steps = {"running", "restarted", "killed"};
      for (String step : steps) {
        if (step.equals("restarted")) broker.restart();
        if (step.equals("killed")) {
          broker.kill();
          broker.startAgain();
        }
        GroupFlows.produce(broker, topic, 10, step);
        expected += 10 * partitions;
        final int want = expected;
        Kit.await(want + " records consumed after the broker was " + step, settle,
            () -> a.received().size() + b.received().size() >= want,
            () -> a + " got " + a.received().size() + ", " + b + " got " + b.received().size());
      }
      // Nothing more may come: no record is read twice.
      long quietUntil = System.nanoTime() + java.time.Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < quietUntil) Thread.sleep(100);
      List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> all =
          new java.util.ArrayList<>(a.received());
      all.addAll(b.received());
      assertEquals(expected, all.size(), "records read, each once");
      assertEquals(expected, GroupFlows.ids(all).size());
      assertEquals(membersBefore, memberIds(group), "the same members, restored");
      assertEquals(aOwned, a.owned(), "a keeps its partitions");
      assertEquals(revocations, a.revocations() + b.revocations(), "no partition was revoked");
      assertEquals(null, a.failure());
      assertEquals(null, b.failure());
    }
  }

  private static Set<String> memberIds(String group) {
    ConsumerGroupDescription d =
        Kit.get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
    Set<String> ids = new HashSet<>();
    for (MemberDescription m : d.members()) ids.add(m.consumerId());
    return ids;
  }

  private static boolean disjoint(Set<Integer> x, Set<Integer> y) {
    Set<Integer> s = new HashSet<>(x);
    s.retainAll(y);
    return s.isEmpty();
  }
}
