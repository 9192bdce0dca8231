package dev.samsa.spring.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.spring.support.Await;
import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.SendResult;
import org.springframework.test.annotation.DirtiesContext;

/**
 * PaymentsApp: the listener throws on a poison payment; DefaultErrorHandler retries it twice,
 * then DeadLetterPublishingRecoverer sends it to payments.DLT with the failure in headers, and
 * the listener goes on with the records after it.
 */
@SpringBootTest(classes = PaymentsApp.class)
@EmbeddedSamsa // one broker for this class's context; the app's NewTopic beans make its topics
@DirtiesContext // the app, then its broker, stop after the class
class DeadLetterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Autowired SamsaServer samsa;
  @Autowired KafkaTemplate<String, Object> template;
  @Autowired PaymentListeners listeners;

  @Test
  void poisonRecordGoesToTheDeadLetterTopicAndTheListenerMovesOn() throws Exception {
    List<SendResult<String, Object>> acct1 = new ArrayList<>();
    for (int seq = 0; seq < 6; seq++) {
      long amount = seq == 2 ? -500 : 1000 + seq;
      acct1.add(template.send(PaymentsApp.PAYMENTS, "acct-1", new Payment("acct-1", seq, amount))
          .get(20, TimeUnit.SECONDS));
    }
    for (int seq = 0; seq < 3; seq++) {
      template.send(PaymentsApp.PAYMENTS, "acct-2", new Payment("acct-2", seq, 20 + seq))
          .get(20, TimeUnit.SECONDS);
    }
    SendResult<String, Object> poison = acct1.get(2);
    int poisonPartition = poison.getRecordMetadata().partition();
    long poisonOffset = poison.getRecordMetadata().offset();

    assertTrue(listeners.await(8, 1, WAIT.toMillis()),
        () -> "booked " + listeners.booked() + ", dead letters " + listeners.deadLetters());

    List<Integer> booked1 = listeners.booked().stream()
        .filter(p -> p.account().equals("acct-1")).map(Payment::seq).toList();
    List<Integer> booked2 = listeners.booked().stream()
        .filter(p -> p.account().equals("acct-2")).map(Payment::seq).toList();
    assertEquals(List.of(0, 1, 3, 4, 5), booked1, "acct-1: all but the poison, in order, once");
    assertEquals(List.of(0, 1, 2), booked2);
    assertEquals(PaymentsApp.ATTEMPTS, listeners.attempts().stream()
        .filter(p -> p.account().equals("acct-1") && p.seq() == 2).count(), "deliveries of the poison");

    List<ConsumerRecord<String, Object>> dead = listeners.deadLetters();
    assertEquals(1, dead.size());
    ConsumerRecord<String, Object> dl = dead.get(0);
    assertEquals(PaymentsApp.DLT, dl.topic());
    assertEquals(poisonPartition, dl.partition(), "same partition as the original");
    assertEquals(0, dl.offset());
    assertEquals("acct-1", dl.key());
    assertEquals(new Payment("acct-1", 2, -500), dl.value());
    Headers h = dl.headers();
    assertEquals(PaymentsApp.PAYMENTS, string(h, KafkaHeaders.DLT_ORIGINAL_TOPIC));
    assertEquals(poisonPartition, ByteBuffer.wrap(bytes(h, KafkaHeaders.DLT_ORIGINAL_PARTITION)).getInt());
    assertEquals(poisonOffset, ByteBuffer.wrap(bytes(h, KafkaHeaders.DLT_ORIGINAL_OFFSET)).getLong());
    assertEquals(poison.getRecordMetadata().timestamp(),
        ByteBuffer.wrap(bytes(h, KafkaHeaders.DLT_ORIGINAL_TIMESTAMP)).getLong());
    assertEquals("payments-app", string(h, KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP));
    assertEquals("org.springframework.kafka.listener.ListenerExecutionFailedException",
        string(h, KafkaHeaders.DLT_EXCEPTION_FQCN));
    assertEquals(IllegalArgumentException.class.getName(), string(h, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN));
    assertTrue(string(h, KafkaHeaders.DLT_EXCEPTION_MESSAGE).contains("negative amount -500 in payment 2"),
        string(h, KafkaHeaders.DLT_EXCEPTION_MESSAGE));

    try (Admin admin = TestAdmin.create(samsa.bootstrapServers())) {
      // The poison record is committed past: a restarted app would not see it again.
      var end = Await.committedToEnd(admin, "payments-app", PaymentsApp.PAYMENTS, PaymentsApp.PARTITIONS, WAIT);
      assertEquals(9, Await.total(end));
      assertEquals(1, Await.total(Await.endOffsets(admin, PaymentsApp.DLT, PaymentsApp.PARTITIONS)));
    }
  }

  private static byte[] bytes(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    assertNotNull(h, "header " + name);
    return h.value();
  }

  private static String string(Headers headers, String name) {
    return new String(bytes(headers, name), StandardCharsets.UTF_8);
  }
}
