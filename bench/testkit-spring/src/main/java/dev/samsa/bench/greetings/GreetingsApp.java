package dev.samsa.bench.greetings;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** The smallest app a Kafka test exercises: a KafkaTemplate and one @KafkaListener. */
@SpringBootApplication
public class GreetingsApp {
  public static final String TOPIC = "greetings";

  /** What the listener received, for the test to wait on. */
  @Bean
  BlockingQueue<String> inbox() {
    return new LinkedBlockingQueue<>();
  }

  @Component
  static class GreetingsListener {
    private final BlockingQueue<String> inbox;

    GreetingsListener(BlockingQueue<String> inbox) {
      this.inbox = inbox;
    }

    @KafkaListener(topics = TOPIC)
    void on(String greeting) {
      inbox.add(greeting);
    }
  }
}
