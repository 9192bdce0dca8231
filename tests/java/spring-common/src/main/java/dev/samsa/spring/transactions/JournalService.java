package dev.samsa.spring.transactions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Books journal entries: all postings of an entry go out in one Kafka transaction (the
 * KafkaTransactionManager Boot configures from spring.kafka.producer.transaction-id-prefix).
 * An entry whose postings do not sum to zero is refused after they were sent: the exception
 * rolls the transaction back, so no read_committed consumer ever sees them.
 */
@Service
public class JournalService {
  private final KafkaTemplate<String, Object> template;

  public JournalService(KafkaTemplate<String, Object> template) {
    this.template = template;
  }

  /**
   * Sends the postings (each acknowledged by the broker) to the journal topic, runs
   * beforeCommit (still inside the transaction), then checks the balance.
   */
  @Transactional("kafkaTransactionManager")
  public List<SendResult<String, Object>> book(List<Posting> postings, Runnable beforeCommit) {
    List<CompletableFuture<SendResult<String, Object>>> sent = new ArrayList<>();
    for (Posting p : postings) sent.add(template.send(TransfersApp.JOURNAL, p.account(), p));
    List<SendResult<String, Object>> results = sent.stream().map(CompletableFuture::join).toList();
    beforeCommit.run();
    long balance = postings.stream().mapToLong(Posting::cents).sum();
    if (balance != 0) {
      throw new UnbalancedEntryException(postings.get(0).entry(), balance);
    }
    return results;
  }

  public static final class UnbalancedEntryException extends RuntimeException {
    public UnbalancedEntryException(String entry, long balance) {
      super("entry " + entry + " is off by " + balance + " cents");
    }
  }
}
