package dev.samsa.spring.payments;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** Books payments; rejects negative ones. Also reads the dead letters back. */
@Component
public class PaymentListeners {
  private final List<Payment> attempts = new ArrayList<>();
  private final List<Payment> booked = new ArrayList<>();
  private final List<ConsumerRecord<String, Object>> deadLetters = new ArrayList<>();

  @KafkaListener(id = "payments", topics = PaymentsApp.PAYMENTS, groupId = "payments-app")
  public void book(Payment payment) {
    synchronized (this) {
      attempts.add(payment);
    }
    if (payment.amountCents() < 0) {
      throw new IllegalArgumentException(
          "negative amount " + payment.amountCents() + " in payment " + payment.seq());
    }
    synchronized (this) {
      booked.add(payment);
      notifyAll();
    }
  }

  @KafkaListener(id = "payments-dlt", topics = PaymentsApp.DLT, groupId = "payments-dlt-audit")
  public void deadLetter(ConsumerRecord<String, Object> record) {
    synchronized (this) {
      deadLetters.add(record);
      notifyAll();
    }
  }

  public synchronized List<Payment> attempts() {
    return List.copyOf(attempts);
  }

  public synchronized List<Payment> booked() {
    return List.copyOf(booked);
  }

  public synchronized List<ConsumerRecord<String, Object>> deadLetters() {
    return List.copyOf(deadLetters);
  }

  /** Waits until n payments are booked and d dead letters read; false at the deadline. */
  public synchronized boolean await(int n, int d, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (booked.size() < n || deadLetters.size() < d) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return false;
      wait(left);
    }
    return true;
  }
}
