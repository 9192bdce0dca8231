package dev.samsa.spring.transactions;

/** One side of a transfer or journal entry: cents are negative for a debit. */
public record Posting(String entry, String account, long cents) {}
