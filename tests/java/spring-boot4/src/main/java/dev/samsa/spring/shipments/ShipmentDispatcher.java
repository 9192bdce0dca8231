package dev.samsa.spring.shipments;

import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.retrytopic.SameIntervalTopicReuseStrategy;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
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
  public void dispatch(Shipment shipment, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) {
    tracker.attempt(shipment, topic);
    if (shipment.address() == null || shipment.address().isBlank()) {
      throw new IllegalStateException("no address for shipment " + shipment.id());
    }
    tracker.dispatched(shipment);
  }

  @DltHandler
  public void deadLetter(
      Shipment shipment,
      @Header(KafkaHeaders.RECEIVED_TOPIC) String topic,
      @Header(KafkaHeaders.DLT_EXCEPTION_MESSAGE) String exceptionMessage) {
    tracker.deadLetter(shipment, topic, exceptionMessage);
  }
}
