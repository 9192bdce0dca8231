package dev.samsa.schemaregistry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Needs no broker. tests/java/setup.sh runs it while installing, so that Surefire downloads
 * its JUnit platform provider and launcher, which it fetches only when a test runs; without
 * them the offline surefire:test of run-test.sh cannot start on a fresh machine.
 */
class SurefireProviderProbe {
  @Test
  void junitPlatformRuns() {
    assertEquals(2, 1 + 1);
  }
}
