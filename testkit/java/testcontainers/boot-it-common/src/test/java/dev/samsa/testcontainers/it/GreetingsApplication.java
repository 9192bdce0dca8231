package dev.samsa.testcontainers.it;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * A small Spring Boot application that uses Kafka the ordinary way: a {@link KafkaTemplate} to
 * send, a {@link KafkaListener} to receive. Its configuration (application.properties) names no
 * broker: in the tests the address comes from {@code @ServiceConnection} alone.
 */
@SpringBootApplication
public class GreetingsApplication {

  public static final String TOPIC = "greetings";

  /** Created by Boot's KafkaAdmin at start-up: the admin client is configured too. */
  @Bean
  NewTopic greetingsTopic() {
    return TopicBuilder.name(TOPIC).partitions(1).replicas(1).build();
  }

  /** What the listener received, for the tests to take. */
  @Bean
  BlockingQueue<ConsumerRecord<String, String>> received() {
    return new LinkedBlockingQueue<>();
  }

  @Component
  static class Greeter {
    private final KafkaTemplate<String, String> template;

    Greeter(KafkaTemplate<String, String> template) {
      this.template = template;
    }

    void greet(String who, String greeting) throws Exception {
      template.send(TOPIC, who, greeting).get();
    }
  }

  @Component
  static class GreetingListener {
    private final BlockingQueue<ConsumerRecord<String, String>> received;

    GreetingListener(BlockingQueue<ConsumerRecord<String, String>> received) {
      this.received = received;
    }

    @KafkaListener(topics = TOPIC, groupId = "greetings-it")
    void onGreeting(ConsumerRecord<String, String> record) {
      received.add(record);
    }
  }
}
