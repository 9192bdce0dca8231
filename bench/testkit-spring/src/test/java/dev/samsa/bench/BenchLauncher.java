package dev.samsa.bench;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one benchmark configuration in this JVM and prints it as one JSON line:
 *   BenchLauncher embedded-kafka|samsa PARALLELISM
 * The 20 classes of that broker kind run through the JUnit Platform, one after another
 * (parallelism 1) or that many at a time (JUnit's parallel class execution, as
 * junit-platform.properties would configure it in a project).
 */
public final class BenchLauncher {
  private static final Map<String, Long> FIRST_RECORD_NANOS = new ConcurrentHashMap<>();

  private static final Map<String, Long> HEAP_AFTER_GC = new ConcurrentHashMap<>();

  static void recordFirstRecord(Class<?> testClass, long nanos) {
    FIRST_RECORD_NANOS.put(testClass.getSimpleName(), nanos);
  }

  static void recordHeapAfterGc(Class<?> testClass, long bytes) {
    HEAP_AFTER_GC.put(testClass.getSimpleName(), bytes);
  }

  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: BenchLauncher embedded-kafka|samsa PARALLELISM");
      System.exit(2);
    }
    Class<?> holder =
        switch (args[0]) {
          case "embedded-kafka" -> EmbeddedKafkaCases.class;
          case "samsa" -> EmbeddedSamsaCases.class;
          default -> throw new IllegalArgumentException("unknown broker kind " + args[0]);
        };
    int parallelism = Integer.parseInt(args[1]);
    List<ClassSelector> classes =
        Arrays.stream(holder.getDeclaredClasses())
            .filter(c -> !Modifier.isAbstract(c.getModifiers()))
            .sorted(Comparator.comparing(Class::getSimpleName))
            .map(c -> selectClass(c))
            .collect(Collectors.toList());

    LauncherDiscoveryRequestBuilder request =
        LauncherDiscoveryRequestBuilder.request().selectors(classes);
    if (parallelism > 1) {
      request
          .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
          .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
          .configurationParameter(
              "junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
          .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
          .configurationParameter(
              "junit.jupiter.execution.parallel.config.fixed.parallelism", args[1])
          .configurationParameter(
              "junit.jupiter.execution.parallel.config.fixed.max-pool-size", args[1]);
    }
    LauncherDiscoveryRequest discovery = request.build();

    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    Launcher launcher = LauncherFactory.create();
    long start = System.nanoTime();
    launcher.execute(discovery, summary);
    long wallNanos = System.nanoTime() - start;

    TestExecutionSummary result = summary.getSummary();
    result.getFailures()
        .forEach(f -> f.getException().printStackTrace(System.err));
    String firsts =
        FIRST_RECORD_NANOS.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(e -> String.format("\"%s\":%.1f", e.getKey(), e.getValue() / 1e6))
            .collect(Collectors.joining(","));
    String heaps =
        HEAP_AFTER_GC.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(e -> String.format("\"%s\":%.1f", e.getKey(), e.getValue() / 1048576.0))
            .collect(Collectors.joining(","));
    System.out.printf(
        "{\"broker\":\"%s\",\"parallelism\":%d,\"classes\":%d,\"succeeded\":%d,"
            + "\"failed\":%d,\"wall_ms\":%.1f,\"first_record_ms\":{%s},"
            + "\"heap_after_gc_mb\":{%s}}%n",
        args[0], parallelism, classes.size(), result.getTestsSucceededCount(),
        result.getTestsFailedCount(), wallNanos / 1e6, firsts, heaps);
    boolean allPassed =
        result.getTestsFailedCount() == 0 && result.getTestsSucceededCount() == classes.size();
    System.exit(allPassed ? 0 : 1);
  }
}
