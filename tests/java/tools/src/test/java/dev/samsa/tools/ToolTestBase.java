package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.samsa.test.SamsaBroker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One samsa broker for a test class (each test method uses its own topics and groups), and
 * the tool invocations the classes share. Subclasses may override {@link #configure}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ToolTestBase {
  protected SamsaBroker broker;
  protected KafkaTool tool;

  /** samsa's default node.id (docs/configuration.md); the tools print it as leader. */
  protected static final int NODE_ID = 1;

  protected SamsaBroker.Builder configure(SamsaBroker.Builder builder) {
    return builder;
  }

  @BeforeAll
  void startBroker() {
    broker = configure(SamsaBroker.builder()).start();
    tool = new KafkaTool(broker);
  }

  @AfterAll
  void stopBroker() {
    if (broker != null) broker.close();
  }

  protected String bootstrap() {
    return broker.bootstrap();
  }

  /** kafka-topics.sh --bootstrap-server ... args */
  protected KafkaTool.Result topics(String... args) {
    return tool.run(KafkaTool.TOPICS, withBootstrap(args));
  }

  /** Creates a topic with kafka-topics.sh and checks its confirmation line. */
  protected void createTopic(String topic, int partitions, String... configs) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--create",
                "--topic",
                topic,
                "--partitions",
                Integer.toString(partitions),
                "--replication-factor",
                "1"));
    for (String c : configs) args.addAll(List.of("--config", c));
    KafkaTool.Result r = topics(args.toArray(String[]::new)).ok();
    assertEquals(List.of("Created topic " + topic + "."), r.lines(), r::describe);
  }

  /**
   * kafka-console-producer.sh with the given lines on stdin (one record per line) and extra
   * options; acks=all, as the tool's default. Returns when the tool has sent everything and
   * exited.
   */
  protected KafkaTool.Result produce(String topic, List<String> lines, String... options) {
    List<String> args = new ArrayList<>(List.of("--bootstrap-server", bootstrap(), "--topic", topic));
    args.addAll(Arrays.asList(options));
    String stdin = lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    KafkaTool.Result r =
        tool.run(
                KafkaTool.CONSOLE_PRODUCER, stdin, KafkaTool.DEFAULT_TIMEOUT, args.toArray(String[]::new))
            .ok();
    // Nothing on stdout but the tool's own deprecation warnings (--property).
    assertTrue(
        withoutWarnings(r).stream().allMatch(l -> l.replace(">", "").isBlank()),
        () -> "producer printed\n" + r.describe());
    return r;
  }

  /** kafka-console-consumer.sh with the given options (bootstrap and topic added). */
  protected KafkaTool.Result consume(String topic, String... options) {
    List<String> args = new ArrayList<>(List.of("--bootstrap-server", bootstrap(), "--topic", topic));
    args.addAll(Arrays.asList(options));
    return tool.run(KafkaTool.CONSOLE_CONSUMER, args.toArray(String[]::new));
  }

  protected String[] withBootstrap(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--bootstrap-server";
    all[1] = bootstrap();
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  /**
   * The tool's stdout lines without the deprecation notices it prints there ("Warning:
   * --property is deprecated ...", "Option --property is deprecated ...").
   */
  protected static List<String> withoutWarnings(KafkaTool.Result r) {
    List<String> out = new ArrayList<>();
    for (String line : r.lines()) {
      if (!line.contains(" is deprecated and will be removed in a future version.")) out.add(line);
    }
    return out;
  }

  /** n lines "prefix-0" .. "prefix-(n-1)". */
  protected static List<String> numbered(String prefix, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(prefix + "-" + i);
    return out;
  }
}
