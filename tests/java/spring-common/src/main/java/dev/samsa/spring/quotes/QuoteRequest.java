package dev.samsa.spring.quotes;

/** Asks the pricing service for a quote. */
public record QuoteRequest(String requestId, String sku, int quantity) {}
