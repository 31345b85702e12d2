package io.quorumfs.kv.rocks;

import java.time.Duration;
import io.quorumfs.kv.Poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rocks://-specific behaviour beyond the contract: URIs, reopen, side keys, checkpoints. */
final class RocksKvStoreTest {

  @TempDir
  Path tmp;

  private static byte[] b(String s) {
    return Bytes.utf8(s);
  }

  @Test
  void uri_withParameters_opensWithThoseOptions() {
    try (RocksKvStore s = (RocksKvStore) KvStores.open("rocks://" + tmp.resolve("a")
        + "?cache=8m&fsync=commit&history=500&watchValueBytes=1k&writeBuffer=4m")) {
      assertEquals(new RocksOptions(8L << 20, true, 500, 1024, 4L << 20), s.options());
      assertEquals(1024, s.maxWatchValueBytes());
      assertTrue(s.commit(Txn.builder().put(b("k"), b("v")).build()).ok());
    }
    try (KvStore s = KvStores.open("rocks:" + tmp.resolve("a"))) {
      assertEquals("v", new String(s.get(b("k")).value()));
    }
  }

  @Test
  void uri_unknownParameter_isAnErrorNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvStores.open("rocks://" + tmp.resolve("a") + "?cache=1m&bogus=1"));
    assertTrue(e.getMessage().contains("'bogus'") && e.getMessage().contains("cache, fsync"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("a")), "nothing is created for a bad URI");
  }

  @Test
  void uri_badParameterValues_areErrorsNamingTheParameter() {
    for (String q : List.of("cache=lots", "fsync=sometimes", "history=0", "history=x", "writeBuffer=1")) {
      String name = q.substring(0, q.indexOf('='));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> KvStores.open("rocks://" + tmp.resolve("a") + "?" + q), q);
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
  }

  @Test
  void uri_withoutPath_isAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open("rocks:///"));
    assertTrue(e.getMessage().contains("path"), e.getMessage());
  }

  @Test
  void unwritablePath_isAnErrorNamingThePath() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");
    Path under = file.resolve("db");
    KvException e = assertThrows(KvException.class, () -> KvStores.open("rocks://" + under));
    assertTrue(e.getMessage().contains(under.toString()), e.getMessage());
  }

  @Test
  void openingTheSameDirectoryTwice_failsWithALockError() {
    try (RocksKvStore s = RocksKvStore.open(tmp.resolve("db"), RocksOptions.defaults())) {
      KvException e = assertThrows(KvException.class, () -> RocksKvStore.open(tmp.resolve("db"), RocksOptions.defaults()));
      assertTrue(e.getMessage().contains(tmp.resolve("db").toString()) && e.getMessage().contains("lock"), e.getMessage());
    }
  }

  @Test
  void callerAssignedRevisions_andSideKeys_areAtomicAndSurviveReopen() {
    Path dir = tmp.resolve("db");
    try (RocksKvStore s = RocksKvStore.open(dir, RocksOptions.defaults())) {
      CommitResult r = s.commit(Txn.builder().put(b("a"), b("1")).build(), 100, Map.of("applied", b("t1:100")));
      assertEquals(100, r.revision());
      assertEquals(100, s.get(b("a")).version());
      CommitResult c = s.commit(Txn.builder().requireAbsent(b("a")).put(b("x"), b("1")).build(), 105,
          Map.of("applied", b("t1:105")));
      assertFalse(c.ok());
      assertArrayEquals(b("t1:105"), s.sideKey("applied"), "side keys are written even when compares fail");
      assertEquals(100, s.revision());
      assertThrows(IllegalArgumentException.class, () -> s.commit(Txn.builder().build(), 100, Map.of()));
      assertEquals(101, s.commit(Txn.builder().put(b("b"), b("2")).build()).revision());
      assertEquals(List.of("a", "b"), keys(s.scan(KeyRange.all(), 100, null).entries()));
      Map<String, byte[]> del = new HashMap<>();
      del.put("gone", null);
      s.putSideKeys(Map.of("gone", b("x")));
      s.putSideKeys(del);
      assertNull(s.sideKey("gone"));
    }
    try (RocksKvStore s = RocksKvStore.open(dir, RocksOptions.defaults())) {
      assertEquals(101, s.revision());
      assertArrayEquals(b("t1:105"), s.sideKey("applied"));
      assertEquals(102, s.commit(Txn.builder().put(b("c"), b("3")).build()).revision());
    }
  }

  @Test
  void watch_afterReopen_resumesExactlyFromThePersistedHistory_acrossRevisionGaps() {
    Path dir = tmp.resolve("db");
    try (RocksKvStore s = RocksKvStore.open(dir, RocksOptions.defaults())) {
      s.commit(Txn.builder().put(b("a"), b("1")).build(), 10, Map.of());
      s.commit(Txn.builder().put(b("b"), b("1")).build(), 20, Map.of());
      s.commit(Txn.builder().put(b("c"), b("1")).build(), 30, Map.of());
    }
    try (RocksKvStore s = RocksKvStore.open(dir, RocksOptions.defaults())) {
      Events ev = new Events();
      try (Watch w = s.watch(15, ev)) {
        await(() -> ev.revisions().contains(30L), "revision 30");
        assertEquals(List.of(20L, 30L), ev.revisions());
        assertEquals(List.of(), ev.resyncs);
      }
    }
  }

  @Test
  void trimmedHistory_staysTrimmedAfterReopen_soOldSubscribersResync() {
    Path dir = tmp.resolve("db");
    RocksOptions small = RocksOptions.defaults().withHistoryRevisions(5);
    try (RocksKvStore s = RocksKvStore.open(dir, small)) {
      for (int i = 0; i < 40; i++) {
        s.commit(Txn.builder().add(b("n"), 1).build());
      }
    }
    try (RocksKvStore s = RocksKvStore.open(dir, small)) {
      assertEquals(40, s.revision());
      Events old = new Events();
      Events recent = new Events();
      try (Watch w1 = s.watch(2, old); Watch w2 = s.watch(37, recent)) {
        await(() -> !old.resyncs.isEmpty(), "resync of a trimmed revision");
        await(() -> recent.revisions().contains(40L), "recent revisions");
        assertEquals(List.of(38L, 39L, 40L), recent.revisions());
        assertEquals(List.of(40L), old.resyncs);
      }
    }
  }

  @Test
  void checkpoint_isAnOpenableConsistentCopy() {
    Path cp = tmp.resolve("cp");
    try (RocksKvStore s = RocksKvStore.open(tmp.resolve("db"), RocksOptions.defaults())) {
      s.commit(Txn.builder().put(b("a"), b("1")).build(), 7, Map.of("applied", b("7")));
      assertEquals(7, s.checkpoint(cp));
      s.commit(Txn.builder().put(b("b"), b("2")).build());
      KvException e = assertThrows(KvException.class, () -> s.checkpoint(cp));
      assertTrue(e.getMessage().contains(cp.toString()), e.getMessage());
    }
    try (RocksKvStore c = RocksKvStore.open(cp, RocksOptions.defaults())) {
      assertEquals(7, c.revision());
      assertEquals(7, c.get(b("a")).version());
      assertFalse(c.get(b("b")).exists());
      assertArrayEquals(b("7"), c.sideKey("applied"));
    }
  }

  private static List<String> keys(List<io.quorumfs.kv.Versioned> vs) {
    List<String> out = new ArrayList<>();
    vs.forEach(v -> out.add(new String(v.key())));
    return out;
  }

  private static void await(BooleanSupplier cond, String what) {
    Poll.until(Duration.ofSeconds(20), what, cond);
  }


  private static final class Events implements WatchListener {
    final List<Long> resyncs = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Long> revisions = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onEvent(ChangeEvent event) {
      revisions.add(event.revision());
    }

    @Override
    public void onResync(long revision) {
      resyncs.add(revision);
    }

    List<Long> revisions() {
      return new ArrayList<>(revisions);
    }
  }
}
