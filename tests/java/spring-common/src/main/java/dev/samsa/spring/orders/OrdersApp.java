package dev.samsa.spring.orders;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Orders: JSON events on a 12-partition topic consumed by a listener with concurrency 3, and
 * plain-text audit lines sent through a second, String-valued KafkaTemplate. Declaring a
 * KafkaTemplate turns Boot's own off, so the app declares both.
 */
@SpringBootApplication
public class OrdersApp {
  public static final String ORDERS = "orders";
  public static final String AUDIT = "audit";

  public static void main(String[] args) {
    SpringApplication.run(OrdersApp.class, args);
  }

  /** Replication factor 3 as a production app would ask; a single broker has to clamp it. */
  @Bean
  NewTopic ordersTopic() {
    return new NewTopic(ORDERS, 12, (short) 3);
  }

  @Bean
  NewTopic auditTopic() {
    return TopicBuilder.name(AUDIT).partitions(2).replicas(1).build();
  }

  /** JSON values (the serializer comes from application.properties). */
  @Bean
  KafkaTemplate<String, Object> kafkaTemplate(ProducerFactory<String, Object> producerFactory) {
    return new KafkaTemplate<>(producerFactory);
  }

  /** Same producer settings, plain-string values. */
  @Bean
  KafkaTemplate<String, String> stringTemplate(ProducerFactory<String, String> producerFactory) {
    return new KafkaTemplate<>(
        producerFactory,
        Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
  }
}
