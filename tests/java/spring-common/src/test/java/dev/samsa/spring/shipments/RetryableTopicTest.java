package dev.samsa.spring.shipments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * ShipmentsApp: @RetryableTopic (attempts 3, one topic per retry) sends a failing shipment
 * through shipments-retry-0 and shipments-retry-1 to shipments-dlt and its @DltHandler; the
 * shipments around it are dispatched once each.
 */
@SpringBootTest(classes = ShipmentsApp.class)
@EmbeddedSamsa // one broker for this class's context; the app's NewTopic beans make its topics
@DirtiesContext // the app, then its broker, stop after the class
class RetryableTopicTest {
  private static final Duration WAIT = Duration.ofSeconds(40);

  @Autowired SamsaServer samsa;
  @Autowired KafkaTemplate<String, Object> template;
  @Autowired ShipmentTracker tracker;

  @Test
  void failingShipmentGoesThroughTheRetryTopicsToTheDlt() throws Exception {
    template.send(ShipmentsApp.SHIPMENTS, "s-1", new Shipment("s-1", "1 Main St")).get(20, TimeUnit.SECONDS);
    template.send(ShipmentsApp.SHIPMENTS, "s-2", new Shipment("s-2", "")).get(20, TimeUnit.SECONDS);
    template.send(ShipmentsApp.SHIPMENTS, "s-3", new Shipment("s-3", "3 Side St")).get(20, TimeUnit.SECONDS);

    assertTrue(tracker.await(2, 1, WAIT.toMillis()),
        () -> "dispatched " + tracker.dispatched() + ", dead letters " + tracker.deadLetters()
            + ", attempts " + tracker.attempts());

    assertEquals(Set.of("s-1", "s-3"),
        Set.copyOf(tracker.dispatched().stream().map(Shipment::id).toList()));
    assertEquals(2, tracker.dispatched().size(), "each good shipment once");
    List<String> s2Topics = tracker.attempts().stream()
        .filter(a -> a.shipmentId().equals("s-2")).map(ShipmentTracker.Attempt::topic).toList();
    assertEquals(List.of(ShipmentsApp.SHIPMENTS, ShipmentsApp.RETRY_0, ShipmentsApp.RETRY_1), s2Topics);

    assertEquals(1, tracker.deadLetters().size());
    ShipmentTracker.DeadLetter dl = tracker.deadLetters().get(0);
    assertEquals(new Shipment("s-2", ""), dl.shipment());
    assertEquals(ShipmentsApp.DLT, dl.topic());
    assertTrue(dl.exceptionMessage().contains("no address for shipment s-2"), dl.exceptionMessage());

    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      Set<String> names = admin.listTopics().names().get();
      assertTrue(names.containsAll(
              Set.of(ShipmentsApp.SHIPMENTS, ShipmentsApp.RETRY_0, ShipmentsApp.RETRY_1, ShipmentsApp.DLT)),
          names.toString());
      Map<String, TopicDescription> retry = admin.describeTopics(
          List.of(ShipmentsApp.RETRY_0, ShipmentsApp.RETRY_1, ShipmentsApp.DLT)).allTopicNames().get();
      retry.forEach((name, d) -> assertEquals(3, d.partitions().size(), name + " partitions"));
    }
  }
}
