package dev.samsa.testcontainers.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.samsa.testcontainers.SamsaContainer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.testcontainers.utility.DockerImageName;

/**
 * The other way to declare it: a {@code @Bean @ServiceConnection SamsaContainer} in a
 * {@code @TestConfiguration}, whose life Spring manages (started before the beans that need it,
 * stopped with the context).
 */
@DockerApiRequired
@SpringBootTest
@DirtiesContext
class ServiceConnectionBeanTest {

  @TestConfiguration(proxyBeanMethods = false)
  static class Containers {
    @Bean
    @ServiceConnection
    SamsaContainer samsa() {
      return new SamsaContainer(
              DockerImageName.parse(System.getProperty("samsa.image", "samsa:local")))
          .withBrokerProperty("group.initial.rebalance.delay.ms", "0");
    }
  }

  @Autowired GreetingsApplication.Greeter greeter;
  @Autowired BlockingQueue<ConsumerRecord<String, String>> received;
  @Autowired SamsaContainer samsa;
  @Autowired ApplicationContext context;

  @Test
  void aKafkaListenerReceivesWhatAKafkaTemplateSent() throws Exception {
    greeter.greet("grace", "hello from a bean");
    ConsumerRecord<String, String> record = received.poll(60, SECONDS);
    assertNotNull(record, "the @KafkaListener received nothing within 60 s");
    assertEquals("grace", record.key());
    assertEquals("hello from a bean", record.value());

    assertEquals(
        List.of(samsa.getBootstrapServers()),
        BootGeneration.bootstrapServers(context.getBean(BootGeneration.KAFKA_CONNECTION_DETAILS)));
  }
}
