package dev.samsa.testcontainers;

import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Ready once samsa logged its start-up line ("samsa 0.1.0 started in 1.2 ms: ..."), which it
 * writes after its listeners are bound and its {@code KAFKA_CREATE_TOPICS} exist. Unlike a log
 * message wait it gives up as soon as the container exits (a configuration samsa refuses ends
 * it at once), with the container's log in the message. Needs no shell in the image and no
 * healthcheck runner in the engine.
 */
public class SamsaStartedWaitStrategy extends AbstractWaitStrategy {

  private static final Pattern STARTED = Pattern.compile("(?m)\\bsamsa \\S+ started in ");
  private static final Duration POLL = Duration.ofMillis(50);

  @Override
  protected void waitUntilReady() {
    Instant deadline = Instant.now().plus(startupTimeout);
    for (; ; ) {
      String logs = waitStrategyTarget.getLogs();
      if (STARTED.matcher(logs).find()) return;
      if (!waitStrategyTarget.isRunning()) {
        throw new ContainerLaunchException(
            "samsa exited before it started; its log:\n" + waitStrategyTarget.getLogs());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new ContainerLaunchException(
            "samsa did not start within " + startupTimeout.toMillis() + " ms; its log:\n" + logs);
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ContainerLaunchException("interrupted while waiting for samsa to start", e);
      }
    }
  }
}
