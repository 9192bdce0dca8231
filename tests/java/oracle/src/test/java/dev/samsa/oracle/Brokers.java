package dev.samsa.oracle;

import dev.samsa.test.SamsaBroker;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * The one Kafka and the one samsa of this JVM, shared by all oracle test classes (a Kafka
 * start costs seconds). Both get the same cluster id and node id 1, so neither shows up as a
 * difference. Tests must use their own topic and group names: the brokers outlive them.
 */
final class Brokers {
  static final String CLUSTER_ID = Uuid.randomUuid().toString();
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
      KafkaBroker kafka = KafkaBroker.start(CLUSTER_ID, List.of());
      SamsaBroker samsa;
      try {
        samsa = SamsaBroker.builder()
            .override("cluster.id", CLUSTER_ID)
            .override("node.id", "1")
            .start();
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
