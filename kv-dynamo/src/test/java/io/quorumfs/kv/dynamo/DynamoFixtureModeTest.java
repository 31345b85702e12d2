package io.quorumfs.kv.dynamo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code -Dquorumfs.fixtures}: parsing, and the testcontainers mode failing clearly without Docker. */
final class DynamoFixtureModeTest {

  @Test
  void parse_defaultsToProcess_andRejectsOtherValues_namingThePropertyAndTheAllowedValues() {
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse(null));
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse("process"));
    assertEquals(FixtureMode.TESTCONTAINERS, FixtureMode.parse("testcontainers"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FixtureMode.parse("local"));
    assertTrue(e.getMessage().contains("-Dquorumfs.fixtures=local") && e.getMessage().contains("process")
        && e.getMessage().contains("testcontainers"), e.getMessage());
  }

  @Test
  void testcontainersMode_withoutADockerEngine_failsWithAClearMessage() throws Exception {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    Assumptions.assumeFalse(System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
        || (runtime != null && Files.exists(Path.of(runtime, "docker.sock"))),
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
