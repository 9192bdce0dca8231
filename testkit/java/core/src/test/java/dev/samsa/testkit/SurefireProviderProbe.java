package dev.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Needs no broker. tests/java/setup.sh installs this project with -Dtest=SurefireProviderProbe:
 * running one test makes Surefire download its JUnit platform provider and launcher, which
 * the offline runs of tests/java/run-test.sh need (the other modules share them).
 */
class SurefireProviderProbe {
  @Test
  void junitPlatformRuns() {
    assertEquals(2, 1 + 1);
  }
}
