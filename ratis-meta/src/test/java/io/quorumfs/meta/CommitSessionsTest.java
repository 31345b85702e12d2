package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitSessionsTest {

  private final UUID a = new UUID(1, 2);
  private final UUID b = new UUID(3, 4);

  @Test
  void recordedResult_isADuplicate_untilTheLowWaterMarkPassesIt() {
    CommitSessions s = new CommitSessions(60_000);
    assertEquals(CommitSessions.Seen.NEW, s.seen(a, 1));
    s.record(a, 1, new byte[] {7});
    s.touch(a, 1, 1000);
    assertEquals(CommitSessions.Seen.DUPLICATE, s.seen(a, 1));
    assertArrayEquals(new byte[] {7}, s.result(a, 1));
    s.touch(a, 2, 1001);
    assertEquals(CommitSessions.Seen.ACKNOWLEDGED, s.seen(a, 1));
    assertEquals(CommitSessions.Seen.NEW, s.seen(a, 2));
  }

  @Test
  void idleClients_expireByEntryTime_andRowsRoundTrip() {
    CommitSessions s = new CommitSessions(10_000);
    s.record(a, 5, new byte[] {1, 2});
    s.touch(a, 3, 1_000);
    s.record(b, 1, new byte[] {3});
    s.touch(b, 1, 20_000);
    Map<UUID, byte[]> rows = s.drainDirty();
    assertEquals(2, rows.size());
    CommitSessions copy = new CommitSessions(10_000);
    copy.load(rows);
    assertArrayEquals(new byte[] {1, 2}, copy.result(a, 5));
    s.expire(20_000);
    Map<UUID, byte[]> gone = s.drainDirty();
    assertEquals(1, gone.size());
    assertEquals(null, gone.get(a));
    assertEquals(1, s.size());
    assertEquals(Map.of(), s.drainDirty());
  }

  @Test
  void expiry_followsTheLatestTouch_andIsTheSameAfterARestart() {
    CommitSessions s = new CommitSessions(10_000);
    for (int i = 0; i < 1000; i++) {
      s.touch(new UUID(9, i), 0, i);
    }
    s.touch(a, 0, 1_000);
    s.touch(a, 0, 50_000); // seen again later: its old place in the index is gone
    s.touch(b, 0, 45_000);
    s.touch(b, 0, 2_000); // entry time never goes back
    Map<UUID, byte[]> rows = s.drainDirty();
    assertEquals(1002, rows.size());
    s.expire(10_500); // only clients last seen before 500 are idle for more than 10 s
    Map<UUID, byte[]> gone = s.drainDirty();
    assertEquals(500, gone.size());
    assertTrue(gone.values().stream().allMatch(r -> r == null));
    assertEquals(502, s.size());

    CommitSessions restarted = new CommitSessions(10_000);
    restarted.load(new TreeMap<>(rows));
    restarted.expire(10_500);
    assertEquals(gone.keySet(), restarted.drainDirty().keySet(), "the same clients expire after a restart");
    restarted.expire(54_000);
    assertEquals(2, restarted.size(), "a (50,000) and b (45,000) stay");
    assertEquals(500, restarted.drainDirty().size());
    restarted.expire(55_001);
    assertEquals(java.util.Set.of(b), restarted.drainDirty().keySet());
    assertEquals(CommitSessions.Seen.NEW, restarted.seen(b, 1));
    assertEquals(1, restarted.size());
  }

  @TempDir
  Path dir;

  @Test
  void wipe_deletesTheSessionRows_inEveryStore() {
    for (String uri : List.of("mem:", "rocks://" + dir.resolve("kv").toAbsolutePath())) {
      try (ReplicaStore store = ReplicaStores.open(uri, 1 << 16)) {
        store.apply(1, 1, List.of(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v")).build()),
            outcomes -> Map.of(a, CommitSessions.encode(new CommitSessions.Session())));
        assertEquals(1, store.sessions().size(), uri);
        store.wipe(1, 2);
        assertEquals(Map.of(), store.sessions(), uri);
        assertEquals(2, store.applied().index(), uri);
      }
    }
  }
}
