package dev.samsa.spring.payments;

/** A payment; a negative amount is a poison record the listener rejects. */
public record Payment(String account, int seq, long amountCents) {}
