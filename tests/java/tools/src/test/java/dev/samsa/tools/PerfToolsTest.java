package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * kafka-producer-perf-test.sh writes 50,000 records, kafka-consumer-perf-test.sh reads them
 * back: the summary lines must account for every record.
 */
class PerfToolsTest extends ToolTestBase {
  private static final int RECORDS = 50_000;
  private static final int RECORD_SIZE = 100;
  private static final Duration PERF_TIMEOUT = Duration.ofSeconds(150);

  // 50000 records sent, 12345.7 records/sec (1.18 MB/sec), 12.34 ms avg latency,
  // 345.00 ms max latency, 5 ms 50th, 20 ms 95th, 30 ms 99th, 40 ms 99.9th.
  private static final Pattern PRODUCER_SUMMARY =
      Pattern.compile(
          "^(\\d+) records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\), ([0-9.]+) ms avg latency, "
              + "([0-9.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99\\.9th\\.$");

  @Test
  void producerThenConsumerPerformance() {
    String topic = "perf";
    createTopic(topic, 3);

    KafkaTool.Result produced =
        tool.run(
                KafkaTool.PRODUCER_PERF,
                null,
                PERF_TIMEOUT,
                "--bootstrap-server",
                bootstrap(),
                "--topic",
                topic,
                "--num-records",
                Integer.toString(RECORDS),
                "--record-size",
                Integer.toString(RECORD_SIZE),
                "--throughput",
                "-1",
                "--command-property",
                "acks=all",
                "linger.ms=5")
            .ok();
    Matcher summary = null;
    for (String line : produced.lines()) {
      Matcher m = PRODUCER_SUMMARY.matcher(line);
      if (m.matches()) summary = m;
    }
    assertNotNull(summary, () -> "no summary line\n" + produced.describe());
    System.out.println("kafka-producer-perf-test: " + summary.group(0));
    assertEquals(Integer.toString(RECORDS), summary.group(1), produced::describe);
    assertTrue(Double.parseDouble(summary.group(2)) > 0, produced::describe);
    assertTrue(
        Double.parseDouble(summary.group(5)) >= Double.parseDouble(summary.group(4)),
        produced::describe);
    assertTrue(produced.stderr.isBlank(), () -> "producer errors\n" + produced.describe());

    // Every record is in the log: the partitions' end offsets add up to RECORDS.
    KafkaTool.Result ends = tool.run(KafkaTool.GET_OFFSETS, withBootstrap("--topic", topic)).ok();
    long total = 0;
    for (String line : ends.lines()) total += Long.parseLong(line.substring(line.lastIndexOf(':') + 1));
    assertEquals(RECORDS, total, ends::describe);

    KafkaTool.Result consumed =
        tool.run(
                KafkaTool.CONSUMER_PERF,
                null,
                PERF_TIMEOUT,
                "--bootstrap-server",
                bootstrap(),
                "--topic",
                topic,
                "--num-records",
                Integer.toString(RECORDS),
                "--group",
                "perf-readers",
                "--timeout",
                "30000")
            .ok();
    Map<String, String> stats = consumerStats(consumed);
    System.out.println("kafka-consumer-perf-test: " + stats);
    assertEquals(Integer.toString(RECORDS), stats.get("data.consumed.in.nMsg"), consumed::describe);
    // 50,000 x 100 bytes in MiB, as the tool prints it (%.4f).
    assertEquals(
        String.format("%.4f", RECORDS * (double) RECORD_SIZE / (1024 * 1024)),
        stats.get("data.consumed.in.MB"),
        consumed::describe);
    assertTrue(Long.parseLong(stats.get("fetch.time.ms")) >= 0, consumed::describe);

    // The perf consumer committed its position: its group has consumed everything.
    KafkaTool.Result group =
        tool.run(KafkaTool.CONSUMER_GROUPS, withBootstrap("--describe", "--group", "perf-readers"))
            .ok();
    List<Map<String, String>> rows = ConsumerGroupsToolTest.table(group, "GROUP");
    assertEquals(3, rows.size(), group::describe);
    long committed = 0;
    for (Map<String, String> row : rows) {
      assertEquals("0", row.get("LAG"), group::describe);
      committed += Long.parseLong(row.get("CURRENT-OFFSET"));
    }
    assertEquals(RECORDS, committed, group::describe);
  }

  /** The header line and the values line of kafka-consumer-perf-test's summary. */
  private static Map<String, String> consumerStats(KafkaTool.Result r) {
    List<String> lines = r.lines();
    int header = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith("start.time, end.time,")) header = i;
    }
    assertTrue(header >= 0 && header + 1 < lines.size(), () -> "no summary\n" + r.describe());
    String[] names = lines.get(header).split(",\\s*");
    String[] values = lines.get(header + 1).split(",\\s*");
    assertEquals(names.length, values.length, r::describe);
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) out.put(names[i].strip(), values[i].strip());
    return out;
  }
}
