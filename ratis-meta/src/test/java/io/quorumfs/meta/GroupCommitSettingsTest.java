package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitSettingsTest {

  @TempDir
  Path dir;

  @Test
  void groupCommitOption_changesOnlyTheNamedSettings() {
    MetaServerConfig c = MetaServerMain.parse(new String[] {"--id", "n1", "--peers", "n1=127.0.0.1:1",
        "--dir", dir.toString(), "--group-commit", "inflight=1, lingerMicros=50,sessionIdleMillis=2000"});
    MetaServerConfig.GroupCommit g = c.groupCommit();
    assertEquals(1, g.inflight());
    assertEquals(50, g.lingerMicros());
    assertEquals(Duration.ofSeconds(2), g.sessionIdle());
    assertEquals(MetaServerConfig.GroupCommit.DEFAULTS.maxTxns(), g.maxTxns());
    assertEquals(MetaServerConfig.GroupCommit.DEFAULTS.maxBytes(), g.maxBytes());
  }

  @Test
  void groupCommitOption_refusesUnknownKeysAndBadValues_namingThem() {
    MetaServerConfig.GroupCommit d = MetaServerConfig.GroupCommit.DEFAULTS;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.with("inflite=2"));
    assertTrue(e.getMessage().contains("inflite"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> d.with("inflight=two"));
    assertTrue(e.getMessage().contains("inflight=two"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> d.with("inflight=0"));
    assertTrue(e.getMessage().contains("inflight 0"), e.getMessage());
  }
}
