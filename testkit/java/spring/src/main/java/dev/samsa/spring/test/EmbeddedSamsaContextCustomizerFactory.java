package dev.samsa.spring.test;

import java.util.List;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.TestContextAnnotationUtils;

/**
 * Finds {@link EmbeddedSamsa} on a test class (its superclasses and, for {@code @Nested}
 * classes, its enclosing classes included). Registered in META-INF/spring.factories.
 */
public class EmbeddedSamsaContextCustomizerFactory implements ContextCustomizerFactory {
  @Override
  public ContextCustomizer createContextCustomizer(
      Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
    EmbeddedSamsa samsa = TestContextAnnotationUtils.findMergedAnnotation(testClass, EmbeddedSamsa.class);
    return samsa == null ? null : new EmbeddedSamsaContextCustomizer(samsa);
  }
}
