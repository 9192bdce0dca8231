package dev.samsa.spring.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A real samsa broker for the Spring test application context of the annotated class, in
 * place of spring-kafka-test's {@code @EmbeddedKafka}:
 *
 * <pre>
 * &#64;SpringBootTest
 * &#64;EmbeddedSamsa(topics = "orders", partitions = 3)
 * class OrdersTest { ... }
 * </pre>
 *
 * The broker starts before the context is refreshed, so the application's beans already
 * see it: {@link #bootstrapServersProperty()} (default {@code spring.kafka.bootstrap-servers})
 * and {@code spring.embedded.kafka.brokers} name it in the context's Environment. It is the
 * bean {@code samsaServer} ({@link dev.samsa.testkit.SamsaServer}, for {@code @Autowired}),
 * and stops when the context closes, after the application's beans. Spring's test context
 * cache shares one context, and so one broker, between test classes with the same
 * configuration (this annotation's values included).
 *
 * <p>Topic names and broker properties may hold {@code ${...}} placeholders, resolved
 * against the context's Environment.
 *
 * <p>With {@code samsa.bootstrap} / {@code SAMSA_BOOTSTRAP} set, the context uses the broker
 * running at that address instead of starting one (see {@link dev.samsa.testkit.SamsaServer}):
 * topics are created there, broker properties are not applied, and it is left running.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface EmbeddedSamsa {
  /** Topics to create before the context starts. */
  String[] topics() default {};

  /** Partitions of each topic in {@link #topics()}; 2 as with {@code @EmbeddedKafka}. */
  int partitions() default 2;

  /** Broker settings, "key=value" with Kafka's keys, e.g. "num.partitions=3". */
  String[] brokerProperties() default {};

  /**
   * The Environment property that gets the bootstrap address ("" for none; {@code
   * spring.embedded.kafka.brokers} always gets it).
   */
  String bootstrapServersProperty() default "spring.kafka.bootstrap-servers";
}
