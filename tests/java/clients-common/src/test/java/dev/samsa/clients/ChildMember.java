package dev.samsa.clients;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A group member in a JVM of its own, so that a test can crash it for real (SIGKILL): no
 * LeaveGroup, no last heartbeat, nothing closed; the broker only learns of it when its
 * session times out. It prints "OWNED p,p,..." whenever what it owns changes.
 */
final class ChildMember implements AutoCloseable {
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private volatile Set<Integer> owned = Set.of();

  ChildMember(Properties props, String topic) throws IOException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx96m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", cp, ChildMember.class.getName(), topic));
    for (Map.Entry<Object, Object> e : props.entrySet()) cmd.add(e.getKey() + "=" + e.getValue());
    process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.add(line);
          if (line.startsWith("OWNED ")) {
            Set<Integer> s = new TreeSet<>();
            String list = line.substring(6).trim();
            if (!list.isEmpty()) for (String p : list.split(",")) s.add(Integer.parseInt(p));
            owned = Collections.unmodifiableSet(s);
          }
        }
      } catch (IOException ignored) {
        // the process died
      }
    }, "child-member-reader");
    reader.setDaemon(true);
    reader.start();
  }

  Set<Integer> owned() {
    return owned;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  /** SIGKILL, and wait for the process to be gone. */
  void crash() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("child survived SIGKILL");
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) crash();
  }

  /** The child: args are the topic then consumer settings as key=value. Polls until killed. */
  public static void main(String[] args) {
    Properties props = new Properties();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props)) {
      c.subscribe(List.of(args[0]));
      String last = null;
      while (true) {
        c.poll(Duration.ofMillis(100));
        Set<Integer> now = new TreeSet<>();
        for (TopicPartition tp : c.assignment()) now.add(tp.partition());
        String line = "OWNED " + String.join(",", now.stream().map(String::valueOf).toList());
        if (!line.equals(last)) {
          System.out.println(line);
          System.out.flush();
          last = line;
        }
      }
    }
  }
}
