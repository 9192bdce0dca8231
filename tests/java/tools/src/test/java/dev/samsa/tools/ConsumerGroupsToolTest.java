package dev.samsa.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * kafka-consumer-groups.sh: --list, --describe (offsets, --members, --state), --reset-offsets
 * (--to-earliest, --to-offset, --shift-by; --dry-run and --execute), --delete-offsets,
 * --delete; the groups are made by kafka-console-consumer.sh --group.
 */
class ConsumerGroupsToolTest extends ToolTestBase {

  @Test
  void describeResetAndDeleteAnInactiveGroup() {
    createTopic("cg-orders", 1);
    produce("cg-orders", numbered("order", 10));
    KafkaTool.Result consumed =
        consume("cg-orders", "--group", "cg-main", "--from-beginning", "--max-messages", "10").ok();
    assertEquals(numbered("order", 10), consumed.lines(), consumed::describe);

    KafkaTool.Result list = groups("--list").ok();
    assertTrue(list.lines().contains("cg-main"), list::describe);

    KafkaTool.Result describe = groups("--describe", "--group", "cg-main").ok();
    assertTrue(
        describe.output().contains("Consumer group 'cg-main' has no active members."),
        describe::describe);
    Map<String, String> row = onlyRow(describe, "GROUP");
    assertEquals("cg-main", row.get("GROUP"), describe::describe);
    assertEquals("cg-orders", row.get("TOPIC"), describe::describe);
    assertEquals("0", row.get("PARTITION"), describe::describe);
    assertEquals("10", row.get("CURRENT-OFFSET"), describe::describe);
    assertEquals("10", row.get("LOG-END-OFFSET"), describe::describe);
    assertEquals("0", row.get("LAG"), describe::describe);
    assertEquals("-", row.get("CONSUMER-ID"), describe::describe);

    // New records: the lag is what the group has not consumed yet.
    produce("cg-orders", numbered("later", 5));
    assertOffsets("cg-main", "cg-orders", 10, 15, 5);

    // --dry-run shows the plan and changes nothing.
    KafkaTool.Result dryRun =
        groups("--reset-offsets", "--group", "cg-main", "--topic", "cg-orders", "--to-earliest", "--dry-run")
            .ok();
    assertEquals("0", onlyRow(dryRun, "GROUP").get("NEW-OFFSET"), dryRun::describe);
    assertOffsets("cg-main", "cg-orders", 10, 15, 5);

    KafkaTool.Result earliest =
        groups("--reset-offsets", "--group", "cg-main", "--topic", "cg-orders", "--to-earliest", "--execute")
            .ok();
    Map<String, String> planned = onlyRow(earliest, "GROUP");
    assertEquals("cg-orders", planned.get("TOPIC"), earliest::describe);
    assertEquals("0", planned.get("PARTITION"), earliest::describe);
    assertEquals("0", planned.get("NEW-OFFSET"), earliest::describe);
    assertOffsets("cg-main", "cg-orders", 0, 15, 15);

    KafkaTool.Result toOffset =
        groups("--reset-offsets", "--group", "cg-main", "--topic", "cg-orders", "--to-offset", "7", "--execute")
            .ok();
    assertEquals("7", onlyRow(toOffset, "GROUP").get("NEW-OFFSET"), toOffset::describe);
    assertOffsets("cg-main", "cg-orders", 7, 15, 8);

    // A consumer of the group really starts at the reset position.
    KafkaTool.Result resumed =
        consume("cg-orders", "--group", "cg-main", "--max-messages", "3").ok();
    assertEquals(List.of("order-7", "order-8", "order-9"), resumed.lines(), resumed::describe);
    assertOffsets("cg-main", "cg-orders", 10, 15, 5);

    KafkaTool.Result shifted =
        groups("--reset-offsets", "--group", "cg-main", "--topic", "cg-orders", "--shift-by", "-4", "--execute")
            .ok();
    assertEquals("6", onlyRow(shifted, "GROUP").get("NEW-OFFSET"), shifted::describe);
    assertOffsets("cg-main", "cg-orders", 6, 15, 9);

    KafkaTool.Result delete = groups("--delete", "--group", "cg-main").ok();
    assertTrue(
        delete.output().contains("Deletion of requested consumer groups ('cg-main') was successful."),
        delete::describe);
    KafkaTool.Result after = groups("--list").ok();
    assertFalse(after.lines().contains("cg-main"), after::describe);
    KafkaTool.Result missing = groups("--describe", "--group", "cg-main");
    assertTrue(
        missing.output().contains("Consumer group 'cg-main' does not exist."), missing::describe);
  }

