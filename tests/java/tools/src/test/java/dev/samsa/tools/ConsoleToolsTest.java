package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kafka-console-producer.sh (keys and headers through the line reader's parse.key and
 * parse.headers) and kafka-console-consumer.sh (--from-beginning, --group, print.key,
 * print.headers, --max-messages, --partition/--offset).
 */
class ConsoleToolsTest extends ToolTestBase {

  @Test
  void keysAndHeadersRoundTrip() {
    createTopic("keyed", 1);
    // Default separators: headers, key and value split by tabs; headers by ',' and ':'.
    produce(
        "keyed",
        List.of(
            "trace:t-1,source:cli\tuser-1\tsigned up",
            "trace:t-2\tuser-2\tlogged in",
            "trace:t-3,source:cli\tuser-1\tlogged out"),
        "--reader-property",
        "parse.key=true",
        "--reader-property",
        "parse.headers=true");

    KafkaTool.Result r =
        consume(
                "keyed",
                "--from-beginning",
                "--max-messages",
                "3",
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "print.headers=true",
                "--formatter-property",
                "print.partition=true",
                "--formatter-property",
                "print.offset=true")
            .ok();
    assertEquals(
        List.of(
            "Partition:0\tOffset:0\ttrace:t-1,source:cli\tuser-1\tsigned up",
            "Partition:0\tOffset:1\ttrace:t-2\tuser-2\tlogged in",
            "Partition:0\tOffset:2\ttrace:t-3,source:cli\tuser-1\tlogged out"),
        r.lines(),
        r::describe);
    assertTrue(r.stderr.contains("Processed a total of 3 messages"), r::describe);
  }

  @Test
  void customSeparatorsAndDeprecatedPropertyOption() {
    createTopic("separated", 1);
    // The --property spelling that older docs use, with custom separators.
    produce(
        "separated",
        List.of("region=eu;kind=a|k1|v1", "region=us|k2|v2"),
        "--property",
        "parse.key=true",
        "--property",
        "key.separator=|",
        "--property",
        "parse.headers=true",
        "--property",
        "headers.delimiter=|",
        "--property",
        "headers.separator=;",
        "--property",
        "headers.key.separator==");

    KafkaTool.Result r =
        consume(
                "separated",
                "--from-beginning",
                "--max-messages",
                "2",
                "--property",
                "print.key=true",
                "--property",
                "print.headers=true",
                "--property",
                "key.separator= -> ",
                "--property",
                "headers.separator=&")
            .ok();
    assertEquals(
        List.of("region:eu&kind:a -> k1 -> v1", "region:us -> k2 -> v2"),
        withoutWarnings(r),
        r::describe);
  }

  @Test
  void recordsWithoutKeyOrHeaders() {
    createTopic("plain-values", 1);
    produce("plain-values", List.of("alpha", "beta", "gamma"));
    KafkaTool.Result r =
        consume(
                "plain-values",
                "--from-beginning",
                "--max-messages",
                "3",
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "print.headers=true")
            .ok();
    assertEquals(
        List.of("NO_HEADERS\tnull\talpha", "NO_HEADERS\tnull\tbeta", "NO_HEADERS\tnull\tgamma"),
        r.lines(),
        r::describe);
  }

  @Test
  void groupResumesFromCommittedOffsets() {
    createTopic("resumed", 1);
    produce("resumed", numbered("first", 4));

    KafkaTool.Result first =
        consume("resumed", "--group", "console-resume", "--from-beginning", "--max-messages", "4")
            .ok();
    assertEquals(numbered("first", 4), first.lines(), first::describe);

    // The consumer committed on close: the next one in the group starts after the four,
    // --from-beginning notwithstanding (it applies only without a committed offset).
    produce("resumed", List.of("second-0", "second-1"));
    KafkaTool.Result second =
        consume("resumed", "--group", "console-resume", "--from-beginning", "--max-messages", "2")
            .ok();
    assertEquals(List.of("second-0", "second-1"), second.lines(), second::describe);

    // Another group starts from the beginning.
    KafkaTool.Result other =
        consume("resumed", "--group", "console-other", "--from-beginning", "--max-messages", "6")
            .ok();
    assertEquals(
        List.of("first-0", "first-1", "first-2", "first-3", "second-0", "second-1"),
        other.lines(),
        other::describe);
  }

  @Test
  void partitionAndOffsetSelection() {
    createTopic("picked", 1);
    produce("picked", numbered("rec", 6));
    KafkaTool.Result r =
        consume(
                "picked",
                "--partition",
                "0",
                "--offset",
                "3",
                "--max-messages",
                "3",
                "--formatter-property",
                "print.offset=true")
            .ok();
    assertEquals(
        List.of("Offset:3\trec-3", "Offset:4\trec-4", "Offset:5\trec-5"), r.lines(), r::describe);

    // --offset earliest with --partition.
    KafkaTool.Result earliest =
        consume("picked", "--partition", "0", "--offset", "earliest", "--max-messages", "1").ok();
    assertEquals(List.of("rec-0"), earliest.lines(), earliest::describe);
  }

  @Test
  void timeoutEndsAnIdleConsumer() {
    createTopic("idle", 1);
    produce("idle", List.of("only"));
    // Asks for more than there is: the tool stops after --timeout-ms without a new record
    // (logging the TimeoutException, exit code 0) and reports what it processed.
    KafkaTool.Result r =
        consume("idle", "--from-beginning", "--max-messages", "5", "--timeout-ms", "3000").ok();
    assertEquals(List.of("only"), r.lines(), r::describe);
    assertTrue(r.stderr.contains("Processed a total of 1 messages"), r::describe);
  }
}
