package dev.samsa.spring.quotes;

import java.time.Duration;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;

/**
 * Request/reply over Kafka: a ReplyingKafkaTemplate sends QuoteRequests and waits for the
 * Quote that the pricing listener returns (@SendTo: the reply goes to the topic named in the
 * request's REPLY_TOPIC header).
 */
@SpringBootApplication
public class QuotesApp {
  public static final String REQUESTS = "quotes.requests";
  public static final String REPLIES = "quotes.replies";

  public static void main(String[] args) {
    SpringApplication.run(QuotesApp.class, args);
  }

  @Bean
  NewTopic quoteRequests() {
    return TopicBuilder.name(REQUESTS).partitions(3).replicas(1).build();
  }

  @Bean
  NewTopic quoteReplies() {
    return TopicBuilder.name(REPLIES).partitions(3).replicas(1).build();
  }

  /**
   * Declaring the ReplyingKafkaTemplate (a KafkaTemplate) turns Boot's KafkaTemplate off; Boot's
   * listener container factory sends the @SendTo replies through the unique (or primary)
   * KafkaTemplate<Object, Object>: this one.
   */
  @Bean
  @Primary
  KafkaTemplate<Object, Object> kafkaTemplate(ProducerFactory<Object, Object> producerFactory) {
    return new KafkaTemplate<>(producerFactory);
  }

  @Bean
  ConcurrentMessageListenerContainer<String, Object> repliesContainer(
      ConcurrentKafkaListenerContainerFactory<String, Object> factory) {
    ConcurrentMessageListenerContainer<String, Object> container = factory.createContainer(REPLIES);
    container.getContainerProperties().setGroupId("quotes-client");
    container.setAutoStartup(false); // the ReplyingKafkaTemplate starts it
    return container;
  }

  @Bean
  ReplyingKafkaTemplate<String, Object, Object> replyingTemplate(
      ProducerFactory<String, Object> producerFactory,
      ConcurrentMessageListenerContainer<String, Object> repliesContainer) {
    ReplyingKafkaTemplate<String, Object, Object> template =
        new ReplyingKafkaTemplate<>(producerFactory, repliesContainer);
    template.setDefaultReplyTimeout(Duration.ofSeconds(15));
    return template;
  }
}
