package dev.samsa.spring.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListenerContainer;

/** Bounded waits for conditions: a short poll loop with a deadline, never a fixed sleep. */
public final class Await {
  private Await() {}

  /** Polls the condition every 25 ms until it holds; fails with the message at the deadline. */
  public static void until(Duration timeout, Callable<Boolean> condition, Supplier<String> message) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (Boolean.TRUE.equals(condition.call())) return;
        last = null;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        fail("not true after " + timeout + ": " + message.get()
            + (last == null ? "" : " (last attempt threw " + last + ")"), last);
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted", e);
      }
    }
  }

  /**
   * Waits until the listener container with this id (all its concurrent consumers) holds
   * exactly the given number of partitions.
   */
  public static void assigned(
      KafkaListenerEndpointRegistry registry, String id, int partitions, Duration timeout) {
    MessageListenerContainer container = registry.getListenerContainer(id);
    if (container == null) fail("no listener container " + id);
    until(
        timeout,
        () -> {
          Collection<TopicPartition> assigned = container.getAssignedPartitions();
          return assigned != null && assigned.size() == partitions;
        },
        () -> "listener " + id + " holds " + container.getAssignedPartitions()
            + ", expected " + partitions + " partitions");
  }

  /**
   * Waits until each of the concurrent container's consumers holds its even share of the
   * partitions. assigned() alone is not enough there: the first consumer to join may hold
   * all of them for a moment, before the others join and the group rebalances.
   */
  public static void assignedEvenly(
      KafkaListenerEndpointRegistry registry, String id, int partitions, Duration timeout) {
    MessageListenerContainer container = registry.getListenerContainer(id);
    if (!(container instanceof ConcurrentMessageListenerContainer<?, ?> concurrent)) {
      fail("no concurrent listener container " + id);
      return;
    }
    List<? extends MessageListenerContainer> consumers = concurrent.getContainers();
    until(
        timeout,
        () -> consumers.stream().allMatch(c -> {
          Collection<TopicPartition> assigned = c.getAssignedPartitions();
          return assigned != null && assigned.size() == partitions / consumers.size();
        }),
        () -> "listener " + id + " consumers hold " + consumers.stream()
            .map(c -> String.valueOf(c.getAssignedPartitions())).collect(Collectors.joining("; "))
            + ", expected " + partitions / consumers.size() + " partitions each");
  }

  /** Log-end offsets of every partition of the topics. */
  public static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, int partitions)
      throws Exception {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    for (int p = 0; p < partitions; p++) request.put(new TopicPartition(topic, p), OffsetSpec.latest());
    return admin.listOffsets(request).all().get().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  /** The group's committed offsets, partitions without a commit left out. */
  public static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, Long> out = new HashMap<>();
    offsets.forEach((tp, om) -> {
      if (om != null) out.put(tp, om.offset());
    });
    return out;
  }

  /**
   * Waits until the group's commits reach the log end on every partition of the topic that
   * has records; returns the end offsets.
   */
  public static Map<TopicPartition, Long> committedToEnd(
      Admin admin, String group, String topic, int partitions, Duration timeout) throws Exception {
    Map<TopicPartition, Long> end = endOffsets(admin, topic, partitions);
    until(
        timeout,
        () -> {
          Map<TopicPartition, Long> committed = committed(admin, group);
          return end.entrySet().stream()
              .allMatch(e -> e.getValue() == 0
                  || committed.getOrDefault(e.getKey(), -1L).equals(e.getValue()));
        },
        () -> {
          try {
            return "group " + group + " committed " + committed(admin, group) + ", log ends " + end;
          } catch (Exception e) {
            return "group " + group + ": " + e;
          }
        });
    return end;
  }

  /** Sum of the values. */
  public static long total(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The list [from, to). */
  public static List<Integer> range(int from, int to) {
    return java.util.stream.IntStream.range(from, to).boxed().toList();
  }
}
