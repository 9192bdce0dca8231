package dev.samsa.spring.orders;

/** An order event, sent as JSON by the KafkaTemplate<String, Object>; keyed by customer. */
public record OrderEvent(String customer, int seq, String item, long amountCents) {}
