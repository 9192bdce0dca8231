package dev.samsa.spring.quotes;

import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.messaging.handler.annotation.SendTo;
import org.springframework.stereotype.Component;

/** Prices a request: 250 cents a unit, 10% off from 10 units. */
@Component
public class PricingService {
  public static final long UNIT_CENTS = 250;

  public static long price(int quantity) {
    long total = UNIT_CENTS * quantity;
    return quantity >= 10 ? total * 9 / 10 : total;
  }

  @KafkaListener(id = "pricing", topics = QuotesApp.REQUESTS, groupId = "pricing-service")
  @SendTo
  public Quote quote(QuoteRequest request) {
    return new Quote(
        request.requestId(), request.sku(), request.quantity(), price(request.quantity()), "pricing");
  }
}
