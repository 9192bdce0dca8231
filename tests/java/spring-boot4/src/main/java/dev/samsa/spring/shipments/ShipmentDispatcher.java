package dev.samsa.spring.shipments;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.retrytopic.SameIntervalTopicReuseStrategy;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.stereotype.Component;
import org.springframework.kafka.annotation.BackOff;

/**
 * Dispatches shipments; one without an address fails, is retried twice through retry topics
 * (200 ms apart) and ends in the DLT. spring-kafka 4: the back-off is spring-kafka's own
 * @BackOff (spring-retry is gone).
 */
@Component
public class ShipmentDispatcher {
  private final ShipmentTracker tracker;

  public ShipmentDispatcher(ShipmentTracker tracker) {
    this.tracker = tracker;
  }

  @RetryableTopic(
      attempts = "3",
      backOff = @BackOff(delay = 200),
      sameIntervalTopicReuseStrategy = SameIntervalTopicReuseStrategy.MULTIPLE_TOPICS,
      numPartitions = "3")
  @KafkaListener(id = "dispatcher", topics = ShipmentsApp.SHIPMENTS, groupId = "dispatcher")
  public void dispatch(ConsumerRecord<String, Shipment> record) {
    Shipment shipment = record.value();
    tracker.attempt(shipment, record.topic());
    if (shipment.address() == null || shipment.address().isBlank()) {
      throw new IllegalStateException("no address for shipment " + shipment.id());
    }
    tracker.dispatched(shipment);
  }

  /** Dead letters: the failure's message is in a header the retry-topic recoverer adds. */
  @DltHandler
  public void deadLetter(ConsumerRecord<String, Shipment> record) {
    Header message = record.headers().lastHeader(KafkaHeaders.EXCEPTION_MESSAGE);
    tracker.deadLetter(
        record.value(),
        record.topic(),
        message == null ? null : new String(message.value(), StandardCharsets.UTF_8));
  }
}
