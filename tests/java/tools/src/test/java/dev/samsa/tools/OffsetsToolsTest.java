package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * kafka-get-offsets.sh (GetOffsetShell), kafka-delete-records.sh (with its JSON offsets
 * file) and kafka-log-dirs.sh (--describe, whose JSON is parsed).
 */
class OffsetsToolsTest extends ToolTestBase {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void getOffsetsDeleteRecordsAndLogDirs() throws IOException {
    String topic = "off-keys";
    int partitions = 3;
    createTopic(topic, partitions);
    // Keyed records: the producer's default partitioner puts each key on
    // murmur2(key) % partitions, so the end offset of every partition is known.
    List<String> lines = new ArrayList<>();
    long[] counts = new long[partitions];
    for (int i = 0; i < 15; i++) {
      String key = "key-" + i;
      lines.add(key + "\tvalue-" + i);
      counts[Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions]++;
    }
    for (long c : counts) assertTrue(c >= 3, "test setup: every partition gets 3+ records");
    produce(topic, lines, "--reader-property", "parse.key=true");

    // GetOffsetShell: topic:partition:offset, one line per partition.
    expectOffsets(
        List.of(topic + ":0:" + counts[0], topic + ":1:" + counts[1], topic + ":2:" + counts[2]), "--topic", topic);
    expectOffsets(
        List.of(topic + ":0:" + counts[0], topic + ":1:" + counts[1], topic + ":2:" + counts[2]), "--topic", topic, "--time", "latest");
    expectOffsets(
        List.of(topic + ":0:0", topic + ":1:0", topic + ":2:0"), "--topic", topic, "--time", "-2");
    // By timestamp: the first record at or after 0 is the first record.
    expectOffsets(
        List.of(topic + ":0:0", topic + ":1:0", topic + ":2:0"), "--topic", topic, "--time", "0");
    expectOffsets(List.of(topic + ":1:" + counts[1]), "--topic", topic, "--partitions", "1");
    expectOffsets(
        List.of(topic + ":0:" + counts[0], topic + ":1:" + counts[1]), "--topic-partitions", topic + ":0-2");
    // Without a topic: every topic, ours among them.
    KafkaTool.Result all = offsets();
    assertTrue(all.lines().containsAll(offsets("--topic", topic).lines()), all::describe);

    // kafka-delete-records: partition 0 up to offset 2, partition 1 up to its high
    // watermark (-1), partition 2 past its end (refused: OFFSET_OUT_OF_RANGE).
    Path json = Files.createTempFile("delete-records-", ".json");
    Files.writeString(
        json,
        "{\"partitions\": ["
            + "{\"topic\": \"" + topic + "\", \"partition\": 0, \"offset\": 2},"
            + "{\"topic\": \"" + topic + "\", \"partition\": 1, \"offset\": -1},"
            + "{\"topic\": \"" + topic + "\", \"partition\": 2, \"offset\": " + (counts[2] + 5) + "}"
            + "], \"version\": 1}");
    KafkaTool.Result deleted;
    try {
      deleted =
          tool.run(
                  KafkaTool.DELETE_RECORDS,
                  withBootstrap("--offset-json-file", json.toString()))
              .ok();
    } finally {
      Files.deleteIfExists(json);
    }
    List<String> out = deleted.lines();
    assertEquals("Executing records delete operation", out.get(0), deleted::describe);
    assertEquals("Records delete operation completed:", out.get(1), deleted::describe);
    Map<String, String> perPartition = new TreeMap<>();
    for (String line : out.subList(2, out.size())) {
      String[] parts = line.split("\t", 2);
      perPartition.put(parts[0], parts.length > 1 ? parts[1] : "");
    }
    assertEquals(
        Set.of("partition: " + topic + "-0", "partition: " + topic + "-1", "partition: " + topic + "-2"),
        perPartition.keySet(),
        deleted::describe);
    assertEquals("low_watermark: 2", perPartition.get("partition: " + topic + "-0"), deleted::describe);
    assertEquals(
        "low_watermark: " + counts[1], perPartition.get("partition: " + topic + "-1"), deleted::describe);
    String refused = perPartition.get("partition: " + topic + "-2");
    assertTrue(
        refused.startsWith("error: ") && refused.contains("OffsetOutOfRangeException"),
        deleted::describe);

    List<String> earliestAfterDelete = List.of(topic + ":0:2", topic + ":1:" + counts[1], topic + ":2:0");
    expectOffsets(earliestAfterDelete, "--topic", topic, "--time", "earliest");
    // The end offsets did not move.
    expectOffsets(
        List.of(topic + ":0:" + counts[0], topic + ":1:" + counts[1], topic + ":2:" + counts[2]), "--topic", topic);
    // A consumer from the beginning of partition 0 starts at the new log start offset.
    KafkaTool.Result fromStart =
        consume(topic, "--partition", "0", "--offset", "earliest", "--max-messages", "1",
                "--formatter-property", "print.offset=true")
            .ok();
    assertEquals(1, fromStart.lines().size(), fromStart::describe);
    assertTrue(fromStart.lines().get(0).startsWith("Offset:2\t"), fromStart::describe);

