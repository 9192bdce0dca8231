package dev.samsa.spring.transactions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Consume-process-produce: each transfer becomes a debit and a credit posting. The container
 * runs every record in a transaction of the KafkaTransactionManager Boot wired into the
 * listener factory: the postings and the consumed offset commit together, or neither does.
 * The postings are acknowledged before the fallible settlement check, so a failed attempt
 * leaves aborted postings in the log.
 */
@Component
public class SettlementListener {
  private final KafkaTemplate<String, Object> template;
  private final Faults faults;
  private final Map<String, Integer> attempts = new HashMap<>();
  private final List<String> settled = new ArrayList<>();

  public SettlementListener(KafkaTemplate<String, Object> template, Faults faults) {
    this.template = template;
    this.faults = faults;
  }

  @KafkaListener(id = "settlement", topics = TransfersApp.TRANSFERS, groupId = "settlement")
  public void settle(Transfer t) {
    synchronized (this) {
      attempts.merge(t.id(), 1, Integer::sum);
    }
    CompletableFuture.allOf(
            template.send(TransfersApp.POSTINGS, t.from(), new Posting(t.id(), t.from(), -t.cents())),
            template.send(TransfersApp.POSTINGS, t.to(), new Posting(t.id(), t.to(), t.cents())))
        .join();
    faults.check(t.id());
    synchronized (this) {
      settled.add(t.id());
    }
  }

  /** Listener invocations per transfer id. */
  public synchronized Map<String, Integer> attempts() {
    return Map.copyOf(attempts);
  }

  /** Transfer ids whose invocation returned (their transaction may still commit or not). */
  public synchronized List<String> settled() {
    return List.copyOf(settled);
  }
}
