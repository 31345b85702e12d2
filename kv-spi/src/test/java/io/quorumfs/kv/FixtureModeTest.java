package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code -Dquorumfs.fixtures} parsing, shared by the Redis and DynamoDB fixtures. */
final class FixtureModeTest {

  @Test
  void parse_defaultsToProcess_andRejectsOtherValues_namingThePropertyAndTheAllowedValues() {
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse(null));
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse(" "));
    assertEquals(FixtureMode.PROCESS, FixtureMode.parse("process"));
    assertEquals(FixtureMode.TESTCONTAINERS, FixtureMode.parse("testcontainers"));
    assertEquals(FixtureMode.TESTCONTAINERS, FixtureMode.parse(" TestContainers "));
    for (String bad : new String[] {"docker", "local"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FixtureMode.parse(bad));
      assertTrue(e.getMessage().contains("-Dquorumfs.fixtures=" + bad) && e.getMessage().contains("process")
          && e.getMessage().contains("testcontainers"), e.getMessage());
    }
  }
}
