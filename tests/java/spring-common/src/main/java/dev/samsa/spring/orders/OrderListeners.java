package dev.samsa.spring.orders;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/** The app's consumers. */
@Component
public class OrderListeners {
  private final OrderLedger ledger;

  public OrderListeners(OrderLedger ledger) {
    this.ledger = ledger;
  }

  /** JSON events, deserialized from the __TypeId__ header; three consumers share 12 partitions. */
  @KafkaListener(id = "orders", topics = OrdersApp.ORDERS, groupId = "orders-app", concurrency = "3")
  public void onOrder(ConsumerRecord<String, Object> record) {
    // The JSON deserializer picked the type from the __TypeId__ header (and removed it).
    Object value = record.value();
    ledger.order(
        new OrderLedger.Delivery(
            record.key(),
            value instanceof OrderEvent e ? e : null,
            record.partition(),
            record.offset(),
            value.getClass().getName(),
            Thread.currentThread().getName()));
  }

  /** Plain strings: this listener overrides the app-wide JSON value deserializer. */
  @KafkaListener(
      id = "audit",
      topics = OrdersApp.AUDIT,
      groupId = "audit-app",
      properties = "value.deserializer=org.apache.kafka.common.serialization.StringDeserializer")
  public void onAudit(ConsumerRecord<String, String> record) {
    ledger.audit(
        new OrderLedger.AuditLine(record.key(), record.value(), record.partition(), record.offset()));
  }
}
