package dev.samsa.spring.shipments;

/** A shipment to dispatch; one without an address cannot be dispatched. */
public record Shipment(String id, String address) {}
