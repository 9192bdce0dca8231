package dev.samsa.clients;

import dev.samsa.test.SamsaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A classic group member that crashes (its JVM is killed: no LeaveGroup) is removed by the
 * broker when its session times out (6 s), and its partitions go to the others.
 */
class ClassicGroupCrashTest {
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

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {ClassicGroupTest.RANGE, ClassicGroupTest.COOPERATIVE})
  void crashedMemberHandsOverAfterSessionTimeout(String assignor) throws Exception {
    String group = Kit.unique("classic-crash");
    GroupFlows.crashThenSessionTimeout(broker, admin,
        () -> ClassicGroupTest.member(broker, group, assignor), ClassicGroupTest.SESSION_TIMEOUT_MS);
  }
}
