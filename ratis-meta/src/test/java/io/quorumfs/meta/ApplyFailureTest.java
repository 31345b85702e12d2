package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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

  /** A replica store whose next non-empty apply fails once armed, as a disk write error would. */
  private static final class FailingStore implements ReplicaStore {
    final ReplicaStore inner;
    volatile boolean failNext;
    volatile long failedAt = -1;

    FailingStore(ReplicaStore inner) {
      this.inner = inner;
    }

    @Override public Applied applied() { return inner.applied(); }

    @Override
    public EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows) {
      if (failNext && !txns.isEmpty()) {
        failNext = false;
        failedAt = index;
        throw new IllegalStateException("injected: the write of entry " + index + " failed");
      }
      return inner.apply(term, index, txns, sessionRows);
    }

    @Override public Map<UUID, byte[]> sessions() { return inner.sessions(); }
    @Override public void wipe(long term, long index) { inner.wipe(term, index); }
    @Override public List<Versioned> getAll(List<byte[]> keys) { return inner.getAll(keys); }
    @Override public ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes) {
      return inner.scan(range, limit, after, maxBytes);
    }
    @Override public void snapshotTo(Path d) throws IOException { inner.snapshotTo(d); }
    @Override public void restoreFrom(Path d) throws IOException { inner.restoreFrom(d); }
    @Override public Digest digest() { return inner.digest(); }
    @Override public String groupId() { return inner.groupId(); }
    @Override public void setGroupId(String groupId) { inner.setGroupId(groupId); }
    @Override public void close() { inner.close(); }
  }

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
        FailingStore[] failing = new FailingStore[1];
        MetaServer restarted = MetaServer.start(c.config(victim), st -> failing[0] = new FailingStore(st));
        c.servers.add(restarted);
        BadInputTest.awaitSameDigest(s);

        failing[0].failNext = true;
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
