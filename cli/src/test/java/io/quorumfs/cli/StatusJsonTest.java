package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quorumfs.fs.LiveSessions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code status --json} is one JSON document a JSON parser reads back, field for field. */
class StatusJsonTest {

  @Test
  void statusJson_parsesBack_withNullsForWhatIsUnknown_andEscapedText() throws Exception {
    Parts.ReplicaStatus up = new Parts.ReplicaStatus("n1", "[::1]:9871", "LEADER", 3, 120, 118, 99, 100,
        "", Optional.empty(), 4096, -1);
    Parts.ReplicaStatus down = new Parts.ReplicaStatus("n2", "[::1]:9872", "?", 0, 0, 0, 0, 0,
        "", Optional.of("did not answer: \"refused\"\n\tat\\ line \u0001 ✓"), -1, -1);
    Parts.ClusterStatus st = new Parts.ClusterStatus("meta", Optional.of("n1"), List.of(up, down),
        Map.of("n1", "[::1]:9871", "n2", "[::1]:9872"),
        List.of(new LiveSessions.Session(7, "host/42", Instant.parse("2026-01-02T03:04:05Z"),
            Instant.parse("2026-01-02T03:05:05Z"))), Optional.empty());

    JsonNode j = new ObjectMapper().readTree(StatusCommand.json("raft://[::1]:9871", st, 120));

    assertEquals("raft://[::1]:9871", j.get("meta").asText());
    assertEquals("n1", j.get("leader").asText());
    assertEquals("[::1]:9872", j.get("members").get("n2").asText());
    JsonNode r1 = j.get("replicas").get(0);
    assertEquals(true, r1.get("member").asBoolean());
    assertEquals(2, r1.get("lag").asLong());
    assertEquals("serving", r1.get("feed").asText());
    assertEquals(4096, r1.get("storeBytes").asLong());
    assertTrue(r1.get("raftBytes").isNull());
    assertTrue(r1.get("error").isNull());
    JsonNode r2 = j.get("replicas").get(1);
    assertEquals("did not answer: \"refused\"\n\tat\\ line \u0001 ✓", r2.get("error").asText());
    assertTrue(r2.get("member").isNull() && r2.get("lag").isNull() && r2.get("feed").isNull());
    assertEquals(7, j.get("clients").get(0).get("session").asLong());
    assertEquals("2026-01-02T03:04:05Z", j.get("clients").get(0).get("started").asText());
    assertTrue(j.get("clientsError").isNull());
  }

  @Test
  void statusJson_withoutLeaderOrClients_hasNulls() throws Exception {
    Parts.ClusterStatus st = new Parts.ClusterStatus("g", Optional.empty(), List.of(), Map.of(), List.of(),
        Optional.of("no leader"));
    JsonNode j = new ObjectMapper().readTree(StatusCommand.json("raft://h:1?group=g", st, 0));
    assertTrue(j.get("leader").isNull());
    assertTrue(j.get("clients").isNull());
    assertEquals("no leader", j.get("clientsError").asText());
    assertEquals(0, j.get("replicas").size());
  }
}
