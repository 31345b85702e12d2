package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica whose store fails to write an entry must stop (fail-stop), not mark the entry applied
 * and go on without it: restarted on a healthy store, it replays the entry and holds exactly what
 * the others hold.
 */
class ApplyFailureTest {
  @TempDir
  Path dir;

  @Test
  void aReplicaWhoseStoreFails_stops_andAfterARestartHoldsEveryEntry() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "rocks")) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      String victim = c.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      try (RaftKvStore s = (RaftKvStore) KvStores.open(c.uri())) {
        for (int i = 0; i < 10; i++) {
          s.commit(Txn.builder().put(Bytes.utf8("k" + i), Bytes.utf8("v" + i)).build());
        }
        c.stop(victim);
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        FailingReplicaStore[] failing = new FailingReplicaStore[1];
        MetaServer restarted = MetaServer.start(c.config(victim),
            st -> failing[0] = new FailingReplicaStore(st, armed::get));
        c.servers.add(restarted);
        BadInputTest.awaitSameDigest(s);

        armed.set(true);
        for (int i = 10; i < 40; i++) {
          s.commit(Txn.builder().put(Bytes.utf8("k" + i), Bytes.utf8("v" + i)).build());
        }
        // What a replica process waits on to exit non-zero (quorumfs meta start, MetaServerMain).
        java.util.concurrent.CompletableFuture<RuntimeException> stopped = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            return restarted.awaitFailStop();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        LocalCluster.poll(Duration.ofSeconds(60), "the failing replica to stop",
            () -> restarted.failure() != null && restarted.isClosed());
        assertTrue(failing[0].failedAt > 0, "the injected failure happened");
        assertNotNull(restarted.failure());
        assertEquals(restarted.failure(), stopped.get(60, java.util.concurrent.TimeUnit.SECONDS),
            "awaitFailStop returns the store failure once the replica has stopped");
        for (int i = 40; i < 50; i++) { // the two others go on
          s.commit(Txn.builder().put(Bytes.utf8("k" + i), Bytes.utf8("v" + i)).build());
        }

        c.restart(victim); // on its healthy store: replays the entry that failed
        BadInputTest.awaitSameDigest(s);
        for (int i = 0; i < 50; i++) {
          assertEquals("v" + i, new String(s.get(Bytes.utf8("k" + i)).value(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
  }
}
