package dev.samsa.spring.transactions;

import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Transfers with Kafka transactions, configured by properties alone (the "transactions"
 * profile: application-transactions.properties): spring.kafka.producer.transaction-id-prefix
 * makes Boot's KafkaTemplate transactional and adds a KafkaTransactionManager, which Boot also
 * gives the listener container factory; spring.kafka.consumer.isolation-level=read_committed.
 * Run it with --spring.profiles.active=transactions.
 */
@SpringBootApplication
public class TransfersApp {
  public static final String TRANSFERS = "tx-transfers";
  public static final String POSTINGS = "tx-postings";
  public static final String JOURNAL = "tx-journal";
  public static final String PAYOUTS = "tx-payouts";
  public static final int PARTITIONS = 3;
  /** Retries of a failing record (after the first delivery), 100 ms apart. */
  public static final int RETRIES = 4;

  public static void main(String[] args) {
    SpringApplication.run(TransfersApp.class, args);
  }

  @Bean
  NewTopic transfersTopic() {
    return TopicBuilder.name(TRANSFERS).partitions(PARTITIONS).replicas(1).build();
  }

  @Bean
  NewTopic postingsTopic() {
    return TopicBuilder.name(POSTINGS).partitions(PARTITIONS).replicas(1).build();
  }

  @Bean
  NewTopic journalTopic() {
    return TopicBuilder.name(JOURNAL).partitions(2).replicas(1).build();
  }

  @Bean
  NewTopic payoutsTopic() {
    return TopicBuilder.name(PAYOUTS).partitions(2).replicas(1).build();
  }

  /**
   * A failed record is retried in place: the error handler seeks back (after 100 ms) and the
   * container rolls the record's transaction back, so the record comes again.
   */
  @Bean
  CommonErrorHandler errorHandler() {
    return new DefaultErrorHandler(new FixedBackOff(100L, RETRIES));
  }
}
