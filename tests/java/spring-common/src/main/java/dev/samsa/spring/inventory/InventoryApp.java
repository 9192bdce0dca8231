package dev.samsa.spring.inventory;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Topics as code: KafkaAdmin creates them at startup and, when they already exist, adds
 * partitions and (spring.kafka.admin.modify-topic-configs=true) alters their configs to
 * match. The partition count and retention come from application.properties (inventory.*).
 */
@SpringBootApplication
public class InventoryApp {
  public static final String MOVEMENTS = "inventory.movements";
  public static final String SNAPSHOTS = "inventory.snapshots";
  public static final String RESERVATIONS = "inventory.reservations";

  public static void main(String[] args) {
    SpringApplication.run(InventoryApp.class, args);
  }

  @Bean
  NewTopic movements(
      @Value("${inventory.movements.partitions}") int partitions,
      @Value("${inventory.movements.retention-ms}") long retentionMs) {
    return TopicBuilder.name(MOVEMENTS)
        .partitions(partitions)
        .replicas(1)
        .config(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs))
        .config(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)
        .build();
  }

  /** Several topics in one bean, as KafkaAdmin.NewTopics. */
  @Bean
  KafkaAdmin.NewTopics stateTopics(
      @Value("${inventory.snapshots.segment-bytes}") int segmentBytes) {
    return new KafkaAdmin.NewTopics(
        TopicBuilder.name(SNAPSHOTS)
            .partitions(2)
            .replicas(1)
            .compact()
            .config(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(segmentBytes))
            .build(),
        TopicBuilder.name(RESERVATIONS).partitions(1).build());
  }
}
