package dev.samsa.clients;

import static org.junit.jupiter.api.Assertions.fail;

import dev.samsa.test.SamsaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small helpers shared by the client tests: client settings, names, bounded waits. */
final class Kit {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String RUN = Long.toString(System.nanoTime() % 100000, 36);

  private Kit() {}

  /**
   * The kafka-clients version on the classpath, e.g. "3.9.1": what AppInfoParser.getVersion()
   * answers, read from the same resource (AppInfoParser moved to an internal package in 4.x).
   */
  static String clientVersion() {
    try (java.io.InputStream in =
        KafkaProducer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("kafka-clients has no kafka/kafka-version.properties", e);
    }
  }

  static int clientMajor() {
    return Integer.parseInt(clientVersion().split("\\.")[0]);
  }

  /** For @EnabledIf: tests of what only the 4.x client does (e.g. group.protocol=consumer). */
  static boolean atLeastKafka4() {
    return clientMajor() >= 4;
  }

  /** A topic or group name no other test uses. */
  static String unique(String prefix) {
    return prefix + "-" + RUN + "-" + SEQ.incrementAndGet();
  }

  /** Producer settings: the client's defaults (idempotent, acks=all) plus String serdes. */
  static Properties producerProps(SamsaBroker broker) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return p;
  }

  static KafkaProducer<String, String> producer(SamsaBroker broker) {
    return new KafkaProducer<>(producerProps(broker));
  }

  static KafkaProducer<String, String> producer(SamsaBroker broker, Map<String, String> extra) {
    Properties p = producerProps(broker);
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  /** Consumer settings: client defaults plus String serdes, earliest reset, a group if given. */
  static Properties consumerProps(SamsaBroker broker, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    if (group != null) p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return p;
  }

  static KafkaConsumer<String, String> consumer(SamsaBroker broker, String group) {
    return new KafkaConsumer<>(consumerProps(broker, group));
  }

  static Admin admin(SamsaBroker broker) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
    return Admin.create(p);
  }

  static void createTopic(Admin admin, String name, int partitions) {
    createTopic(admin, name, partitions, Map.of());
  }

  static void createTopic(Admin admin, String name, int partitions, Map<String, String> configs) {
    get(admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all());
  }

  /** The future's value within 30 s; its failure cause is rethrown as it is (unwrapped). */
  static <T> T get(KafkaFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) throw (RuntimeException) cause;
      throw new RuntimeException(cause);
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /** The exception a future fails with (unwrapped); fails the test if it succeeds. */
  static Throwable failure(KafkaFuture<?> future) {
    try {
      Object v = future.get(30, TimeUnit.SECONDS);
      return fail("expected a failure, got " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /** Waits (polling every 50 ms) until the condition holds; fails with the detail after the timeout. */
  static void await(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + timeout + " waiting for " + what + ": " + detail.get());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RuntimeException(e);
      }
    }
  }

  /**
   * Every record of the given partitions from their beginning, by an assigned consumer (no
   * group), polling until exactly {@code expected} arrived (bounded), then one more poll that
   * must bring nothing more.
   */
  static List<ConsumerRecord<String, String>> readAll(
      SamsaBroker broker, Collection<TopicPartition> partitions, int expected) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer(broker, null)) {
      c.assign(partitions);
      c.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      if (out.size() < expected) {
        fail("read " + out.size() + " of " + expected + " records from " + partitions);
      }
      c.poll(Duration.ofMillis(200)).forEach(out::add);
    }
    return out;
  }

  static List<TopicPartition> partitions(String topic, int count) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < count; i++) tps.add(new TopicPartition(topic, i));
    return tps;
  }

  /** A compact broker log tail for assertion messages. */
  static String logTail(SamsaBroker broker) {
    String log = broker.log();
    return log.length() > 4000 ? "..." + log.substring(log.length() - 4000) : log;
  }
}
