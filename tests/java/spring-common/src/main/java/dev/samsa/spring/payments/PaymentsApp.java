package dev.samsa.spring.payments;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Payments: a listener that throws on a poison record. Boot wires the CommonErrorHandler bean
 * into its listener container factory: two quick retries, then the record goes to
 * payments.DLT (same partition as the original) and the listener moves on.
 */
@SpringBootApplication
public class PaymentsApp {
  public static final String PAYMENTS = "payments";
  public static final String DLT = PAYMENTS + ".DLT";
  public static final int PARTITIONS = 3;
  /** Deliveries of a failing record: the first one and two retries. */
  public static final int ATTEMPTS = 3;

  public static void main(String[] args) {
    SpringApplication.run(PaymentsApp.class, args);
  }

  @Bean
  NewTopic paymentsTopic() {
    return TopicBuilder.name(PAYMENTS).partitions(PARTITIONS).replicas(1).build();
  }

  /** The recoverer keeps the original partition, so the DLT has as many partitions. */
  @Bean
  NewTopic paymentsDeadLetterTopic() {
    return TopicBuilder.name(DLT).partitions(PARTITIONS).replicas(1).build();
  }

  /**
   * Dead letters go to "<topic>.DLT", same partition (spring-kafka's own default would be
   * "<topic>-dlt").
   */
  @Bean
  CommonErrorHandler errorHandler(KafkaOperations<Object, Object> template) {
    DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(
        template, (record, ex) -> new TopicPartition(record.topic() + ".DLT", record.partition()));
    return new DefaultErrorHandler(recoverer, new FixedBackOff(100L, ATTEMPTS - 1));
  }
}
