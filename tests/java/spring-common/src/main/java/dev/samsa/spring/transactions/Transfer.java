package dev.samsa.spring.transactions;

/** A money transfer between two accounts; the input of the settlement listener. */
public record Transfer(String id, String from, String to, long cents) {}
