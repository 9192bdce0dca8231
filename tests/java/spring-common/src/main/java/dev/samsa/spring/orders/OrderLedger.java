package dev.samsa.spring.orders;

import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;

/** What the listeners of this app instance received, in arrival order. */
@Component
public class OrderLedger {
  /** One delivery of an order event. */
  public record Delivery(
      String key, OrderEvent event, int partition, long offset, String valueType, String thread) {}

  /** One delivery of an audit line. */
  public record AuditLine(String key, String value, int partition, long offset) {}

  private final List<Delivery> orders = new ArrayList<>();
  private final List<AuditLine> audit = new ArrayList<>();

  synchronized void order(Delivery d) {
    orders.add(d);
    notifyAll();
  }

  synchronized void audit(AuditLine line) {
    audit.add(line);
    notifyAll();
  }

  public synchronized List<Delivery> orders() {
    return List.copyOf(orders);
  }

  public synchronized List<AuditLine> audit() {
    return List.copyOf(audit);
  }

  /** Waits until at least n order deliveries arrived; false at the deadline. */
  public synchronized boolean awaitOrders(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (orders.size() < n) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return false;
      wait(left);
    }
    return true;
  }

  /** Waits until at least n audit lines arrived; false at the deadline. */
  public synchronized boolean awaitAudit(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (audit.size() < n) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return false;
      wait(left);
    }
    return true;
  }

  /** Copies, for a caller that inspects deliveries while more may come. */
  public synchronized List<Delivery> ordersSnapshot() {
    return new ArrayList<>(orders);
  }
}
