package io.quorumfs.kv.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code -Dquorumfs.fixtures}: parsing, and the testcontainers mode failing clearly without Docker. */
final class RedisFixtureModeTest {

  @Test
  void parse_defaultsToProcess_andRejectsOtherValues_namingThePropertyAndTheAllowedValues() {
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse(null));
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse(" "));
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse("process"));
    assertEquals(FixtureMode.TESTCONTAINERS, FixtureMode.parse(" TestContainers "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FixtureMode.parse("docker"));
    assertTrue(e.getMessage().contains("-Dquorumfs.fixtures=docker") && e.getMessage().contains("process")
        && e.getMessage().contains("testcontainers"), e.getMessage());
  }

  @Test
  void testcontainersMode_withoutADockerEngine_failsWithAClearMessage_andProcessOnlyCallsAreUnsupported() {
    Assumptions.assumeFalse(dockerEngineVisible(),
        "a Docker engine is visible (DOCKER_HOST or a docker.sock): the no-Docker failure cannot be shown here");
    RedisServerExtension redis = new RedisServerExtension().withMode(FixtureMode.TESTCONTAINERS);
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class, redis::start);
      assertTrue(e.getMessage().contains("-Dquorumfs.fixtures=testcontainers needs a Docker engine")
          && e.getMessage().contains("redis:7") && e.getMessage().contains("-Dquorumfs.fixtures=process"), e.getMessage());
      UnsupportedOperationException u = assertThrows(UnsupportedOperationException.class, redis::kill);
      assertTrue(u.getMessage().contains("kill()") && u.getMessage().contains("-Dquorumfs.fixtures=testcontainers"),
          u.getMessage());
      assertThrows(UnsupportedOperationException.class, redis::restart);
      assertThrows(UnsupportedOperationException.class, redis::pid);
    } finally {
      redis.stop();
    }
  }

  static boolean dockerEngineVisible() {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    return System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
        || (runtime != null && Files.exists(Path.of(runtime, "docker.sock")));
  }
}
