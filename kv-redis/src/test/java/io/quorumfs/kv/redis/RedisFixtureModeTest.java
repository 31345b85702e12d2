package io.quorumfs.kv.redis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.FixtureMode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code -Dquorumfs.fixtures=testcontainers} failing clearly without Docker (parsing: kv-spi's FixtureModeTest). */
final class RedisFixtureModeTest {

  @Test
  void testcontainersMode_withoutADockerEngine_failsWithAClearMessage_andProcessOnlyCallsAreUnsupported() {
    Assumptions.assumeFalse(FixtureMode.dockerEngineVisible(),
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
}
