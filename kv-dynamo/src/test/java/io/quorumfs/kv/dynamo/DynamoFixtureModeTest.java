package io.quorumfs.kv.dynamo;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.FixtureMode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code -Dquorumfs.fixtures=testcontainers} failing clearly without Docker (parsing: kv-spi's FixtureModeTest). */
final class DynamoFixtureModeTest {

  @Test
  void testcontainersMode_withoutADockerEngine_failsWithAClearMessage() throws Exception {
    Assumptions.assumeFalse(FixtureMode.dockerEngineVisible(),
        "a Docker engine is visible (DOCKER_HOST or a docker.sock): the no-Docker failure cannot be shown here");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
      try (AutoCloseable unexpected = DynamoLocalExtension.startStandalone(FixtureMode.TESTCONTAINERS)) {
        // a Docker engine after all: nothing to assert, close it
      }
    });
    assertTrue(e.getMessage().contains("-Dquorumfs.fixtures=testcontainers needs a Docker engine")
        && e.getMessage().contains("amazon/dynamodb-local:2.6.0"), e.getMessage());
  }
}
