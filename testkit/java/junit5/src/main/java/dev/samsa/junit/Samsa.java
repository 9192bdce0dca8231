package dev.samsa.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real samsa broker for this test class: started before its first test (before
 * {@code @BeforeAll} methods), stopped after the last. Tests get it as a {@link
 * dev.samsa.testkit.SamsaServer} parameter (constructor, test and lifecycle methods), or its
 * bootstrap address in a {@link SamsaBootstrap} field or parameter.
 *
 * <pre>
 * &#64;Samsa(topics = "orders", partitions = 3)
 * class OrdersTest {
 *   &#64;Test
 *   void sends(SamsaServer samsa) {
 *     props.put("bootstrap.servers", samsa.bootstrapServers());
 *   }
 * }
 * </pre>
 *
 * A {@code @Nested} class without its own {@code @Samsa} uses its enclosing class's broker.
 *
 * <p>With {@code samsa.bootstrap} / {@code SAMSA_BOOTSTRAP} set, the class uses the broker
 * running at that address instead of starting one (see {@link dev.samsa.testkit.SamsaServer}):
 * topics are created there, broker properties are not applied, and it is left running.
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SamsaExtension.class)
public @interface Samsa {
  /** Topics to create once the broker answers (an existing topic is left as it is). */
  String[] topics() default {};

  /** Partitions of each topic in {@link #topics()}. */
  int partitions() default 1;

  /** Broker settings, "key=value" with Kafka's keys, e.g. "num.partitions=3". */
  String[] brokerProperties() default {};

  /** One broker per test class (the default), or one for the whole test run. */
  Scope scope() default Scope.CLASS;

  /**
   * A system property to set to the bootstrap address while the class runs (restored
   * afterwards), e.g. "spring.kafka.bootstrap-servers"; "" sets none.
   */
  String bootstrapServersProperty() default "";

  /** How long a broker lives. */
  enum Scope {
    /** Started for the test class, stopped after it. */
    CLASS,
    /**
     * Shared by every class in the run that asks for this scope with the same {@link
     * #brokerProperties()}: started by the first, stopped when the test run ends (JUnit's
     * root context closes; the JVM's end is a further guard). Each class's {@link #topics()}
     * are created on it; give each class its own topics and consumer groups.
     */
    JVM
  }
}