  @Test
  void deleteOffsetsOfOneTopic() {
    createTopic("cg-a", 1);
    createTopic("cg-b", 1);
    produce("cg-a", numbered("a", 2));
    produce("cg-b", numbered("b", 3));
    consume("cg-a", "--group", "cg-two", "--from-beginning", "--max-messages", "2").ok();
    consume("cg-b", "--group", "cg-two", "--from-beginning", "--max-messages", "3").ok();
    assertOffsets("cg-two", "cg-a", 2, 2, 0);
    assertOffsets("cg-two", "cg-b", 3, 3, 0);

    KafkaTool.Result deleted = groups("--delete-offsets", "--group", "cg-two", "--topic", "cg-a").ok();
    assertTrue(
        deleted.output().contains("Request succeeded for deleting offsets from group cg-two."),
        deleted::describe);
    Map<String, String> row = onlyRow(deleted, "TOPIC");
    assertEquals("cg-a", row.get("TOPIC"), deleted::describe);
    assertEquals("0", row.get("PARTITION"), deleted::describe);
    assertEquals("Successful", row.get("STATUS"), deleted::describe);

    // Only cg-b's offset is left.
    KafkaTool.Result describe = groups("--describe", "--group", "cg-two").ok();
    List<Map<String, String>> rows = table(describe, "GROUP");
    assertEquals(1, rows.size(), describe::describe);
    assertEquals("cg-b", rows.get(0).get("TOPIC"), describe::describe);
    assertEquals("3", rows.get(0).get("CURRENT-OFFSET"), describe::describe);
  }

