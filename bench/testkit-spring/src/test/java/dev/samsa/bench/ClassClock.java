package dev.samsa.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Notes when a test class starts, before Spring builds its context (and with it the
 * broker): FirstRecordCase declares this extension on its superclass so JUnit runs it
 * ahead of the SpringExtension.
 */
public final class ClassClock implements BeforeAllCallback {
  private static final Map<Class<?>, Long> STARTS = new ConcurrentHashMap<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    STARTS.put(context.getRequiredTestClass(), System.nanoTime());
  }

  static long startOf(Class<?> testClass) {
    Long start = STARTS.get(testClass);
    if (start == null) throw new IllegalStateException("no start noted for " + testClass);
    return start;
  }
}
