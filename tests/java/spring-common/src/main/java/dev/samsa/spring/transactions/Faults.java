package dev.samsa.spring.transactions;

import java.util.HashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Failures to inject: the next n settlements of a transfer throw (a downstream check that is
 * briefly unavailable), then it goes through.
 */
@Component
public class Faults {
  private final Map<String, Integer> remaining = new HashMap<>();

  public synchronized void failNext(String transferId, int times) {
    remaining.put(transferId, times);
  }

  /** Throws if a failure is still due for the transfer (and counts it down). */
  public synchronized void check(String transferId) {
    Integer left = remaining.get(transferId);
    if (left != null && left > 0) {
      remaining.put(transferId, left - 1);
      throw new IllegalStateException(
          "settlement check unavailable for " + transferId + " (" + (left - 1) + " more failures due)");
    }
  }
}
