package dev.samsa.spring.quotes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.spring.support.TestAdmin;
import dev.samsa.spring.test.EmbeddedSamsa;
import dev.samsa.testkit.SamsaServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.requestreply.RequestReplyFuture;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.SendResult;
import org.springframework.test.annotation.DirtiesContext;

/** QuotesApp: ReplyingKafkaTemplate requests answered by the @SendTo pricing listener. */
@SpringBootTest(classes = QuotesApp.class)
@EmbeddedSamsa // one broker for this class's context; the app's NewTopic beans make its topics
@DirtiesContext // the app, then its broker, stop after the class
class RequestReplyTest {
  @Autowired SamsaServer samsa;
  @Autowired ReplyingKafkaTemplate<String, Object, Object> replyingTemplate;

  @Test
  void everyRequestGetsItsOwnReply() throws Exception {
    assertTrue(replyingTemplate.waitForAssignment(Duration.ofSeconds(30)),
        "reply container got the reply topic's partitions");
    List<RequestReplyFuture<String, Object, Object>> futures = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      futures.add(replyingTemplate.sendAndReceive(new ProducerRecord<>(
          QuotesApp.REQUESTS, "req-" + i, new QuoteRequest("req-" + i, "sku-" + (i % 4), i))));
    }
    for (int i = 1; i <= 12; i++) {
      RequestReplyFuture<String, Object, Object> future = futures.get(i - 1);
      SendResult<String, Object> sent = future.getSendFuture().get(20, TimeUnit.SECONDS);
      assertEquals(QuotesApp.REQUESTS, sent.getRecordMetadata().topic());
      Header replyTopic = sent.getProducerRecord().headers().lastHeader(KafkaHeaders.REPLY_TOPIC);
      assertNotNull(replyTopic, "the template names the reply topic");
      assertEquals(QuotesApp.REPLIES, new String(replyTopic.value()));
      Header correlation = sent.getProducerRecord().headers().lastHeader(KafkaHeaders.CORRELATION_ID);
      assertNotNull(correlation);

      ConsumerRecord<String, Object> reply = future.get(20, TimeUnit.SECONDS);
      assertEquals(QuotesApp.REPLIES, reply.topic());
      assertEquals(
          new Quote("req-" + i, "sku-" + (i % 4), i, PricingService.price(i), "pricing"), reply.value());
      Header replyCorrelation = reply.headers().lastHeader(KafkaHeaders.CORRELATION_ID);
      assertNotNull(replyCorrelation);
      assertTrue(Arrays.equals(correlation.value(), replyCorrelation.value()), "correlation id echoed");
    }
    assertEquals(2250, PricingService.price(10)); // 10 x 250 less 10 %
  }
}
