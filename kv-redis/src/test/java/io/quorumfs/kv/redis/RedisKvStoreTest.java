package io.quorumfs.kv.redis;

import java.time.Duration;
import io.quorumfs.kv.Poll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.io.IOException;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Redis-specific behaviour beyond the contract: prefixes, key layout, scripts, trimming, timeouts. */
final class RedisKvStoreTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  private static RedisClient rawClient;
  private static StatefulRedisConnection<byte[], byte[]> rawConn;
  private static RedisCommands<byte[], byte[]> raw;

  @BeforeAll
  static void rawConnection() {
    rawClient = RedisClient.create("redis://" + REDIS.host() + ":" + REDIS.port());
    rawConn = rawClient.connect(ByteArrayCodec.INSTANCE);
    raw = rawConn.sync();
  }

  @AfterAll
  static void closeRaw() {
    rawConn.close();
    rawClient.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1));
  }

  @Test
  void provider_isRegistered_forRedisAndRediss() {
    assertTrue(KvStores.providers().get("redis") instanceof RedisKvStoreProvider);
    assertTrue(KvStores.providers().get("rediss") instanceof RedisKvStoreProvider);
  }

  @Test
  void prefixes_isolateStoresOnOneServer_andOnePrefixIsShared() throws Exception {
    try (KvStore a = KvStores.open(REDIS.uri("iso-a")); KvStore b = KvStores.open(REDIS.uri("iso-b"));
        KvStore a2 = KvStores.open(REDIS.uri("iso-a"))) {
      long r = a.commit(Txn.builder().put(k("x"), k("from a")).build()).revision();
      assertFalse(b.get(k("x")).exists());
      assertEquals(0, b.revision());
      assertTrue(b.scan(KeyRange.all(), 10, null).entries().isEmpty());
      assertEquals(r, a2.get(k("x")).version(), "a second instance on the same prefix shares the data");
      Events ev = new Events();
      try (Watch w = a2.watch(r, ev)) {
        long r2 = a.commit(Txn.builder().put(k("y"), k("1")).build()).revision();
        await(() -> ev.last() >= r2, "a2's watch to see a's commit");
      }
    }
  }

  @Test
  void keyLayout_isTheDocumentedOne() {
    try (KvStore s = KvStores.open(REDIS.uri("layout"))) {
      long r = s.commit(Txn.builder().put(new byte[] {0, (byte) 0xFF}, k("v")).build()).revision();
      assertEquals("string", raw.type(k("{layout}:rev")));
      assertEquals("zset", raw.type(k("{layout}:idx")));
      assertEquals("stream", raw.type(k("{layout}:log")));
      byte[] stored = raw.get(Bytes.concat(k("{layout}:k:"), new byte[] {0, (byte) 0xFF}));
      assertArrayEquals(Bytes.concat(Bytes.ofLong(r), k("v")), stored, "8-byte big-endian version, then the value");
      assertEquals(List.of(), raw.keys(k("{layout}:k:v*")));
      assertEquals(1L, raw.zcard(k("{layout}:idx")));
      assertEquals(1L, raw.xlen(k("{layout}:log")));
    }
  }

  @Test
  void scriptFlush_isSurvived_byReloadingOnNoScript() {
    try (KvStore s = KvStores.open(REDIS.uri("flush"))) {
      s.commit(Txn.builder().put(k("a"), k("1")).build());
      raw.scriptFlush();
      assertTrue(s.commit(Txn.builder().put(k("b"), k("2")).build()).ok());
      raw.scriptFlush();
      assertEquals(2, s.scan(KeyRange.all(), 10, null).entries().size());
    }
  }

  @Test
  void smallHistory_isTrimmedExactly() {
    try (KvStore s = KvStores.open(REDIS.uri("trim") + "&history=50")) {
      for (int i = 0; i < 120; i++) {
        s.commit(Txn.builder().put(k("k" + (i % 7)), k("v" + i)).build());
      }
      assertEquals(50L, raw.xlen(k("{trim}:log")));
    }
  }

  @Test
  void counters_use64BitTwosComplement_inTheScript() {
    try (KvStore s = KvStores.open(REDIS.uri("math"))) {
      assertEquals(Long.MIN_VALUE, s.commit(Txn.builder().add(k("a"), Long.MAX_VALUE).add(k("a"), 1).build()).opResult(1));
      assertEquals(-2, s.commit(Txn.builder().add(k("b"), 3).add(k("b"), -5).build()).opResult(1));
      assertEquals(0x1_0000_0000L, s.commit(Txn.builder().add(k("c"), 0xFFFF_FFFFL).add(k("c"), 1).build()).opResult(1));
      CommitResult m = s.commit(Txn.builder().max(k("m"), -10).max(k("m"), -3).max(k("m"), Long.MIN_VALUE)
          .max(k("m"), -4).build());
      assertEquals(List.of(-10L, -3L, -3L, -3L), m.opResults());
      assertEquals(Long.MAX_VALUE, s.commit(Txn.builder().max(k("m"), Long.MAX_VALUE).build()).opResult(0));
      assertEquals(-1, s.commit(Txn.builder().add(k("z"), -1).build()).opResult(0));
      assertArrayEquals(Bytes.ofLong(-1), s.get(k("z")).value());
    }
  }

  @Test
  void scan_withAHugeLimit_returnsAtMostOnePageCap_andSaysMore() {
    try (KvStore s = KvStores.open(REDIS.uri("cap"))) {
      int n = RedisKvStore.PAGE_CAP + 50;
      for (int i = 0; i < n; i += 1000) {
        Txn.Builder b = Txn.builder();
        for (int j = i; j < Math.min(n, i + 1000); j++) {
          b.put(k(String.format("c%06d", j)), new byte[0]);
        }
        s.commit(b.build());
      }
      ScanPage p = s.scan(KeyRange.all(), 1_000_000, null);
      assertEquals(RedisKvStore.PAGE_CAP, p.entries().size());
      assertTrue(p.more());
      ScanPage rest = s.scan(KeyRange.all(), 1_000_000, p.next());
      assertEquals(50, rest.entries().size());
      assertFalse(rest.more());
    }
  }

  @Test
  void hungServer_commandsTimeOutWithAClearError_andWorkAgainAfterwards() throws Exception {
    REDIS.assumeProcess("SIGSTOP/SIGCONT of the server's PID");
    try (KvStore s = KvStores.open(REDIS.uri("hung") + "&timeout=500ms")) {
      s.commit(Txn.builder().put(k("a"), k("1")).build());
      signal("STOP");
      try {
        long t0 = System.nanoTime();
        KvUnavailableException e = assertThrows(KvUnavailableException.class, () -> s.get(k("a")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains(REDIS.host() + ":" + REDIS.port()) && e.getMessage().contains("within 500 ms"),
            e.getMessage());
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertThrows(KvUnavailableException.class, () -> s.commit(Txn.builder().put(k("b"), k("1")).build()));
      } finally {
        signal("CONT");
      }
      await(() -> {
        try {
          return s.get(k("a")).exists();
        } catch (KvUnavailableException e) {
          return false;
        }
      }, "reads to work again after SIGCONT");
    }
  }

  @Test
  void watch_afterTheServerLostItsData_resyncs() throws Exception {
    try (KvStore s = KvStores.open(REDIS.uri("lost"))) {
      for (int i = 0; i < 5; i++) {
        s.commit(Txn.builder().put(k("k" + i), k("v")).build());
      }
      Events ev = new Events();
      try (Watch w = s.watch(s.revision(), ev)) {
        for (byte[] key : raw.keys(k("{lost}:*"))) {
          raw.del(key); // what a restart without persistence, or FLUSHDB, does to this prefix
        }
        long r = s.commit(Txn.builder().put(k("again"), k("v")).build()).revision();
        assertEquals(1, r);
        await(() -> !ev.resyncs.isEmpty(), "onResync after the server lost revisions the watch had seen");
        s.commit(Txn.builder().put(k("more"), k("v")).build());
        await(() -> ev.last() >= 2, "events after the resync");
      }
    }
  }

  @Test
  void replayedCommitScript_withTheSameTxnId_isNotAppliedTwice() {
    try (KvStore kv = KvStores.open(REDIS.uri("replay"))) {
      RedisKvStore s = (RedisKvStore) kv;
      byte[][] args = s.commitArgs(Txn.builder().put(k("a"), k("1")).add(k("n"), 5).build(), k("txn-id-1"));
      java.util.List<Object> first = RedisScript.COMMIT.run(raw, s.commitKeys(), args);
      java.util.List<Object> again = RedisScript.COMMIT.run(raw, s.commitKeys(), args); // what a replay sends
      assertEquals(1L, first.get(0));
      assertArrayEquals((byte[]) first.get(1), (byte[]) again.get(1), "the replay gets the first reply");
      assertEquals(1, s.revision());
      assertEquals(5, Bytes.toLong(s.get(k("n")).value()));
      assertEquals(1L, raw.xlen(k("{replay}:log")));
      java.util.List<Object> other = RedisScript.COMMIT.run(raw, s.commitKeys(),
          s.commitArgs(Txn.builder().add(k("n"), 5).build(), k("txn-id-2")));
      assertEquals(1L, other.get(0));
      assertEquals(10, Bytes.toLong(s.get(k("n")).value()));
    }
  }

  @Test
  void watch_fromABacklogOfManyBatches_deliversEveryRevisionInOrder_thenProgress() throws Exception {
    try (KvStore s = KvStores.open(REDIS.uri("backlog"))) {
      int n = 1300; // more than two XREAD batches of 512
      for (int i = 0; i < n; i++) {
        s.commit(Txn.builder().put(k("k" + (i % 10)), k("v" + i)).build());
      }
      Events ev = new Events();
      try (Watch w = s.watch(0, ev)) {
        await(() -> ev.progress >= n, "onProgress(" + n + ")");
        assertEquals(n, ev.revisions.size());
        for (int i = 0; i < n; i++) {
          assertEquals(i + 1, ev.revisions.get(i));
        }
        assertTrue(ev.resyncs.isEmpty());
      }
    }
  }

  private static void signal(String sig) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(REDIS.pid())).inheritIO().start();
    assertEquals(0, p.waitFor());
  }

  private static byte[] k(String s) {
    return Bytes.utf8(s);
  }

  private static void await(BooleanSupplier cond, String what) {
    Poll.until(Duration.ofSeconds(30), what, cond);
  }


  static final class Events implements WatchListener {
    final List<Long> revisions = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Long> resyncs = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long last;
    volatile long progress;

    @Override
    public void onEvent(ChangeEvent event) {
      revisions.add(event.revision());
      last = event.revision();
    }

    @Override
    public void onResync(long revision) {
      resyncs.add(revision);
      last = revision;
    }

    @Override
    public void onProgress(long revision) {
      progress = revision;
    }

    long last() {
      return last;
    }
  }
}
