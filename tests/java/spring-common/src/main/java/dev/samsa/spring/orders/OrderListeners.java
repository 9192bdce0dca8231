package dev.samsa.spring.orders;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
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
  public void onOrder(ConsumerRecord<String, OrderEvent> record) {
    Header typeId = record.headers().lastHeader("__TypeId__");
    ledger.order(
        new OrderLedger.Delivery(
            record.key(),
            record.value(),
            record.partition(),
            record.offset(),
            typeId == null ? null : new String(typeId.value(), StandardCharsets.UTF_8),
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
