package dev.samsa.oracle;

import dev.samsa.test.SamsaBroker;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The one Kafka and the one samsa of this JVM, shared by all oracle test classes (a Kafka
 * start costs seconds). Both get the same cluster id and node id 1, so neither shows up as a
 * difference. Tests must use their own topic and group names: the brokers outlive them.
 */
final class Brokers {
  static final String CLUSTER_ID = Uuid.randomUuid().toString();
  /**
   * Broker settings both get (server.properties lines for Kafka, --override for samsa).
   * log.cleaner.backoff.ms: the log cleaner looks for work every 100 ms instead of every 15 s,
   * so that CompactionOracleTest sees its topics cleaned within a second or two. Only
   * compacted topics are affected. Settings given here are STATIC_BROKER_CONFIG on both
   * sides, which the broker-config comparisons leave out (ConsolesOracleTest).
   */
  static final Map<String, String> SETTINGS = Map.of("log.cleaner.backoff.ms", "100");
  private static Brokers instance;

  final SamsaBroker samsa;
  final KafkaBroker kafka;

  private Brokers(SamsaBroker samsa, KafkaBroker kafka) {
    this.samsa = samsa;
    this.kafka = kafka;
  }

  static synchronized Brokers get() {
    if (instance == null) {
      long t0 = System.nanoTime();
      KafkaBroker kafka = KafkaBroker.start(CLUSTER_ID,
          SETTINGS.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
      SamsaBroker samsa;
      try {
        SamsaBroker.Builder builder = SamsaBroker.builder()
            .override("cluster.id", CLUSTER_ID)
            .override("node.id", "1");
        SETTINGS.forEach(builder::override);
        samsa = builder.start();
      } catch (RuntimeException e) {
        kafka.close();
        throw e;
      }
      instance = new Brokers(samsa, kafka);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        samsa.close();
        kafka.close();
      }));
      System.out.printf("oracle: Kafka on 127.0.0.1:%d, samsa on %s (cluster id %s), %d ms%n",
          kafka.port(), samsa.bootstrap(), CLUSTER_ID, (System.nanoTime() - t0) / 1_000_000);
    }
    return instance;
  }
}
