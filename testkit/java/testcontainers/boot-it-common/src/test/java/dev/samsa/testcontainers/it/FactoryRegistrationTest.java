package dev.samsa.testcontainers.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.samsa.testcontainers.SamsaContainer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetails;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactories;
import org.springframework.boot.autoconfigure.service.connection.ConnectionDetailsFactory;
import org.springframework.boot.testcontainers.service.connection.ContainerConnectionSource;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * How Boot finds samsa's factory, without Docker: samsa-testcontainers lists one factory per Boot
 * generation in META-INF/spring.factories, and this generation's Boot must take its own and
 * leave the other one out quietly. setup.sh runs this class alone.
 */
class FactoryRegistrationTest {

  @Test
  void bothGenerationsAreListed() {
    List<String> names =
        SpringFactoriesLoader.loadFactoryNames(
            ConnectionDetailsFactory.class, getClass().getClassLoader());
    for (String factoryPackage :
        List.of(BootGeneration.FACTORY_PACKAGE, BootGeneration.OTHER_FACTORY_PACKAGE)) {
      String factory = factoryPackage + ".SamsaContainerConnectionDetailsFactory";
      assertTrue(names.contains(factory), names::toString);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aSamsaContainerGetsThisGenerationsKafkaConnectionDetailsAndNothingElse() {
    // Boot's registry of every factory on the class path, as @ServiceConnection builds it:
    // loading it must survive the other generation's factory.
    ConnectionDetailsFactories factories =
        new ConnectionDetailsFactories(getClass().getClassLoader());

    // A @ServiceConnection SamsaContainer field, as far as factories can tell.
    ContainerConnectionSource<SamsaContainer> source = mock(ContainerConnectionSource.class);
    when(source.accepts(any(), eq(SamsaContainer.class), any())).thenReturn(true);

    Map<Class<?>, ConnectionDetails> details = factories.getConnectionDetails(source, true);
    assertEquals(List.of(BootGeneration.KAFKA_CONNECTION_DETAILS), List.copyOf(details.keySet()));
    ConnectionDetails kafka = details.get(BootGeneration.KAFKA_CONNECTION_DETAILS);
    assertEquals(BootGeneration.FACTORY_PACKAGE, kafka.getClass().getPackageName());
  }
}
