package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AdminClient on classic consumer groups: list, describe, offsets, reset past a poison record, delete. */
@SuppressWarnings("deprecation") // ConsumerGroupState: the one state API both client generations have
class AdminGroupsTest {
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

  private static Properties member(String group) {
    Properties p = Kit.consumerProps(broker, group);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "admin-groups-test");
    return p;
  }

  private static ConsumerGroupDescription describe(String group) {
    return Kit.get(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
  }

  private static Map<TopicPartition, Long> offsetsOf(String group) {
    Map<TopicPartition, Long> out = new java.util.HashMap<>();
    Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata())
        .forEach((tp, om) -> out.put(tp, om.offset()));
    return out;
  }

  private static Set<String> listedGroups() {
    Set<String> s = new HashSet<>();
    for (ConsumerGroupListing l : Kit.get(admin.listConsumerGroups().all())) s.add(l.groupId());
    return s;
  }

  @Test
  void listDescribeAndDeleteGroups() throws Exception {
    String topic = Kit.unique("groups");
    String group = Kit.unique("described");
    Kit.createTopic(admin, topic, 4);
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < 40; i++) p.send(new ProducerRecord<>(topic, i % 4, "k" + i, "v" + i));
      p.flush();
    }
    try (GroupMember a = new GroupMember("a", member(group), topic);
        GroupMember b = new GroupMember("b", member(group), topic)) {
      Kit.await("2 members with 2 partitions each and all 40 records", Duration.ofSeconds(40),
          () -> a.owned().size() == 2 && b.owned().size() == 2
              && a.received().size() + b.received().size() == 40,
          () -> a + " " + b);
      a.call(c -> {
        c.commitSync();
        return null;
      });
      b.call(c -> {
        c.commitSync();
        return null;
      });

      Kit.await("group Stable", Duration.ofSeconds(20), () -> describe(group).state() == ConsumerGroupState.STABLE,
          () -> describe(group).toString());
      ConsumerGroupDescription d = describe(group);
      assertEquals(group, d.groupId());
      assertFalse(d.isSimpleConsumerGroup());
      assertEquals(GroupType.CLASSIC, d.type());
      assertEquals("range", d.partitionAssignor());
      assertEquals(broker.port(), d.coordinator().port());
      assertEquals(2, d.members().size());
      Set<TopicPartition> assigned = new HashSet<>();
      for (MemberDescription m : d.members()) {
        assertEquals("admin-groups-test", m.clientId());
        assertTrue(m.host().contains("127.0.0.1"), m.host());
        assertTrue(m.consumerId().startsWith("admin-groups-test-"), m.consumerId());
        assertEquals(2, m.assignment().topicPartitions().size(), m.toString());
        assigned.addAll(m.assignment().topicPartitions());
      }
      assertEquals(new HashSet<>(Kit.partitions(topic, 4)), assigned);

      ConsumerGroupListing listed = Kit.get(admin.listConsumerGroups().all()).stream()
          .filter(l -> l.groupId().equals(group)).findFirst().orElseThrow();
      assertEquals(ConsumerGroupState.STABLE, listed.state().orElseThrow());
      assertEquals(GroupType.CLASSIC, listed.type().orElseThrow());
      assertFalse(listed.isSimpleConsumerGroup());

      Map<TopicPartition, OffsetAndMetadata> offsets =
          Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
      assertEquals(4, offsets.size());
      for (TopicPartition tp : Kit.partitions(topic, 4)) assertEquals(10, offsets.get(tp).offset(), tp.toString());

      // a group with members cannot be deleted
      Throwable busy = Kit.failure(admin.deleteConsumerGroups(List.of(group)).all());
      assertInstanceOf(GroupNotEmptyException.class, busy);
    }

    Kit.await("group Empty after both members left", Duration.ofSeconds(20),
        () -> describe(group).state() == ConsumerGroupState.EMPTY, () -> describe(group).toString());
    assertEquals(0, describe(group).members().size());
    assertEquals(ConsumerGroupState.EMPTY, Kit.get(admin.listConsumerGroups().all()).stream()
        .filter(l -> l.groupId().equals(group)).findFirst().orElseThrow().state().orElseThrow());

    Kit.get(admin.deleteConsumerGroups(List.of(group)).all());
    assertFalse(listedGroups().contains(group), "deleted group still listed");
    assertTrue(Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()).isEmpty(),
        "a deleted group has no committed offsets");

    // a new consumer in the same group starts over (auto.offset.reset=earliest): the offsets are gone
    try (GroupMember again = new GroupMember("again", member(group), topic)) {
      Kit.await("all 40 records again", Duration.ofSeconds(30), () -> again.received().size() >= 40,
          () -> again + " got " + again.received().size());
      assertEquals(40, again.received().size());
    }
  }

  /**
   * A consumer that keeps failing on a record (a poison pill) leaves its group stuck at that
   * offset; the operator moves the group's offset one past it, and the next consumer resumes
   * there.
   */
  @Test
  void alterOffsetsSkipsAPoisonRecord() throws Exception {
    String topic = Kit.unique("poison");
    String group = Kit.unique("stuck");
    Kit.createTopic(admin, topic, 1);
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, 0, "k" + i, i == 4 ? "POISON" : "ok-" + i));
      p.flush();
    }
    Properties props = member(group);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
    // the application: processes and commits record by record, and dies on the poison one
    try (GroupMember app = new GroupMember("app", props, topic)) {
      Kit.await("the app reached the poison record", Duration.ofSeconds(30),
          () -> app.received().stream().anyMatch(r -> r.value().equals("POISON")), () -> app.toString());
      List<ConsumerRecord<String, String>> seen = app.received();
      for (ConsumerRecord<String, String> r : seen) {
        if (r.value().equals("POISON")) break;
        app.call(c -> {
          c.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
          return null;
        });
      }
      assertEquals(4, Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()).get(tp).offset());

      // while the app is still a member, an admin offset change is refused (UNKNOWN_MEMBER_ID)
      Throwable busy = Kit.failure(admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(5))).all());
      assertInstanceOf(UnknownMemberIdException.class, busy);
    }
    assertEquals(4, Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()).get(tp).offset(),
        "the group is stuck at the poison record");

    Kit.get(admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(5, "skipped poison"))).all());
    OffsetAndMetadata moved = Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()).get(tp);
    assertEquals(5, moved.offset());
    assertEquals("skipped poison", moved.metadata());

    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props)) {
      c.subscribe(List.of(topic));
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got.size() < 5 && System.nanoTime() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      assertEquals(List.of("ok-5", "ok-6", "ok-7", "ok-8", "ok-9"), got.stream().map(ConsumerRecord::value).toList());
      assertEquals(5, got.get(0).offset());
      assertNull(got.stream().filter(r -> r.value().equals("POISON")).findAny().orElse(null));
    }
  }

  /** An admin commit for a group nobody ever joined creates it as a simple group. */
  @Test
  void alterOffsetsOfANewGroup() {
    String topic = Kit.unique("simple");
    String group = Kit.unique("simple-group");
    Kit.createTopic(admin, topic, 2);
    Map<TopicPartition, OffsetAndMetadata> want = Map.of(
        new TopicPartition(topic, 0), new OffsetAndMetadata(0), new TopicPartition(topic, 1), new OffsetAndMetadata(0));
    Kit.get(admin.alterConsumerGroupOffsets(group, want).all());
    assertEquals(want, Kit.get(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()));
    ConsumerGroupListing listed = Kit.get(admin.listConsumerGroups().all()).stream()
        .filter(l -> l.groupId().equals(group)).findFirst().orElseThrow();
    assertTrue(listed.isSimpleConsumerGroup(), listed.toString());
    ConsumerGroupDescription d = describe(group);
    assertTrue(d.isSimpleConsumerGroup());
    assertEquals(ConsumerGroupState.EMPTY, d.state());
    assertEquals(0, d.members().size());
  }

  /** deleteConsumerGroupOffsets (OffsetDelete): refused for a subscribed topic, removes offsets of an empty group. */
  @Test
  void deleteGroupOffsets() throws Exception {
    String topic = Kit.unique("offset-delete");
    String group = Kit.unique("offset-delete-group");
    Kit.createTopic(admin, topic, 2);
    try (KafkaProducer<String, String> p = Kit.producer(broker)) {
      for (int i = 0; i < 10; i++) p.send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i));
      p.flush();
    }
    TopicPartition p0 = new TopicPartition(topic, 0);
    TopicPartition p1 = new TopicPartition(topic, 1);
    try (GroupMember m = new GroupMember("m", member(group), topic)) {
      Kit.await("10 records", Duration.ofSeconds(30), () -> m.received().size() >= 10, m::toString);
      m.call(c -> {
        c.commitSync();
        return null;
      });
      Throwable subscribed = Kit.failure(admin.deleteConsumerGroupOffsets(group, Set.of(p0)).all());
      assertInstanceOf(org.apache.kafka.common.errors.GroupSubscribedToTopicException.class, subscribed);
    }
    assertEquals(Map.of(p0, 5L, p1, 5L), offsetsOf(group));
    Kit.get(admin.deleteConsumerGroupOffsets(group, Set.of(p0)).all());
    assertEquals(Map.of(p1, 5L), offsetsOf(group), "partition 0's offset deleted, partition 1's kept");
  }
}
