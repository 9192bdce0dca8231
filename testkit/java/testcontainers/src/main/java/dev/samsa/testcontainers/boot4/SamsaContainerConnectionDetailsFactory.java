package dev.samsa.testcontainers.boot4;

import dev.samsa.testcontainers.SamsaContainer;
import java.util.List;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;

/**
 * Spring Boot 4's {@code @ServiceConnection} for {@link SamsaContainer}: {@code
 * spring.kafka.bootstrap-servers} (and the consumer's, producer's, admin's and streams') from
 * {@link SamsaContainer#getBootstrapServers()}, as Boot does for its own Kafka containers. Boot
 * 4 reads it through spring-boot-kafka (spring-boot-starter-kafka), whose {@code
 * KafkaConnectionDetails} this implements.
 *
 * <p>The same code as its Boot 3 twin ({@code dev.samsa.testcontainers.boot3}) but for that
 * interface's package; under Boot 3 this one names an interface that does not exist, and Boot's
 * loader leaves it out.
 */
final class SamsaContainerConnectionDetailsFactory
    extends ContainerConnectionDetailsFactory<SamsaContainer, KafkaConnectionDetails> {

  // By name: under the other generation the class does not exist.
  private static final String KAFKA_CONNECTION_DETAILS =
      "org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails";

  SamsaContainerConnectionDetailsFactory() {
    super(ANY_CONNECTION_NAME, KAFKA_CONNECTION_DETAILS);
  }

  @Override
  protected KafkaConnectionDetails getContainerConnectionDetails(
      ContainerConnectionSource<SamsaContainer> source) {
    return new SamsaConnectionDetails(source);
  }

  private static final class SamsaConnectionDetails
      extends ContainerConnectionDetails<SamsaContainer> implements KafkaConnectionDetails {

    private SamsaConnectionDetails(ContainerConnectionSource<SamsaContainer> source) {
      super(source);
    }

    @Override
    public List<String> getBootstrapServers() {
      return List.of(getContainer().getBootstrapServers());
    }

    // The container's listener is plaintext, whatever spring.kafka.security.protocol and
    // spring.kafka.ssl say for the real cluster. (Public here: ContainerConnectionDetails has a
    // protected getSslBundle() of its own.)
    @Override
    public SslBundle getSslBundle() {
      return null;
    }

    @Override
    public String getSecurityProtocol() {
      return "PLAINTEXT";
    }
  }
}
