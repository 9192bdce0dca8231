package dev.samsa.spring.support;

import dev.samsa.test.SamsaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the Spring tests that stop, kill or restart the broker (AppRestartTest,
 * BrokerRestartTest): one real samsa per test class through SamsaBroker, which can restart it
 * on the same port and data. The other Spring tests use the testkit's @EmbeddedSamsa
 * (testkit/java/spring), as users would. The broker is started before Spring starts the
 * app and stopped after Spring closed it. The extension is declared here, on the superclass,
 * so JUnit registers it before the SpringExtension of the subclass's @SpringBootTest; after-all
 * callbacks run in reverse order, so the app (closed by @DirtiesContext after the class) is
 * gone before its broker is.
 */
@ExtendWith(SamsaSpringTest.BrokerPerClass.class)
@DirtiesContext
public abstract class SamsaSpringTest {
  /** The broker of the test class running now. */
  protected static SamsaBroker samsa;

  @DynamicPropertySource
  static void samsaBootstrap(DynamicPropertyRegistry registry) {
    registry.add("spring.kafka.bootstrap-servers", () -> samsa.bootstrap());
  }

  /** A plain AdminClient for checks from outside the app. */
  protected static Admin admin() {
    return TestAdmin.create(samsa.bootstrap());
  }

  /** "--spring.kafka.bootstrap-servers=...", for apps a test starts itself. */
  protected static String bootstrapArg() {
    return "--spring.kafka.bootstrap-servers=" + samsa.bootstrap();
  }

  /** The broker's output, for failure messages. */
  protected static String brokerLog() {
    String log = samsa.log();
    return log.length() > 20_000 ? "..." + log.substring(log.length() - 20_000) : log;
  }

  static final class BrokerPerClass implements BeforeAllCallback, AfterAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      samsa = SamsaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
      if (samsa != null) {
        samsa.close();
        samsa = null;
      }
    }
  }
}
