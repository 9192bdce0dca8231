package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The group scenarios, the same for every group flavour (classic with a client-side
 * assignor, or KIP-848): the caller passes how a member is configured.
 */
final class GroupFlows {
  static final int PARTITIONS = 12;
  private static final Duration SETTLE = Duration.ofSeconds(40);

  private GroupFlows() {}

  /** Each member owns exactly `each` partitions, no partition twice, all covered. */
  static boolean balanced(List<Supplier<Set<Integer>>> owners, int each) {
    Set<Integer> union = new HashSet<>();
    int sum = 0;
    for (Supplier<Set<Integer>> o : owners) {
      Set<Integer> s = o.get();
      if (s.size() != each) return false;
      union.addAll(s);
      sum += s.size();
    }
    return sum == PARTITIONS && union.size() == PARTITIONS;
  }

  static String describe(List<?> members) {
    return members.toString();
  }

  /** `perPartition` records to each partition, values prefixed with `tag`. */
  static void produce(SamsaBroker broker, String topic, int perPartition, String tag) throws Exception {
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < perPartition; i++) {
        for (int part = 0; part < PARTITIONS; part++) {
          p.send(new ProducerRecord<>(topic, part, "k" + part + "-" + i, tag + "-" + part + "-" + i));
        }
      }
      p.flush();
    }
  }

  static Set<String> ids(List<ConsumerRecord<String, String>> records) {
    return records.stream().map(r -> r.partition() + "@" + r.offset()).collect(Collectors.toSet());
  }

  /**
   * Three members share 12 partitions (4 each); records go to their owners; one closes and
   * its partitions move to the other two (6 each), with nothing consumed twice.
   */
  static void shareThenLeave(SamsaBroker broker, Admin admin, Supplier<Properties> memberProps,
      boolean sticky) throws Exception {
    String topic = Kit.unique("share");
    Kit.createTopic(admin, topic, PARTITIONS);
    GroupMember a = new GroupMember("a", memberProps.get(), topic);
    GroupMember b = new GroupMember("b", memberProps.get(), topic);
    GroupMember c = new GroupMember("c", memberProps.get(), topic);
    List<GroupMember> all = List.of(a, b, c);
    try {
      Kit.await("3 members with 4 partitions each", SETTLE,
          () -> balanced(List.of(a::owned, b::owned, c::owned), 4), () -> describe(all));
      Map<String, Set<Integer>> before = Map.of("a", a.owned(), "b", b.owned(), "c", c.owned());

      produce(broker, topic, 20, "first");
      Kit.await("240 records consumed", SETTLE,
          () -> a.received().size() + b.received().size() + c.received().size() >= 240,
          () -> "a=" + a.received().size() + " b=" + b.received().size() + " c=" + c.received().size());
      for (GroupMember m : all) {
        for (ConsumerRecord<String, String> r : m.received()) {
          assertTrue(before.get(m.name).contains(r.partition()),
              m.name + " got a record of partition " + r.partition() + " it does not own " + before);
        }
        assertEquals(80, m.received().size(), m.name + ": 20 records of each of its 4 partitions");
        assertEquals(80, ids(m.received()).size(), m.name + ": no record twice");
      }

      c.close();
      assertNull(c.failure(), "c closed cleanly");
      Kit.await("c's partitions handed to a and b (6 each)", SETTLE,
          () -> balanced(List.of(a::owned, b::owned), 6), () -> describe(all));
      if (sticky) {
        assertTrue(a.owned().containsAll(before.get("a")), "a keeps its partitions: " + before + " -> " + a);
        assertTrue(b.owned().containsAll(before.get("b")), "b keeps its partitions: " + before + " -> " + b);
      }

      produce(broker, topic, 20, "second");
      // a and b already hold 160 of the first 240 (c took the other 80); wait for all 240 new.
      Kit.await("240 more records consumed by a and b", SETTLE,
          () -> a.received().size() + b.received().size() >= 400,
          () -> "a=" + a.received().size() + " b=" + b.received().size());
      List<ConsumerRecord<String, String>> everything = new ArrayList<>();
      everything.addAll(a.received());
      everything.addAll(b.received());
      everything.addAll(c.received());
      assertEquals(480, everything.size(), "every record exactly once (no re-delivery on hand-over)");
      assertEquals(480, ids(everything).size(), "no record twice");
      long second = everything.stream().filter(r -> r.value().startsWith("second-")).count();
      assertEquals(240, second);
      for (GroupMember m : List.of(a, b)) {
        for (ConsumerRecord<String, String> r : m.received()) {
          if (r.value().startsWith("second-")) assertTrue(m.owned().contains(r.partition()), m + " " + r);
        }
        assertNull(m.failure(), m.name);
      }
    } finally {
      for (GroupMember m : all) m.close();
    }
  }

  /**
   * A member in its own JVM is killed (no leave): after the session timeout its partitions
   * move to the other two, who then get every record of all 12 partitions.
   */
  static void crashThenSessionTimeout(SamsaBroker broker, Admin admin, Supplier<Properties> memberProps,
      long sessionTimeoutMs) throws Exception {
    String topic = Kit.unique("crash");
    Kit.createTopic(admin, topic, PARTITIONS);
    GroupMember a = new GroupMember("a", memberProps.get(), topic);
    GroupMember b = new GroupMember("b", memberProps.get(), topic);
    try (ChildMember c = new ChildMember(memberProps.get(), topic)) {
      Kit.await("3 members (one in a child JVM) with 4 partitions each", Duration.ofSeconds(60),
          () -> balanced(List.of(a::owned, b::owned, c::owned), 4),
          () -> a + " " + b + " child" + c.owned() + " alive=" + c.isAlive() + "\n" + c.output());
      c.crash();
      long crashed = System.nanoTime();
      Kit.await("the crashed member's partitions handed over", Duration.ofMillis(sessionTimeoutMs + 30_000),
          () -> balanced(List.of(a::owned, b::owned), 6), () -> a + " " + b);
      long tookMs = (System.nanoTime() - crashed) / 1_000_000;
      // The broker noticed the crash through the session timeout, not earlier (a heartbeat
      // can have been sent at most one heartbeat interval before the kill).
      assertTrue(tookMs >= sessionTimeoutMs - 2_000,
          "hand-over after " + tookMs + " ms, before the session timeout of " + sessionTimeoutMs + " ms");

      produce(broker, topic, 10, "after-crash");
      Kit.await("120 records consumed by a and b", SETTLE,
          () -> a.received().size() + b.received().size() >= 120,
          () -> "a=" + a.received().size() + " b=" + b.received().size());
      List<ConsumerRecord<String, String>> both = new ArrayList<>(a.received());
      both.addAll(b.received());
      assertEquals(120, both.size());
      assertEquals(120, ids(both).size());
      Set<Integer> parts = both.stream().map(ConsumerRecord::partition).collect(Collectors.toCollection(TreeSet::new));
      assertEquals(PARTITIONS, parts.size(), "records of all 12 partitions consumed");
      assertNull(a.failure());
      assertNull(b.failure());
    } finally {
      a.close();
      b.close();
    }
  }

  /**
   * A member commits explicit offsets and closes; a new member of the same group resumes at
   * exactly those offsets: every later record once, nothing before them again.
   */
  static void commitThenResume(SamsaBroker broker, Admin admin, Supplier<Properties> memberProps)
      throws Exception {
    String topic = Kit.unique("resume");
    String group;
    Kit.createTopic(admin, topic, PARTITIONS);
    produce(broker, topic, 20, "first");
    Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) commit.put(new TopicPartition(topic, p), new OffsetAndMetadata(5 + p, "m" + p));

    Properties props1 = memberProps.get();
    props1.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    group = props1.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
    try (GroupMember first = new GroupMember("first", props1, topic)) {
      Kit.await("first member consumed 240", SETTLE, () -> first.received().size() >= 240,
          () -> first + " got " + first.received().size());
      assertEquals(240, first.received().size());
      first.call(c -> {
        c.commitSync(commit);
        return null;
      });
      Map<TopicPartition, OffsetAndMetadata> committed = first.call(c -> c.committed(commit.keySet()));
      assertEquals(commit, committed, "committed() after commitSync");
      assertNull(first.failure());
    }
    Map<TopicPartition, OffsetAndMetadata> listed =
        Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    assertEquals(commit, listed, "listConsumerGroupOffsets");

    produce(broker, topic, 10, "second");
    int expected = 0;
    for (int p = 0; p < PARTITIONS; p++) expected += 20 - (5 + p) + 10;
    final int want = expected; // 234
    Properties props2 = memberProps.get();
    props2.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props2.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (GroupMember second = new GroupMember("second", props2, topic)) {
      Kit.await("second member consumed " + want, SETTLE, () -> second.received().size() >= want,
          () -> second + " got " + second.received().size());
      // nothing more may come: the committed offsets were respected exactly
      long quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
      while (System.nanoTime() < quietUntil) Thread.sleep(100);
      List<ConsumerRecord<String, String>> got = second.received();
      assertEquals(want, got.size(), "records after the committed offsets, each once");
      assertEquals(want, ids(got).size());
      for (int p = 0; p < PARTITIONS; p++) {
        final int part = p;
        long min = got.stream().filter(r -> r.partition() == part).mapToLong(ConsumerRecord::offset).min().orElse(-1);
        long max = got.stream().filter(r -> r.partition() == part).mapToLong(ConsumerRecord::offset).max().orElse(-1);
        assertEquals(5 + p, min, "first offset of partition " + p + " is its committed offset");
        assertEquals(29, max, "last offset of partition " + p);
      }
      second.call(c -> {
        c.commitSync();
        return null;
      });
      assertNull(second.failure());
    }
    Map<TopicPartition, OffsetAndMetadata> end =
        Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
    for (int p = 0; p < PARTITIONS; p++) {
      assertEquals(30, end.get(new TopicPartition(topic, p)).offset(), "offset committed by the second member");
    }
  }
}

/** Balance checks for two members of a 4-partition topic. */
final class GroupFlowsBalance {
  private GroupFlowsBalance() {}

  static boolean twoEach(Set<Integer> x, Set<Integer> y) {
    Set<Integer> u = new java.util.HashSet<>(x);
    u.addAll(y);
    return x.size() == 2 && y.size() == 2 && u.size() == 4;
  }
}
