package dev.samsa.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadyJsonTest {
  @Test
  void readsTheReadyLineOfSamsaServe() {
    Map<String, Object> m = ReadyJson.parseObject(
        "{\"samsa\":\"ready\",\"version\":\"0.1.0\",\"pid\":4242,"
            + "\"bootstrap_servers\":\"127.0.0.1:40321\",\"listeners\":{\"PLAINTEXT\":\"127.0.0.1:40321\"},"
            + "\"http\":\"127.0.0.1:40322\",\"data_dir\":\"/tmp/samsa-ephemeral-a1b2c3\",\"ephemeral\":true}");
    assertEquals("ready", m.get("samsa"));
    assertEquals(4242L, m.get("pid"));
    assertEquals("127.0.0.1:40321", m.get("bootstrap_servers"));
    assertEquals(Map.of("PLAINTEXT", "127.0.0.1:40321"), m.get("listeners"));
    assertEquals("/tmp/samsa-ephemeral-a1b2c3", m.get("data_dir"));
    assertEquals(Boolean.TRUE, m.get("ephemeral"));
    assertEquals(List.of("samsa", "version", "pid", "bootstrap_servers", "listeners", "http", "data_dir",
        "ephemeral"), List.copyOf(m.keySet()), "members in their order");
  }

  @Test
  void nullsEscapesNumbersArraysAndSpace() {
    Map<String, Object> m = ReadyJson.parseObject(
        " { \"http\" : null , \"dir\":\"/tmp/a \\\"b\\\"\\\\c\\/d\\u00e9\\n\", \"n\":-12, \"x\":1.5e3,"
            + " \"a\":[1,\"two\",false,[]], \"o\":{} } ");
    assertTrue(m.containsKey("http"));
    assertNull(m.get("http"));
    assertEquals("/tmp/a \"b\"\\c/d\u00e9\n", m.get("dir"));
    assertEquals(-12L, m.get("n"));
    assertEquals(1500.0, m.get("x"));
    assertEquals(List.of(1L, "two", false, List.of()), m.get("a"));
    assertEquals(Map.of(), m.get("o"));
  }

  @Test
  void rejectsWhatIsNotOneObject() {
    for (String bad : new String[] {"", "[]", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{a:1}",
        "{\"a\":\"unterminated}", "{\"a\":tru}", "{\"a\":\"\\q\"}", "{\"a\":1 \"b\":2}"}) {
      assertThrows(IllegalArgumentException.class, () -> ReadyJson.parseObject(bad), bad);
    }
  }
}
