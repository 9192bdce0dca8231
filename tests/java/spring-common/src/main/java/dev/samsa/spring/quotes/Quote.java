package dev.samsa.spring.quotes;

/** The pricing service's answer. */
public record Quote(String requestId, String sku, int quantity, long totalCents, String pricedBy) {}
