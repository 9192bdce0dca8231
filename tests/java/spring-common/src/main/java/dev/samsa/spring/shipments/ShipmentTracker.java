package dev.samsa.spring.shipments;

import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/** What the dispatcher did: every attempt (with the topic it came from), dispatches, dead letters. */
@Component
public class ShipmentTracker {
  public record Attempt(String shipmentId, String topic) {}

  public record DeadLetter(Shipment shipment, String topic, String exceptionMessage) {}

  private final List<Attempt> attempts = new ArrayList<>();
  private final List<Shipment> dispatched = new ArrayList<>();
  private final List<DeadLetter> deadLetters = new ArrayList<>();

  public synchronized void attempt(Shipment s, String topic) {
    attempts.add(new Attempt(s.id(), topic));
  }

  public synchronized void dispatched(Shipment s) {
    dispatched.add(s);
    notifyAll();
  }

  public synchronized void deadLetter(Shipment s, String topic, String exceptionMessage) {
    deadLetters.add(new DeadLetter(s, topic, exceptionMessage));
    notifyAll();
  }

  public synchronized List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  public synchronized List<Shipment> dispatched() {
    return List.copyOf(dispatched);
  }

  public synchronized List<DeadLetter> deadLetters() {
    return List.copyOf(deadLetters);
  }

  /** Waits for n dispatches and d dead letters; false at the deadline. */
  public synchronized boolean await(int n, int d, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (dispatched.size() < n || deadLetters.size() < d) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return false;
      wait(left);
    }
    return true;
  }
}
