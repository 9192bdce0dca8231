package dev.samsa.testcontainers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * SamsaContainer started for real, through whatever Docker API Testcontainers finds (run-tests.sh
 * gives it podman's). Skipped when there is none.
 */
class SamsaContainerTest {

  private static final DockerImageName IMAGE =
      DockerImageName.parse(System.getProperty("samsa.image", "samsa:local"));

  // Per test, so that each one is reported as skipped.
  @BeforeEach
  void needsADockerApi() {
    boolean available = DockerClientFactory.instance().isDockerAvailable();
    String why = "no Docker API (set DOCKER_HOST; run-tests.sh starts podman's)";
    // run-tests.sh provides one: there, not reaching it is a failure.
    if (Boolean.getBoolean("samsa.requireDocker")) assertTrue(available, why);
    assumeTrue(available, why);
  }

  private static SamsaContainer samsa() {
    return new SamsaContainer(IMAGE);
  }

  @Test
  void producesAndConsumesInAGroupThroughTheBootstrapServers() throws Exception {
    try (SamsaContainer samsa = samsa()) {
      samsa.start();
      String bootstrap = samsa.getBootstrapServers();
      assertTrue(bootstrap.matches("[^:/]+:\\d+"), bootstrap);
      assertNotEquals(SamsaContainer.KAFKA_PORT, samsa.getMappedPort(SamsaContainer.KAFKA_PORT));

      List<String> sent = new ArrayList<>();
      try (KafkaProducer<String, String> producer = producer(bootstrap)) {
        for (int i = 0; i < 20; i++) {
          String value = "order-" + i;
          producer.send(new ProducerRecord<>("orders", "k" + (i % 4), value)).get();
          sent.add(value);
        }
      }
      assertEquals(sent, consume(bootstrap, "orders", "billing", sent.size()));
    }
  }

  @Test
  void metadataAdvertisesTheAddressTheHostReaches() throws Exception {
    try (SamsaContainer samsa = samsa()) {
      samsa.start();
      try (Admin admin = admin(samsa.getBootstrapServers())) {
        Collection<Node> nodes = admin.describeCluster().nodes().get();
        assertEquals(1, nodes.size());
        Node node = nodes.iterator().next();
        assertEquals(samsa.getBootstrapServers(), node.host() + ":" + node.port());
      }
    }
  }

  @Test
  void topicsAndBrokerPropertiesTakeEffect() throws Exception {
    try (SamsaContainer samsa =
        samsa()
            .withTopic("orders", 3)
            .withTopic("audit", 1)
            .withBrokerProperty("num.partitions", "2")) {
      samsa.start();
      try (Admin admin = admin(samsa.getBootstrapServers())) {
        Set<String> names = admin.listTopics().names().get();
        assertTrue(names.containsAll(Set.of("orders", "audit")), names.toString());
        NewTopic defaulted = new NewTopic("defaulted", Optional.empty(), Optional.empty());
        admin.createTopics(List.of(defaulted)).all().get();
        Map<String, TopicDescription> topics =
            admin.describeTopics(List.of("orders", "audit", "defaulted")).allTopicNames().get();
        assertEquals(3, topics.get("orders").partitions().size());
        assertEquals(1, topics.get("audit").partitions().size());
        assertEquals(2, topics.get("defaulted").partitions().size());
      }
      // The console's published port answers too.
      URI uri = URI.create("http://" + samsa.getHttpAddress() + "/metrics");
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, metrics.statusCode());
    }
  }

  @Test
  void twoContainersRunSideBySide() throws Exception {
    try (SamsaContainer first = samsa(); SamsaContainer second = samsa()) {
      CompletableFuture.allOf(
              CompletableFuture.runAsync(first::start), CompletableFuture.runAsync(second::start))
          .get();
      assertNotEquals(first.getBootstrapServers(), second.getBootstrapServers());
      try (KafkaProducer<String, String> one = producer(first.getBootstrapServers());
          KafkaProducer<String, String> two = producer(second.getBootstrapServers())) {
        one.send(new ProducerRecord<>("events", "first")).get();
        two.send(new ProducerRecord<>("events", "second")).get();
      }
      assertEquals(List.of("first"), consume(first.getBootstrapServers(), "events", "g", 1));
      assertEquals(List.of("second"), consume(second.getBootstrapServers(), "events", "g", 1));
    }
  }

  @Test
  void stopLeavesNoContainerBehind() {
    SamsaContainer samsa = samsa();
    samsa.start();
    String id = samsa.getContainerId();
    assertTrue(containerIds().contains(id));
    samsa.stop();
    assertFalse(containerIds().contains(id), "container " + id + " is still there");
  }

  // Another container on the same network bootstraps from the alias and follows the BROKER
  // listener's advertised address: here samsa's own CLI, from the same image.
  @Test
  void containersOnItsNetworkReachItByAlias() throws Exception {
    try (Network network = Network.newNetwork();
        SamsaContainer samsa = samsa().withNetwork(network).withNetworkAliases("kafka")) {
      samsa.start();
      assertEquals("kafka:9093", samsa.getNetworkBootstrapServers());
      try (KafkaProducer<String, String> producer = producer(samsa.getBootstrapServers())) {
        for (String v : List.of("a", "b", "c")) {
          producer.send(new ProducerRecord<>("shared", v)).get();
        }
      }
      try (GenericContainer<?> client =
          new GenericContainer<>(IMAGE)
              .withNetwork(network)
              .withCommand(
                  "consume", "shared", "-b", samsa.getNetworkBootstrapServers(), "-n", "3",
                  "--timeout-ms", "20000")
              .withStartupCheckStrategy(
                  new OneShotStartupCheckStrategy().withTimeout(Duration.ofSeconds(60)))) {
        client.start();
        // The records on stdout; "Processed a total of 3 messages" goes to stderr.
        List<String> lines =
            client.getLogs(OutputFrame.OutputType.STDOUT).lines()
                .filter(l -> !l.isBlank())
                .collect(Collectors.toList());
        assertEquals(List.of("a", "b", "c"), lines);
      }
    }
  }

  @Test
  void aConfigurationSamsaRefusesFailsTheStartAtOnce() {
    long start = System.nanoTime();
    try (SamsaContainer samsa = samsa().withBrokerProperty("num.partitions", "many")) {
      Exception e = assertThrows(ContainerLaunchException.class, samsa::start);
      String all = causes(e);
      assertTrue(all.contains("KAFKA_NUM_PARTITIONS"), all);
    }
    assertTrue(
        System.nanoTime() - start < Duration.ofSeconds(30).toNanos(),
        "the failure took 30 s or more");
  }

  private static String causes(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) all.append(t).append('\n');
    return all.toString();
  }

  private static Set<String> containerIds() {
    return DockerClientFactory.instance().client().listContainersCmd().withShowAll(true).exec()
        .stream()
        .map(c -> c.getId())
        .collect(Collectors.toSet());
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20000);
    return new KafkaProducer<>(props);  // idempotent, acks=all: the client's defaults
  }

  // Reads `count` records of `topic` as a member of `group`, in order per partition; every test
  // here keys its records so that one partition's order is the order sent, or uses one
  // partition.
  private static List<String> consume(String bootstrap, String topic, String group, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (values.size() < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          values.add(r.value());
        }
      }
      consumer.commitSync();
    }
    return values;
  }

  private static Properties adminProps(String bootstrap) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return props;
  }

  private static Admin admin(String bootstrap) {
    return Admin.create(adminProps(bootstrap));
  }
}
