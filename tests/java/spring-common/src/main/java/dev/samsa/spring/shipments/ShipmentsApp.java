package dev.samsa.spring.shipments;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.EnableKafkaRetryTopic;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Non-blocking retries: the dispatcher listener (ShipmentDispatcher, one per Spring
 * generation since @RetryableTopic's back-off annotation differs) retries a failing shipment
 * through retry topics, then hands it to its @DltHandler.
 */
@SpringBootApplication
@EnableKafkaRetryTopic
public class ShipmentsApp {
  public static final String SHIPMENTS = "shipments";
  /** Topic names Spring derives with attempts = 3 and one topic per retry. */
  public static final String RETRY_0 = SHIPMENTS + "-retry-0";
  public static final String RETRY_1 = SHIPMENTS + "-retry-1";
  public static final String DLT = SHIPMENTS + "-dlt";

  public static void main(String[] args) {
    SpringApplication.run(ShipmentsApp.class, args);
  }

  /** Retry topics are consumed after a delay, which needs a scheduler. */
  @Bean
  TaskScheduler retryScheduler() {
    return new ThreadPoolTaskScheduler();
  }

  @Bean
  NewTopic shipmentsTopic() {
    return TopicBuilder.name(SHIPMENTS).partitions(3).replicas(1).build();
  }
}
