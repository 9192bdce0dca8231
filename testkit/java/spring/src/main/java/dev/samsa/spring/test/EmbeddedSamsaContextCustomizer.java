package dev.samsa.spring.test;

import dev.samsa.testkit.SamsaServer;
import dev.samsa.testkit.SamsaServerOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Starts the broker of one application context and hands it to the context: a bean, a
 * property source, and a destroy callback. Equal to another exactly when the annotations'
 * values are equal, so that Spring's context cache shares a context (and its broker)
 * between test classes with the same configuration and not otherwise.
 */
public final class EmbeddedSamsaContextCustomizer implements ContextCustomizer {
  /** The bean name of the broker. */
  public static final String BEAN_NAME = "samsaServer";
  /** The property {@code @EmbeddedKafka} sets, set here too so that code written for it works. */
  public static final String EMBEDDED_KAFKA_BROKERS = "spring.embedded.kafka.brokers";
  /** The name of the property source with the bootstrap address. */
  public static final String PROPERTY_SOURCE = "embeddedSamsa";

  private final List<String> topics;
  private final int partitions;
  private final List<String> brokerProperties;
  private final String bootstrapServersProperty;

  EmbeddedSamsaContextCustomizer(EmbeddedSamsa samsa) {
    this(List.of(samsa.topics()), samsa.partitions(), List.of(samsa.brokerProperties()),
        samsa.bootstrapServersProperty());
  }

  EmbeddedSamsaContextCustomizer(
      List<String> topics, int partitions, List<String> brokerProperties, String bootstrapServersProperty) {
    this.topics = List.copyOf(topics);
    this.partitions = partitions;
    this.brokerProperties = List.copyOf(brokerProperties);
    this.bootstrapServersProperty = bootstrapServersProperty;
  }

  @Override
  public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
    ConfigurableEnvironment env = context.getEnvironment();
    SamsaServerOptions.Builder options = SamsaServerOptions.builder();
    for (String p : brokerProperties) options.brokerProperty(env.resolveRequiredPlaceholders(p));
    for (String t : topics) {
      for (String name : env.resolveRequiredPlaceholders(t).split(",")) {
        if (!name.isBlank()) options.topic(name.trim(), partitions);
      }
    }
    SamsaServer server = SamsaServer.start(options.build());

    ConfigurableListableBeanFactory beans = context.getBeanFactory();
    beans.registerSingleton(BEAN_NAME, server);
    // Registered before any bean of the application exists, so destroyed after all of them:
    // listeners and producers close while their broker still answers.
    if (beans instanceof DefaultSingletonBeanRegistry) {
      ((DefaultSingletonBeanRegistry) beans).registerDisposableBean(BEAN_NAME, server::close);
    } else {
      context.addApplicationListener(event -> {
        if (event instanceof ContextClosedEvent && ((ContextClosedEvent) event).getApplicationContext() == context) {
          server.close();
        }
      });
    }

    Map<String, Object> properties = new LinkedHashMap<>();
    if (!bootstrapServersProperty.isEmpty()) properties.put(bootstrapServersProperty, server.bootstrapServers());
    properties.put(EMBEDDED_KAFKA_BROKERS, server.bootstrapServers());
    env.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, properties));
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof EmbeddedSamsaContextCustomizer)) return false;
    EmbeddedSamsaContextCustomizer other = (EmbeddedSamsaContextCustomizer) o;
    return partitions == other.partitions && topics.equals(other.topics)
        && brokerProperties.equals(other.brokerProperties)
        && bootstrapServersProperty.equals(other.bootstrapServersProperty);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topics, partitions, brokerProperties, bootstrapServersProperty);
  }

  @Override
  public String toString() {
    return "EmbeddedSamsa{topics=" + topics + ", partitions=" + partitions + ", brokerProperties="
        + brokerProperties + ", bootstrapServersProperty=" + bootstrapServersProperty + "}";
  }
}
