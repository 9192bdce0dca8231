package dev.samsa.test;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition in a test that drives another process (a Connect worker, a
 * schema registry): polls every 200 ms, and fails at once when that process died rather
 * than waiting out the deadline, with what the test last saw.
 */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(200);

  private Await() {}

  /**
   * Returns once {@code done} holds; throws AssertionError after {@code wait}, or as soon
   * as {@code death} answers a reason (the process under test exited; null while it
   * runs). Both messages name {@code what}; the timeout's adds {@code seen}.
   */
  public static void until(Duration wait, String what, BooleanSupplier done,
      Supplier<String> seen, Supplier<String> death) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!done.getAsBoolean()) {
      String died = death.get();
      if (died != null) throw new AssertionError(died + " while awaiting: " + what);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + wait + ": " + what + "\nlast seen: " + seen.get());
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** The last {@code lines} lines of {@code text}, for failure messages. */
  public static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
