package dev.samsa.testcontainers.it;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.samsa.testcontainers.SamsaContainer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.test.annotation.DirtiesContext;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * {@code @Container @ServiceConnection static SamsaContainer}, as users write it for
 * KafkaContainer: the application's KafkaTemplate and @KafkaListener reach samsa with no
 * spring.kafka.bootstrap-servers anywhere.
 */
// @Testcontainers first, so that its afterAll (stopping the container) runs after Spring's,
// which closes the context (@DirtiesContext): the listener leaves while the broker is there.
@Testcontainers
@DockerApiRequired
@SpringBootTest
@DirtiesContext
class ServiceConnectionTest {

  @Container @ServiceConnection
  static SamsaContainer samsa =
      new SamsaContainer(DockerImageName.parse(System.getProperty("samsa.image", "samsa:local")))
          // The listener's group forms at once instead of after Kafka's 3 s default.
          .withBrokerProperty("group.initial.rebalance.delay.ms", "0");

  @Autowired GreetingsApplication.Greeter greeter;
  @Autowired BlockingQueue<ConsumerRecord<String, String>> received;
  @Autowired ApplicationContext context;
  @Autowired Environment environment;

  @Test
  void aKafkaListenerReceivesWhatAKafkaTemplateSent() throws Exception {
    greeter.greet("ada", "hello through a service connection");
    ConsumerRecord<String, String> record = received.poll(60, SECONDS);
    assertNotNull(record, "the @KafkaListener received nothing within 60 s");
    assertEquals(GreetingsApplication.TOPIC, record.topic());
    assertEquals("ada", record.key());
    assertEquals("hello through a service connection", record.value());
  }

  @Test
  void theAddressComesFromTheContainerThroughSamsasFactory() {
    assertNull(environment.getProperty("spring.kafka.bootstrap-servers"));
    List<String> expected = List.of(samsa.getBootstrapServers());

    ConnectionDetails details = context.getBean(BootGeneration.KAFKA_CONNECTION_DETAILS);
    assertEquals(BootGeneration.FACTORY_PACKAGE, details.getClass().getPackageName());
    assertEquals(expected, BootGeneration.bootstrapServers(details));

    // What Boot handed to the clients it configured: producer, consumer and admin.
    ProducerFactory<?, ?> producers = context.getBean(ProducerFactory.class);
    ConsumerFactory<?, ?> consumers = context.getBean(ConsumerFactory.class);
    KafkaAdmin admin = context.getBean(KafkaAdmin.class);
    for (Map<String, Object> config :
        List.of(
            producers.getConfigurationProperties(),
            consumers.getConfigurationProperties(),
            admin.getConfigurationProperties())) {
      assertEquals(
          expected, config.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), config::toString);
      assertEquals("PLAINTEXT", config.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG));
    }
  }
}
