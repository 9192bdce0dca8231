package dev.samsa.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One subscribed consumer polling on its own thread (KafkaConsumer is single-threaded), as
 * an application's poll loop does. Tests read what it owns and what it received, and run
 * calls on its thread with {@link #call}.
 */
final class GroupMember implements AutoCloseable {
  final String name;
  private final KafkaConsumer<String, String> consumer;
  private final Thread thread;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final List<ConsumerRecord<String, String>> received =
      Collections.synchronizedList(new ArrayList<>());
  private volatile Set<Integer> owned = Set.of();
  private volatile boolean running = true;
  private volatile Throwable failure;
  private volatile int revocations;

  GroupMember(String name, Properties props, String topic) {
    this.name = name;
    this.consumer = new KafkaConsumer<>(props);
    this.thread = new Thread(() -> loop(topic), "member-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void loop(String topic) {
    try {
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          if (!partitions.isEmpty()) revocations++;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
      });
      while (running) {
        Runnable task;
        while ((task = tasks.poll()) != null) task.run();
        consumer.poll(Duration.ofMillis(100)).forEach(received::add);
        Set<Integer> now = new TreeSet<>();
        for (TopicPartition tp : consumer.assignment()) now.add(tp.partition());
        owned = Collections.unmodifiableSet(now);
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      try {
        consumer.close(Duration.ofSeconds(20));
      } catch (Throwable t) {
        if (failure == null) failure = t;
      }
      owned = Set.of();
    }
  }

  /** The partition numbers this member owns after its latest poll. */
  Set<Integer> owned() {
    return owned;
  }

  int revocations() {
    return revocations;
  }

  List<ConsumerRecord<String, String>> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  Throwable failure() {
    return failure;
  }

  /** Runs fn on the polling thread between two polls; bounded. */
  <T> T call(Function<KafkaConsumer<String, String>, T> fn) {
    CompletableFuture<T> f = new CompletableFuture<>();
    tasks.add(() -> {
      try {
        f.complete(fn.apply(consumer));
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new RuntimeException(name + ": " + e, e);
    }
  }

  /** Stops polling and closes the consumer (a clean leave); waits for it. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) throw new IllegalStateException(name + ": consumer did not close in 30 s");
  }

  @Override
  public String toString() {
    return name + owned + (failure != null ? " failed: " + failure : "");
  }
}
