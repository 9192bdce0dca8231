package dev.samsa.testcontainers.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * A test class that needs a Docker API: skipped without one, as {@code
 * @Testcontainers(disabledWithoutDocker = true)} would, except under {@code
 * -Dsamsa.requireDocker=true} (run-tests.sh, which provides podman's), where not reaching it fails
 * the class instead.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerApiRequired.Condition.class)
public @interface DockerApiRequired {

  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      // Decided once, for the class; its methods follow it.
      if (context.getTestMethod().isPresent()) return ConditionEvaluationResult.enabled(null);
      if (DockerClientFactory.instance().isDockerAvailable()) {
        return ConditionEvaluationResult.enabled("a Docker API");
      }
      String why = "no Docker API (set DOCKER_HOST; run-tests.sh starts podman's)";
      // A condition that throws fails the class rather than skipping it.
      if (Boolean.getBoolean("samsa.requireDocker")) throw new IllegalStateException(why);
      return ConditionEvaluationResult.disabled(why);
    }
  }
}
