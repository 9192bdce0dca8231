package dev.samsa.testcontainers.it;

import java.util.List;
import org.springframework.boot.autoconfigure.kafka.KafkaConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;

/** What differs for the shared tests (../boot-it-common) under Spring Boot 3. */
final class BootGeneration {
  static final Class<KafkaConnectionDetails> KAFKA_CONNECTION_DETAILS =
      KafkaConnectionDetails.class;
  static final String FACTORY_PACKAGE = "dev.samsa.testcontainers.boot3";
  static final String OTHER_FACTORY_PACKAGE = "dev.samsa.testcontainers.boot4";

  static List<String> bootstrapServers(ConnectionDetails details) {
    return ((KafkaConnectionDetails) details).getBootstrapServers();
  }

  private BootGeneration() {}
}