    // kafka-log-dirs: one log directory (log.dirs), with the topic's three partitions; each
    // size is what the partition's segment files hold on disk.
    JsonNode logDirs = logDirs("--describe", "--topic-list", topic);
    assertEquals(1, logDirs.get("version").asInt(), logDirs::toPrettyString);
    JsonNode brokers = logDirs.get("brokers");
    assertEquals(1, brokers.size(), logDirs::toPrettyString);
    assertEquals(NODE_ID, brokers.get(0).get("broker").asInt(), logDirs::toPrettyString);
    JsonNode dirs = brokers.get(0).get("logDirs");
    assertEquals(1, dirs.size(), logDirs::toPrettyString);
    JsonNode dir = dirs.get(0);
    assertEquals(broker.dataDir().toString(), dir.get("logDir").asText(), logDirs::toPrettyString);
    assertTrue(dir.get("error").isNull(), logDirs::toPrettyString);
    Map<String, JsonNode> byPartition = new HashMap<>();
    dir.get("partitions").forEach(p -> byPartition.put(p.get("partition").asText(), p));
    assertEquals(
        Set.of(topic + "-0", topic + "-1", topic + "-2"),
        byPartition.keySet(),
        logDirs::toPrettyString);
    for (int p = 0; p < partitions; p++) {
      JsonNode entry = byPartition.get(topic + "-" + p);
      assertEquals(segmentBytes(topic, p), entry.get("size").asLong(), logDirs::toPrettyString);
      assertTrue(entry.get("size").asLong() > 0, logDirs::toPrettyString);
      assertEquals(0, entry.get("offsetLag").asLong(), logDirs::toPrettyString);
      assertEquals(false, entry.get("isFuture").asBoolean(), logDirs::toPrettyString);
    }

    // The deleted records stay deleted across a restart (same port, same data).
    broker.restart();
    expectOffsets(earliestAfterDelete, "--topic", topic, "--time", "earliest");
  }

  @Test
  void logDirsWithoutTopicListAndUnknownBroker() throws IOException {
    createTopic("off-a", 1);
    createTopic("off-b", 2);
    produce("off-a", numbered("a", 3));
    JsonNode logDirs = logDirs("--describe");
    Set<String> seen = new TreeSet<>();
    logDirs.get("brokers").get(0).get("logDirs").get(0).get("partitions")
        .forEach(p -> seen.add(p.get("partition").asText()));
    assertTrue(seen.containsAll(Set.of("off-a-0", "off-b-0", "off-b-1")), logDirs::toPrettyString);

    KafkaTool.Result unknown =
        tool.run(KafkaTool.LOG_DIRS, withBootstrap("--describe", "--broker-list", "5"));
    assertTrue(
        unknown
            .output()
            .contains(
                "ERROR: The given brokers do not exist from --broker-list: 5. Current existent brokers: "
                    + NODE_ID),
        unknown::describe);
  }

  private List<String> sortedLines(KafkaTool.Result r) {
    return r.lines().stream().sorted().collect(Collectors.toList());
  }

  /** kafka-get-offsets.sh; its lines sorted (the tool sorts them too). */
  private KafkaTool.Result offsets(String... args) {
    KafkaTool.Result r = tool.run(KafkaTool.GET_OFFSETS, withBootstrap(args)).ok();
    assertEquals(sortedLines(r), r.lines(), r::describe);
    return r;
  }

  private void expectOffsets(List<String> expected, String... args) {
    KafkaTool.Result r = offsets(args);
    assertEquals(expected, r.lines(), r::describe);
  }

  /** kafka-log-dirs.sh; the JSON document it prints after its two progress lines. */
  private JsonNode logDirs(String... args) throws IOException {
    KafkaTool.Result r = tool.run(KafkaTool.LOG_DIRS, withBootstrap(args)).ok();
    List<String> lines = r.lines();
    assertEquals(3, lines.size(), r::describe);
    assertEquals("Querying brokers for log directories information", lines.get(0), r::describe);
    assertEquals("Received log directory information from brokers " + NODE_ID, lines.get(1), r::describe);
    return JSON.readTree(lines.get(2));
  }

  /** The bytes of a partition's .log segment files in samsa's data directory. */
  private long segmentBytes(String topic, int partition) {
    Path dir = broker.dataDir().resolve(topic + "-" + partition);
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".log"))
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
