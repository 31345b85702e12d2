package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calls that must wait (or recover) inside the store rather than in every caller. */
class RaftKvStoreRetryTest {

  @TempDir
  Path dir;

  @Test
  void linearizableRead_rightAfterClusterStart_waitsForTheElection() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem");
         RaftKvStore s = (RaftKvStore) KvStores.open(c.uri() + "?timeout=30s")) {
      // No awaitLeader: the first read races the first election.
      assertFalse(s.get(Bytes.utf8("nothing")).exists());
      assertTrue(s.revision() >= 0);
    }
  }

  @Test
  void requestRefusedBeforeLogging_leavesTheClientUsable() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (RaftKvStore s = (RaftKvStore) KvStores.open(c.uri() + "?timeout=10s")) {
        long r1 = s.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build()).revision();
        KvException e = assertThrows(KvException.class, s::resetForTests);
        assertTrue(e.getMessage().contains("allowTestReset"), e.getMessage());
        // The same client goes on committing and reading.
        long r2 = s.commit(Txn.builder().put(Bytes.utf8("b"), Bytes.utf8("2")).build()).revision();
        assertTrue(r2 > r1);
        assertEquals(r1, s.get(Bytes.utf8("a")).version());
      }
    }
  }
}
