package dev.samsa.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to start a {@link SamsaServer}: broker properties (Kafka's keys, passed as {@code
 * --override key=value}), topics to create once it answers, the binary, and the bounds on
 * starting and stopping. Immutable; made with {@link #builder()}.
 *
 * <pre>
 * SamsaServerOptions options = SamsaServerOptions.builder()
 *     .brokerProperty("num.partitions", "3")
 *     .topic("orders", 6)
 *     .build();
 * </pre>
 */
public final class SamsaServerOptions {
  /** Default bound on the wait for the ready line. */
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(30);
  /** Default bound on the wait for the exit after SIGTERM, before SIGKILL. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(15);

  /** A topic to create: its name and partition count. */
  public static final class Topic {
    private final String name;
    private final int partitions;

    public Topic(String name, int partitions) {
      if (name == null || name.isBlank()) throw new IllegalArgumentException("empty topic name");
      if (partitions < 1) throw new IllegalArgumentException("partitions of " + name + ": " + partitions);
      this.name = name;
      this.partitions = partitions;
    }

    public String name() {
      return name;
    }

    public int partitions() {
      return partitions;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Topic && ((Topic) o).name.equals(name) && ((Topic) o).partitions == partitions;
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, partitions);
    }

    @Override
    public String toString() {
      return name + "(" + partitions + ")";
    }
  }

  private final Map<String, String> brokerProperties;
  private final List<Topic> topics;
  private final Path binary;
  private final String external;
  private final Duration startupTimeout;
  private final Duration stopTimeout;

  private SamsaServerOptions(Builder b) {
    this.brokerProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.brokerProperties));
    this.topics = List.copyOf(b.topics);
    this.binary = b.binary;
    this.external = b.external;
    this.startupTimeout = b.startupTimeout;
    this.stopTimeout = b.stopTimeout;
  }

  /** The defaults: no properties beyond the ephemeral mode's, no topics, the binary looked up. */
  public static SamsaServerOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Broker settings, in the order given. */
  public Map<String, String> brokerProperties() {
    return brokerProperties;
  }

  public List<Topic> topics() {
    return topics;
  }

  /** The binary to run, or null to look it up ({@link SamsaBinary#locate()}). */
  public Path binary() {
    return binary;
  }

  /**
   * The bootstrap address of a broker already running that the server stands for, starting
   * none; null to start one unless {@code samsa.bootstrap} / {@code SAMSA_BOOTSTRAP} names
   * such a broker (see {@link SamsaServer}).
   */
  public String external() {
    return external;
  }

  public Duration startupTimeout() {
    return startupTimeout;
  }

  public Duration stopTimeout() {
    return stopTimeout;
  }

  @Override
  public String toString() {
    return "SamsaServerOptions{brokerProperties=" + brokerProperties + ", topics=" + topics
        + ", binary=" + binary + (external == null ? "" : ", external=" + external)
        + ", startupTimeout=" + startupTimeout + "}";
  }

  /** Builds options; {@link #start()} starts a server with them at once. */
  public static final class Builder {
    private final Map<String, String> brokerProperties = new LinkedHashMap<>();
    private final List<Topic> topics = new ArrayList<>();
    private Path binary;
    private String external;
    private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
    private Duration stopTimeout = DEFAULT_STOP_TIMEOUT;

    private Builder() {}

    /** A broker setting with Kafka's key, e.g. ("num.partitions", "3"). */
    public Builder brokerProperty(String key, String value) {
      if (key == null || key.isBlank()) throw new IllegalArgumentException("empty property key");
      brokerProperties.put(key.trim(), Objects.requireNonNull(value, key).trim());
      return this;
    }

    public Builder brokerProperties(Map<String, String> properties) {
      properties.forEach(this::brokerProperty);
      return this;
    }

    /** A setting written "key=value", as annotations take them. */
    public Builder brokerProperty(String keyEqualsValue) {
      int eq = keyEqualsValue.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("broker property \"" + keyEqualsValue + "\" is not key=value");
      }
      return brokerProperty(keyEqualsValue.substring(0, eq), keyEqualsValue.substring(eq + 1));
    }

    /** A topic created once the broker answers. */
    public Builder topic(String name, int partitions) {
      topics.add(new Topic(name, partitions));
      return this;
    }

    /** The binary to run instead of looking it up. */
    public Builder binary(Path path) {
      this.binary = path;
      return this;
    }

    /**
     * Start no broker: use the one already running at this bootstrap address ("host:port",
     * or several separated by commas), e.g. a real Apache Kafka to check a test's
     * expectations against. What {@code -Dsamsa.bootstrap} / {@code SAMSA_BOOTSTRAP} do for
     * every server of a run; null for the default.
     */
    public Builder external(String bootstrapServers) {
      if (bootstrapServers != null && bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("empty external bootstrap address");
      }
      this.external = bootstrapServers == null ? null : bootstrapServers.trim();
      return this;
    }

    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = positive(timeout, "startup timeout");
      return this;
    }

    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = positive(timeout, "stop timeout");
      return this;
    }

    public SamsaServerOptions build() {
      return new SamsaServerOptions(this);
    }

    /** Builds the options and starts a server with them. */
    public SamsaServer start() {
      return SamsaServer.start(build());
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(what + ": " + d);
      return d;
    }
  }
}
