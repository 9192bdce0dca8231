package dev.samsa.spring.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Needs no broker. The modules' poms run it in the test phase, so that `install` (which
 * tests/java/setup.sh runs with a filter matching no test) makes Surefire download its JUnit
 * platform provider and launcher; without them, the offline surefire:test of run-test.sh fails.
 */
class SurefireProviderProbe {
  @Test
  void junitPlatformRuns() {
    assertEquals(2, 1 + 1);
  }
}
