package dev.samsa.junit;

import dev.samsa.testkit.SamsaException;
import dev.samsa.testkit.SamsaServer;
import dev.samsa.testkit.SamsaServerOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

/**
 * The extension behind {@link Samsa}: starts the class's broker (or takes the run's shared
 * one), creates its topics, sets {@link Samsa#bootstrapServersProperty()}, fills {@link
 * SamsaBootstrap} fields and resolves {@link SamsaServer} and {@code @SamsaBootstrap String}
 * parameters. Registered by {@code @Samsa}; registered alone ({@code @ExtendWith}) it starts
 * a broker with the defaults.
 */
public class SamsaExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SamsaExtension.class);
  /**
   * The broker the tests of a class context (and those below it) use, as a {@link Ref}: a
   * SamsaServer is AutoCloseable, and JUnit 5.13+ closes such store values with their
   * context, which would stop a shared broker after its first class.
   */
  private static final String SERVER = "server";
  private static final String PREVIOUS_PROPERTY = "previous-property";

  @Override
  public void beforeAll(ExtensionContext context) {
    SamsaServer server = ensure(context);
    Samsa samsa = annotation(context);
    if (samsa != null && !samsa.bootstrapServersProperty().isEmpty()) {
      String name = samsa.bootstrapServersProperty();
      context.getStore(NS).put(PREVIOUS_PROPERTY, Optional.ofNullable(System.getProperty(name)));
      System.setProperty(name, server.bootstrapServers());
    }
    for (Field f : fields(context.getRequiredTestClass(), true)) set(f, null, server);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    SamsaServer server = find(context);
    for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
      for (Field f : fields(instance.getClass(), false)) set(f, instance, server);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NS);
    Samsa samsa = annotation(context);
    if (samsa != null && !samsa.bootstrapServersProperty().isEmpty()) {
      @SuppressWarnings("unchecked")
      Optional<String> previous = store.remove(PREVIOUS_PROPERTY, Optional.class);
      if (previous != null && previous.isPresent()) {
        System.setProperty(samsa.bootstrapServersProperty(), previous.get());
      } else {
        System.clearProperty(samsa.bootstrapServersProperty());
      }
    }
    ServerResource own = store.remove(ownKey(context), ServerResource.class);
    if (own != null) own.stopChecked();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SamsaServer.class
        || (type == String.class && parameter.isAnnotated(SamsaBootstrap.class));
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    SamsaServer server = find(context);
    return parameter.getParameter().getType() == SamsaServer.class ? server : server.bootstrapServers();
  }

  /** The broker for this context: its class's, an enclosing class's, or (not started yet,
   *  e.g. a constructor parameter with a per-class test lifecycle) started now. */
  private SamsaServer find(ExtensionContext context) {
    Ref ref = context.getStore(NS).get(SERVER, Ref.class);
    if (ref != null) return ref.server;
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) c = c.getParent().get();
    if (c.getTestClass().isEmpty()) {
      throw new ParameterResolutionException("no samsa broker here: annotate the test class with @Samsa");
    }
    return ensure(c);
  }

  /** Starts (or takes the shared) broker of this class context, once. */
  private SamsaServer ensure(ExtensionContext classContext) {
    ExtensionContext.Store store = classContext.getStore(NS);
    ServerResource own = store.get(ownKey(classContext), ServerResource.class);
    if (own != null) return own.server;
    Samsa samsa = annotation(classContext);
    Ref inherited = store.get(SERVER, Ref.class);
    if (samsa == null && inherited != null) return inherited.server; // @Nested: the enclosing one's
    SamsaServerOptions.Builder options = SamsaServerOptions.builder();
    if (samsa != null) {
      for (String p : samsa.brokerProperties()) {
        try {
          options.brokerProperty(p);
        } catch (IllegalArgumentException e) {
          throw new ExtensionConfigurationException("@Samsa(brokerProperties) of "
              + classContext.getRequiredTestClass().getName() + ": " + e.getMessage(), e);
        }
      }
    }
    SamsaServer server;
    if (samsa != null && samsa.scope() == Samsa.Scope.JVM) {
      // One broker per set of broker properties, in the root context's store: JUnit closes
      // it when the whole run ends.
      SamsaServerOptions shared = options.build();
      String key = "jvm " + new TreeMap<>(shared.brokerProperties());
      server = classContext.getRoot().getStore(NS)
          .getOrComputeIfAbsent(key, k -> new ServerResource(SamsaServer.start(shared)), ServerResource.class)
          .server;
    } else {
      server = SamsaServer.start(options.build());
      store.put(ownKey(classContext), new ServerResource(server));
    }
    if (samsa != null) {
      for (String topic : samsa.topics()) server.createTopic(topic, samsa.partitions());
    }
    store.put(SERVER, new Ref(server));
    return server;
  }

  private static String ownKey(ExtensionContext classContext) {
    return "own " + classContext.getUniqueId();
  }

  private static Samsa annotation(ExtensionContext context) {
    return context.getTestClass()
        .flatMap(c -> AnnotationSupport.findAnnotation(c, Samsa.class))
        .orElse(null);
  }

  private static List<Field> fields(Class<?> type, boolean statics) {
    return AnnotationSupport.findAnnotatedFields(type, SamsaBootstrap.class,
        f -> Modifier.isStatic(f.getModifiers()) == statics, HierarchyTraversalMode.TOP_DOWN);
  }

  private static void set(Field f, Object instance, SamsaServer server) {
    if (f.getType() != String.class || Modifier.isFinal(f.getModifiers())) {
      throw new ExtensionConfigurationException(
          "@SamsaBootstrap field " + f + " must be a String that is not final");
    }
    try {
      f.setAccessible(true);
      f.set(instance, server.bootstrapServers());
    } catch (IllegalAccessException e) {
      throw new ExtensionConfigurationException("cannot set " + f, e);
    }
  }

  /** A broker in a store, not closed with it. */
  private record Ref(SamsaServer server) {}

  /**
   * A broker in a JUnit store: stopped when the store closes (the class's end for a
   * per-class broker that afterAll did not stop, the run's end for a shared one). Both of
   * JUnit's store clean-up interfaces, so old and new JUnit 5 versions close it.
   */
  @SuppressWarnings("deprecation")
  static final class ServerResource implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    final SamsaServer server;

    ServerResource(SamsaServer server) {
      this.server = server;
    }

    @Override
    public void close() {
      server.stop();
    }

    /** Stops the broker; a broker that did not exit cleanly fails the class, with its log. */
    void stopChecked() {
      int code = server.stop();
      if (code != 0) {
        throw new SamsaException("samsa " + server.bootstrapServers() + " exited with code " + code
            + "; the last lines of its log:\n" + tail(server.log()));
      }
    }

    private static String tail(String log) {
      List<String> lines = Arrays.asList(log.split("\n"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
  }
}