  @Test
  void activeMemberShowsInDescribe() {
    createTopic("cg-live", 3);
    produce("cg-live", numbered("live", 6));
    try (KafkaTool.Running consumer =
        tool.start(
            KafkaTool.CONSOLE_CONSUMER,
            null,
            "--bootstrap-server",
            bootstrap(),
            "--topic",
            "cg-live",
            "--group",
            "cg-live-group",
            "--from-beginning")) {
      consumer.awaitStdout(
          out -> out.lines().filter(l -> l.startsWith("live-")).count() == 6,
          Duration.ofSeconds(60),
          "the six records from the background console consumer");

      KafkaTool.Result state = groups("--describe", "--group", "cg-live-group", "--state").ok();
      Matcher m = stateRow(state, "cg-live-group");
      assertEquals("127.0.0.1:" + broker.port() + "  (" + NODE_ID + ")", m.group(2).replaceAll("\\s+", "  "), state::describe);
      assertEquals("Stable", m.group(4), state::describe);
      assertEquals("1", m.group(5), state::describe);

      KafkaTool.Result members =
          groups("--describe", "--group", "cg-live-group", "--members", "--verbose").ok();
      Map<String, String> member = onlyRow(members, "GROUP");
      assertEquals("cg-live-group", member.get("GROUP"), members::describe);
      assertEquals("/127.0.0.1", member.get("HOST"), members::describe);
      assertEquals("3", member.get("#PARTITIONS"), members::describe);
      assertEquals("cg-live:0,1,2", member.get("CURRENT-ASSIGNMENT"), members::describe);
      String memberId = member.get("CONSUMER-ID");

      // Offsets are committed by auto-commit (every 5 s): await them, then every partition
      // is owned by the one member and has no lag.
      KafkaTool.Result offsets =
          tool.runUntil(
              r -> {
                List<Map<String, String>> rows = table(r, "GROUP");
                return rows.size() == 3 && rows.stream().allMatch(x -> "0".equals(x.get("LAG")));
              },
              Duration.ofSeconds(45),
              "committed offsets with lag 0",
              KafkaTool.CONSUMER_GROUPS,
              withBootstrap("--describe", "--group", "cg-live-group"));
      long committed = 0;
      for (Map<String, String> row : table(offsets, "GROUP")) {
        assertEquals(memberId, row.get("CONSUMER-ID"), offsets::describe);
        assertEquals(row.get("LOG-END-OFFSET"), row.get("CURRENT-OFFSET"), offsets::describe);
        committed += Long.parseLong(row.get("CURRENT-OFFSET"));
      }
      assertEquals(6, committed, offsets::describe);

      // Offsets of an active group cannot be reset.
      KafkaTool.Result refused =
          groups("--reset-offsets", "--group", "cg-live-group", "--topic", "cg-live", "--to-earliest", "--execute");
      assertTrue(
          refused
              .output()
              .contains(
                  "Assignments can only be reset if the group 'cg-live-group' is inactive, but the current state is Stable."),
          refused::describe);

      // Ctrl-C: the console consumer leaves the group on its way out.
      KafkaTool.Result stopped = consumer.stop();
      assertTrue(stopped.stderr.contains("Processed a total of 6 messages"), stopped::describe);
    }
    KafkaTool.Result empty =
        tool.runUntil(
            r -> r.exitCode == 0 && stateRowOrNull(r, "cg-live-group") != null
                && "Empty".equals(stateRowOrNull(r, "cg-live-group").group(4)),
            Duration.ofSeconds(30),
            "group Empty after its member left",
            KafkaTool.CONSUMER_GROUPS,
            withBootstrap("--describe", "--group", "cg-live-group", "--state"));
    assertEquals("0", stateRow(empty, "cg-live-group").group(5), empty::describe);

    KafkaTool.Result listEmpty = groups("--list", "--state", "Empty").ok();
    assertTrue(listEmpty.stdout.contains("cg-live-group"), listEmpty::describe);
    assertTrue(listEmpty.stdout.contains("Empty"), listEmpty::describe);
  }

  @Test
  void consumerProtocolGroup() {
    // KIP-848: the console consumer with group.protocol=consumer; the tool describes the
    // group through ConsumerGroupDescribe.
    createTopic("cg-848", 2);
    produce("cg-848", numbered("rec", 4));
    try (KafkaTool.Running consumer =
        tool.start(
            KafkaTool.CONSOLE_CONSUMER,
            null,
            "--bootstrap-server",
            bootstrap(),
            "--topic",
            "cg-848",
            "--group",
            "cg-848-group",
            "--from-beginning",
            "--command-property",
            "group.protocol=consumer")) {
      consumer.awaitStdout(
          out -> out.lines().filter(l -> l.startsWith("rec-")).count() == 4,
          Duration.ofSeconds(60),
          "the four records from the KIP-848 console consumer");

      KafkaTool.Result types = groups("--list", "--type").ok();
      assertTrue(
          types.lines().stream()
              .anyMatch(l -> l.startsWith("cg-848-group ") && l.toLowerCase().contains("consumer")),
          types::describe);

      KafkaTool.Result state = groups("--describe", "--group", "cg-848-group", "--state").ok();
      Matcher m = stateRow(state, "cg-848-group");
      assertEquals("Stable", m.group(4), state::describe);
      assertEquals("1", m.group(5), state::describe);

      KafkaTool.Result members =
          groups("--describe", "--group", "cg-848-group", "--members", "--verbose").ok();
      Map<String, String> member = onlyRow(members, "GROUP");
      assertEquals("2", member.get("#PARTITIONS"), members::describe);
      assertEquals("cg-848:0,1", member.get("CURRENT-ASSIGNMENT"), members::describe);
      assertEquals("cg-848:0,1", member.get("TARGET-ASSIGNMENT"), members::describe);
      assertEquals(member.get("CURRENT-EPOCH"), member.get("TARGET-EPOCH"), members::describe);

      KafkaTool.Result stopped = consumer.stop();
      assertTrue(stopped.stderr.contains("Processed a total of 4 messages"), stopped::describe);
    }
    KafkaTool.Result empty =
        tool.runUntil(
            r -> r.exitCode == 0 && stateRowOrNull(r, "cg-848-group") != null
                && "Empty".equals(stateRowOrNull(r, "cg-848-group").group(4)),
            Duration.ofSeconds(30),
            "KIP-848 group Empty after its member left",
            KafkaTool.CONSUMER_GROUPS,
            withBootstrap("--describe", "--group", "cg-848-group", "--state"));
    // What it consumed was committed (auto-commit on close).
    assertOffsetsSum("cg-848-group", 4);
  }

