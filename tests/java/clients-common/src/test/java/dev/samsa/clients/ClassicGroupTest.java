package dev.samsa.clients;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Classic consumer groups (the default group.protocol) with the two client-side assignors
 * of interest: range (the default's first) and cooperative-sticky. Members use a short
 * session timeout (6 s, the broker's minimum) and a 500 ms heartbeat so that hand-overs are
 * quick; everything else is the client's default. The crash of a member is in
 * ClassicGroupCrashTest.
 */
class ClassicGroupTest {
  static final String RANGE = "org.apache.kafka.clients.consumer.RangeAssignor";
  static final String COOPERATIVE = "org.apache.kafka.clients.consumer.CooperativeStickyAssignor";
  static final int SESSION_TIMEOUT_MS = 6000;

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

  static Properties member(SamsaBroker broker, String group, String assignor) {
    Properties p = Kit.consumerProps(broker, group);
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, String.valueOf(SESSION_TIMEOUT_MS));
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    return p;
  }

  private static Properties member(String group, String assignor) {
    return member(broker, group, assignor);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {RANGE, COOPERATIVE})
  void threeMembersShareTwelvePartitionsAndLeaveHandsOver(String assignor) throws Exception {
    String group = Kit.unique("classic-share");
    GroupFlows.shareThenLeave(broker, admin, () -> member(group, assignor), assignor.equals(COOPERATIVE));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {RANGE, COOPERATIVE})
  void commitThenResumeWithoutRedelivery(String assignor) throws Exception {
    String group = Kit.unique("classic-resume");
    GroupFlows.commitThenResume(broker, admin, () -> member(group, assignor));
  }

  /**
   * Static membership (group.instance.id): a member that closes and comes back within its
   * session timeout gets its partitions back without a rebalance; an admin removal of a
   * static member (LeaveGroup by instance id) hands its partitions over at once.
   */
  @org.junit.jupiter.api.Test
  @SuppressWarnings("deprecation")
  void staticMemberRejoinsWithoutRebalanceAndAdminRemovesIt() throws Exception {
    String topic = Kit.unique("static");
    String group = Kit.unique("classic-static");
    Kit.createTopic(admin, topic, 4);
    java.util.function.Function<String, Properties> props = id -> {
      Properties p = member(group, RANGE);
      p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id);
      p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000");
      return p;
    };
    try (GroupMember a = new GroupMember("a", props.apply("instance-a"), topic)) {
      java.util.Set<Integer> bOwned;
      try (GroupMember b = new GroupMember("b", props.apply("instance-b"), topic)) {
        Kit.await("a and b with 2 partitions each", Duration.ofSeconds(40),
            () -> GroupFlowsBalance.twoEach(a.owned(), b.owned()), () -> a + " " + b);
        bOwned = b.owned();
      }
      int revocationsBefore = a.revocations();
      java.util.Set<Integer> aOwned = a.owned();
      try (GroupMember b2 = new GroupMember("b2", props.apply("instance-b"), topic)) {
        Kit.await("b's successor owns b's partitions", Duration.ofSeconds(20),
            () -> b2.owned().equals(bOwned), () -> a + " " + b2);
        assertEquals(aOwned, a.owned());
        assertEquals(revocationsBefore, a.revocations(), "no rebalance: a never gave up its partitions");
        var d = Kit.get(admin.describeConsumerGroups(java.util.List.of(group)).describedGroups().get(group));
        java.util.Set<String> instances = new java.util.TreeSet<>();
        d.members().forEach(m -> instances.add(m.groupInstanceId().orElse("none")));
        assertEquals(java.util.Set.of("instance-a", "instance-b"), instances);
      }
      // b2 closed as a static member: no leave. The admin removes it by instance id.
      Kit.get(admin.removeMembersFromConsumerGroup(group, new org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions(
          java.util.List.of(new org.apache.kafka.clients.admin.MemberToRemove("instance-b")))).all());
      Kit.await("a owns all 4 partitions", Duration.ofSeconds(20), () -> a.owned().size() == 4, a::toString);
    }
  }
}
