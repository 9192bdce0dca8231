package dev.samsa.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.samsa.bench.greetings.GreetingsApp;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The body every benchmark class runs: one record through the app, timed from the class's
 * start (before its context and broker exist) to the listener holding it. Subclasses only
 * choose the broker. @DirtiesContext closes the context, and its broker, after the class,
 * so each class pays for a fresh one, as separate test classes with their own
 * configuration do.
 */
@SpringBootTest(classes = GreetingsApp.class)
@DirtiesContext
abstract class FirstRecordCase extends ClockedCase {
  @Autowired KafkaTemplate<String, String> template;
  @Autowired BlockingQueue<String> inbox;

  @Test
  void firstRecordThroughTheApp() throws Exception {
    String greeting = "hello from " + getClass().getSimpleName();
    template.send(GreetingsApp.TOPIC, greeting).get(60, TimeUnit.SECONDS);
    String received = inbox.poll(60, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - ClassClock.startOf(getClass());
    assertEquals(greeting, received);
    BenchLauncher.recordFirstRecord(getClass(), elapsed);
    // What stays on the JVM's heap with the app up: for @EmbeddedKafka the broker is part
    // of it. After the clock stopped, so it costs both kinds the same.
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    BenchLauncher.recordHeapAfterGc(getClass(), runtime.totalMemory() - runtime.freeMemory());
  }
}
