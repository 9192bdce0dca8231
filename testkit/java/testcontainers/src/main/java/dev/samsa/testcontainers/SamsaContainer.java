package dev.samsa.testcontainers;

import com.github.dockerjava.api.command.InspectContainerResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * samsa, a Kafka-compatible broker, in a container: a drop-in for Testcontainers'
 * {@code KafkaContainer} with the same {@link #getBootstrapServers()} contract.
 *
 * <pre>{@code
 * try (SamsaContainer samsa = new SamsaContainer().withTopic("orders", 3)) {
 *   samsa.start();
 *   props.put("bootstrap.servers", samsa.getBootstrapServers());
 * }
 * }</pre>
 *
 * <p>How it works: a Kafka client bootstraps from one address and then connects to the one the
 * broker advertises, so the broker must advertise the port the host sees, which Docker picks
 * only once the container runs. samsa's image has no shell to wait in a start script; instead
 * the broker itself waits ({@code SAMSA_AWAIT_CONFIG}, i.e. {@code samsa serve --await-config})
 * for a properties file that this class copies in as soon as the port is known, with {@code
 * advertised.listeners} pointing at it. That file wins over the image's file and {@code KAFKA_*}
 * variables.
 *
 * <p>Two listeners: {@code PLAINTEXT} on {@value #KAFKA_PORT}, advertised as {@code
 * host:mapped-port} for clients on the host ({@link #getBootstrapServers()}), and {@code BROKER}
 * on {@value #BROKER_PORT}, advertised under the container's network alias for other containers
 * on the same network ({@link #getNetworkBootstrapServers()}).
 */
public class SamsaContainer extends GenericContainer<SamsaContainer> {

  /** The image scripts/build-image.sh builds (podman lists it as localhost/samsa:local). */
  public static final DockerImageName DEFAULT_IMAGE = DockerImageName.parse("samsa:local");

  /** The listener for clients on the host, published on a random port. */
  public static final int KAFKA_PORT = 9092;

  /** The listener for other containers on the container's network. */
  public static final int BROKER_PORT = 9093;

  /** The console, JSON API and /metrics. */
  public static final int HTTP_PORT = 9080;

  /** Where the late configuration goes; /tmp is the image's only directory anyone may write. */
  static final String LATE_CONFIG_PATH = "/tmp/samsa-testcontainers.properties";

  // Kafka's topic name rule: it also keeps ',' and ':' out of KAFKA_CREATE_TOPICS.
  private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  // Keys a KAFKA_* variable spells unambiguously (lower case, single separators).
  private static final Pattern ENV_SPELLABLE_KEY = Pattern.compile("[a-z0-9]+([._-][a-z0-9]+)*");

  private final List<String> topics = new ArrayList<>();
  // withBrokerProperty keys no variable can spell: they go into the late file.
  private final Map<String, String> lateProperties = new LinkedHashMap<>();

  /** The image {@code samsa:local}. */
  public SamsaContainer() {
    this(DEFAULT_IMAGE);
  }

  public SamsaContainer(String image) {
    this(DockerImageName.parse(image));
  }

  public SamsaContainer(DockerImageName image) {
    super(image);
    withExposedPorts(KAFKA_PORT, HTTP_PORT);
    withEnv("SAMSA_AWAIT_CONFIG", LATE_CONFIG_PATH);
    withEnv(
        "KAFKA_LISTENERS",
        "PLAINTEXT://0.0.0.0:" + KAFKA_PORT + ",BROKER://0.0.0.0:" + BROKER_PORT);
    withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT");
    // podman runs a HEALTHCHECK only from systemd timers, so the healthcheck is no signal
    // there; the broker's start-up line is, on every engine, and needs no shell.
    waitingFor(new SamsaStartedWaitStrategy());
  }

  /** Creates {@code name} with {@code partitions} partitions before the broker serves clients. */
  public SamsaContainer withTopic(String name, int partitions) {
    if (!TOPIC_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("not a valid topic name: '" + name + "'");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, not " + partitions);
    }
    topics.add(name + ":" + partitions + ":1");
    return self();
  }

  /**
   * Sets a server.properties key, e.g. {@code withBrokerProperty("num.partitions", "3")}. It
   * becomes a {@code KAFKA_*} variable (as with Kafka's images: {@code KAFKA_NUM_PARTITIONS}),
   * visible to the image's healthcheck and tools; a key no variable can spell (upper case, two
   * separators in a row) goes into the late configuration file instead. Setting {@code
   * advertised.listeners} replaces the addresses this class would advertise.
   */
  public SamsaContainer withBrokerProperty(String key, String value) {
    Optional<String> variable = environmentVariable(key);
    if (variable.isPresent()) {
      withEnv(variable.get(), value);
      lateProperties.remove(key);
    } else {
      lateProperties.put(key, value);
    }
    return self();
  }

  /** {@code host:port} for a Kafka client on this machine, as KafkaContainer's. */
  public String getBootstrapServers() {
    return getHost() + ":" + getMappedPort(KAFKA_PORT);
  }

  /** {@code alias:9093} for a Kafka client in another container on this container's network. */
  public String getNetworkBootstrapServers() {
    return networkHost() + ":" + BROKER_PORT;
  }

  /** {@code host:port} of the console, its JSON API and {@code /metrics}. */
  public String getHttpAddress() {
    return getHost() + ":" + getMappedPort(HTTP_PORT);
  }

  @Override
  protected void configure() {
    if (!topics.isEmpty()) withEnv("KAFKA_CREATE_TOPICS", String.join(",", topics));
  }

  @Override
  protected void containerIsStarting(InspectContainerResponse containerInfo) {
    super.containerIsStarting(containerInfo);
    copyFileToContainer(Transferable.of(lateConfiguration(containerInfo)), LATE_CONFIG_PATH);
  }

  // The file the broker waits for: what only a running container knows, and what no variable
  // could carry.
  String lateConfiguration(InspectContainerResponse containerInfo) {
    StringBuilder text = new StringBuilder("# written by SamsaContainer once the container ran\n");
    boolean userAdvertised =
        getEnvMap().containsKey("KAFKA_ADVERTISED_LISTENERS")
            || lateProperties.containsKey("advertised.listeners");
    if (!userAdvertised) {
      text.append("advertised.listeners=PLAINTEXT://")
          .append(getBootstrapServers())
          .append(",BROKER://")
          .append(networkHost(containerInfo))
          .append(':')
          .append(BROKER_PORT)
          .append('\n');
    }
    lateProperties.forEach(
        (key, value) -> text.append(escape(key)).append('=').append(escape(value)).append('\n'));
    return text.toString();
  }

  // The last network alias (the user's, when given; Testcontainers adds its own random one
  // first), else the container's host name.
  private String networkHost() {
    return networkHost(getContainerInfo());
  }

  private String networkHost(InspectContainerResponse containerInfo) {
    List<String> aliases = getNetworkAliases();
    if (getNetwork() != null && !aliases.isEmpty()) return aliases.get(aliases.size() - 1);
    return containerInfo.getConfig().getHostName();
  }

  /**
   * The {@code KAFKA_*} variable that samsa (and Kafka's images) read as {@code key}: '.' is
   * '_', '_' is '__', '-' is '___', upper-cased. Empty when no variable spells the key.
   */
  static Optional<String> environmentVariable(String key) {
    if (!ENV_SPELLABLE_KEY.matcher(key).matches()) return Optional.empty();
    StringBuilder name = new StringBuilder("KAFKA_");
    for (char c : key.toCharArray()) {
      switch (c) {
        case '.' -> name.append('_');
        case '_' -> name.append("__");
        case '-' -> name.append("___");
        default -> name.append(Character.toUpperCase(c));
      }
    }
    return Optional.of(name.toString().toUpperCase(Locale.ROOT));
  }

  // server.properties escapes: a backslash, and a leading space, '#' or '!' would change the
  // meaning; keys also end at '=', ':' or white space.
  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '=', ':', ' ', '#', '!' -> out.append('\\').append(c);
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
