package dev.samsa.clients;

import dev.samsa.test.SamsaBroker;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
}