  private void assertOffsetsSum(String group, long expected) {
    KafkaTool.Result r = groups("--describe", "--group", group).ok();
    long sum = 0;
    for (Map<String, String> row : table(r, "GROUP")) {
      assertEquals("0", row.get("LAG"), r::describe);
      sum += Long.parseLong(row.get("CURRENT-OFFSET"));
    }
    assertEquals(expected, sum, r::describe);
  }

  private KafkaTool.Result groups(String... args) {
    return tool.run(KafkaTool.CONSUMER_GROUPS, withBootstrap(args));
  }

  private void assertOffsets(String group, String topic, long current, long logEnd, long lag) {
    KafkaTool.Result r = groups("--describe", "--group", group).ok();
    Map<String, String> row = null;
    for (Map<String, String> x : table(r, "GROUP")) {
      if (topic.equals(x.get("TOPIC"))) row = x;
    }
    assertNotEquals(null, row, r::describe);
    assertEquals(Long.toString(current), row.get("CURRENT-OFFSET"), r::describe);
    assertEquals(Long.toString(logEnd), row.get("LOG-END-OFFSET"), r::describe);
    assertEquals(Long.toString(lag), row.get("LAG"), r::describe);
  }

  /**
   * The rows of the whitespace-aligned table whose header line starts with firstColumn, as
   * column name to value (columns and values hold no spaces in these tables).
   */
  static List<Map<String, String>> table(KafkaTool.Result r, String firstColumn) {
    List<Map<String, String>> rows = new ArrayList<>();
    String[] header = null;
    for (String line : r.lines()) {
      String[] cells = line.strip().split("\\s+");
      if (header == null) {
        if (cells[0].equals(firstColumn)) header = cells;
        continue;
      }
      if (cells.length != header.length) continue;
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) row.put(header[i], cells[i]);
      rows.add(row);
    }
    return rows;
  }

  static Map<String, String> onlyRow(KafkaTool.Result r, String firstColumn) {
    List<Map<String, String>> rows = table(r, firstColumn);
    assertEquals(1, rows.size(), r::describe);
    return rows.get(0);
  }

  // GROUP  COORDINATOR (ID)  ASSIGNMENT-STRATEGY  STATE  #MEMBERS
  private static final Pattern STATE_ROW =
      Pattern.compile("^(\\S+)\\s+(\\S+\\s+\\(\\d+\\))\\s+(\\S*)\\s+(\\S+)\\s+(\\d+)\\s*$");

  private static Matcher stateRowOrNull(KafkaTool.Result r, String group) {
    for (String line : r.lines()) {
      Matcher m = STATE_ROW.matcher(line.strip());
      if (m.matches() && m.group(1).equals(group)) return m;
    }
    return null;
  }

  private static Matcher stateRow(KafkaTool.Result r, String group) {
    Matcher m = stateRowOrNull(r, group);
    assertNotEquals(null, m, r::describe);
    return m;
  }
}
