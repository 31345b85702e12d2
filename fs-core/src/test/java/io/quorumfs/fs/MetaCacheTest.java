package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The cache's coherence rules, driven directly (feed calls made by the test, not a watch). */
class MetaCacheTest {
  private final MemKvStore store = new MemKvStore();
  private final MetricRegistry metrics = new MetricRegistry();
  private final MetaCache cache = new MetaCache(store, 100, metrics);

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private long put(String k, String v) {
    CommitResult r = store.commit(Txn.builder().put(b(k), b(v)).build());
    return r.revision();
  }

  @AfterEach
  void close() {
    cache.close();
    store.close();
  }

  @Test
  void secondRead_isAHit() {
    put("a", "1");
    cache.get(b("a"));
    cache.get(b("a"));
    assertEquals(1, metrics.counter("quorumfs.fs.cache.misses").getCount());
    assertEquals(1, metrics.counter("quorumfs.fs.cache.hits").getCount());
  }

  @Test
  void resync_dropsEverything() {
    put("a", "1");
    put("b", "2");
    cache.getAll(List.of(b("a"), b("b")));
    assertEquals(2, cache.size());
    cache.onResync(store.revision());
    assertEquals(0, cache.size());
    assertEquals(2, metrics.counter("quorumfs.fs.cache.invalidations").getCount());
    assertArrayEquals(b("2"), cache.get(b("b")).value());
  }

  @Test
  void olderEvent_neverOverwritesANewerLoad() {
    long r1 = put("a", "old");
    long r2 = put("a", "new");
    assertEquals(r2, cache.get(b("a")).version());
    cache.onEvent(new ChangeEvent(r1, List.of(new Change(b("a"), b("old"), r1, false))));
    assertArrayEquals(b("new"), cache.get(b("a")).value());
  }

  @Test
  void aDeleteReadFromTheStore_winsOverAnOlderEventDeliveredWhileItWasRead() {
    long r1 = put("a", "held");
    store.commit(Txn.builder().delete(b("a")).build());
    // The feed lags: the put's event reaches the cache while the read that sees the delete runs.
    MetaCache c = new MetaCache(new ForwardingKvStore(store) {
      @Override
      public Versioned get(byte[] key) {
        Versioned v = inner.get(key);
        cacheUnderTest[0].onEvent(
            new ChangeEvent(r1, List.of(new Change(b("a"), b("held"), r1, false))));
        return v;
      }
    }, 100, metrics);
    cacheUnderTest[0] = c;
    try {
      assertFalse(c.get(b("a")).exists(), "the store's answer, not the older event's");
    } finally {
      c.close();
    }
  }

  private final MetaCache[] cacheUnderTest = new MetaCache[1];

  @Test
  void aLoadInFlightAcrossAResync_installsNothing() {
    put("a", "old");
    MetaCache c = new MetaCache(new ForwardingKvStore(store) {
      @Override
      public Versioned get(byte[] key) {
        Versioned v = inner.get(key);
        // While the read's answer travels back: a change, and the feed skips past it (RESYNC).
        long r = put("a", "new");
        cacheUnderTest[0].onResync(r);
        return v;
      }
    }, 100, metrics);
    cacheUnderTest[0] = c;
    try {
      assertArrayEquals(b("old"), c.get(b("a")).value(), "the read itself answers what it read");
      assertEquals(0, c.size(), "but does not install it: no event will ever correct it");
    } finally {
      c.close();
    }
  }

  @Test
  void aResyncToAnOlderRevision_movesTheFeedBack_andLaterEventsApply() {
    cache.get(b("a"));
    cache.onEvent(new ChangeEvent(500, List.of(new Change(b("a"), b("x"), 500, false))));
    assertEquals(500, cache.fed());
    cache.onResync(100); // the cluster was restored from an older backup
    assertEquals(100, cache.fed());
    cache.get(b("a")); // absent in the store: stamped as of revision 100, not 500
    cache.onEvent(new ChangeEvent(101, List.of(new Change(b("a"), b("y"), 101, false))));
    assertArrayEquals(b("y"), cache.get(b("a")).value());
  }

  @Test
  void anOwnCommitAtOrBelowAResync_isNotInstalled() {
    cache.onResync(100);
    cache.applyOwn(90, List.of(b("a")), java.util.Arrays.asList(b("mine")));
    assertEquals(0, cache.size());
    cache.applyOwn(101, List.of(b("a")), java.util.Arrays.asList(b("mine")));
    assertArrayEquals(b("mine"), cache.get(b("a")).value());
  }


  @Test
  void aFeedThatEnds_isResubscribedInTheBackground_untilTheStoreAnswers() {
    java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger(3);
    java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
    List<io.quorumfs.kv.Watch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
    MetaCache c = new MetaCache(new ForwardingKvStore(store) {
      @Override
      public io.quorumfs.kv.Watch watch(long from, io.quorumfs.kv.WatchListener l) {
        attempts.incrementAndGet();
        if (attempts.get() > 1 && refusals.getAndDecrement() > 0) {
          throw new io.quorumfs.kv.KvUnavailableException("store down");
        }
        io.quorumfs.kv.Watch w = inner.watch(from, l);
        watches.add(w);
        return w;
      }
    }, 100, metrics);
    try {
      c.start();
      watches.get(0).close(); // the feed ends: its listener gets onClose, once
      long r = put("a", "after");
      io.quorumfs.kv.Poll.until(java.time.Duration.ofSeconds(30), "the feed reaches " + r,
          () -> c.fed() >= r);
      assertEquals(5, attempts.get(), "the first watch, three refused, one that works");
      assertArrayEquals(b("after"), c.get(b("a")).value());
    } finally {
      c.close();
    }
  }


  @Test
  void newerEvent_replacesACachedValue_andADeleteCachesAbsence() {
    long r1 = put("a", "1");
    cache.get(b("a"));
    long r2 = put("a", "2");
    cache.onEvent(new ChangeEvent(r2, List.of(new Change(b("a"), b("2"), r2, false))));
    assertEquals(r2, cache.get(b("a")).version());
    long r3 = r2 + 1;
    cache.onEvent(new ChangeEvent(r3, List.of(new Change(b("a"), null, 0, false))));
    assertFalse(cache.get(b("a")).exists());
    assertTrue(r1 < r2);
  }

  @Test
  void eventWithOmittedValue_makesTheNextReadGoToTheStore() {
    put("a", "1");
    cache.get(b("a"));
    long r2 = put("a", "big");
    cache.onEvent(new ChangeEvent(r2, List.of(new Change(b("a"), null, r2, true))));
    assertArrayEquals(b("big"), cache.get(b("a")).value());
    assertEquals(2, metrics.counter("quorumfs.fs.cache.misses").getCount());
  }

  @Test
  void ownCommit_isVisibleBeforeTheFeedDeliversIt() {
    cache.get(b("a"));
    cache.applyOwn(42, List.of(b("a")), java.util.Arrays.asList(b("mine")));
    Versioned v = cache.get(b("a"));
    assertArrayEquals(b("mine"), v.value());
    assertEquals(42, v.version());
  }

  @Test
  void barrier_waitsForTheFeedToReachTheStoreRevision() {
    cache.start();
    put("a", "1");
    cache.barrier(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
    assertTrue(cache.fed() >= store.revision());
  }

  @Test
  void capacity_boundsTheEntries() {
    for (int i = 0; i < 150; i++) {
      cache.get(b("k" + i));
    }
    assertTrue(cache.size() <= 100 && cache.size() >= 90, "size " + cache.size());
    assertTrue(metrics.counter("quorumfs.fs.cache.evictions").getCount() >= 50);
  }

  @Test
  void eviction_keepsEntriesThatAreReadAgain() {
    put("hot", "1");
    cache.get(b("hot"));
    for (int i = 0; i < 1000; i++) {
      cache.get(b("hot"));
      cache.get(b("cold" + i));
    }
    long missesBefore = metrics.counter("quorumfs.fs.cache.misses").getCount();
    cache.get(b("hot"));
    assertEquals(missesBefore, metrics.counter("quorumfs.fs.cache.misses").getCount());
  }

  @Test
  void concurrentReadersAndFeed_stayBoundedAndCoherent() throws Exception {
    long[] revs = new long[50];
    for (int i = 0; i < 50; i++) {
      revs[i] = put("k" + i, "v" + i);
    }
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int tt = t;
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 2000; i++) {
            int n = (i * 7 + tt) % 300;
            Versioned v = cache.get(b("k" + n));
            if (n < 50) {
              assertArrayEquals(b("v" + n), v.value());
            } else {
              assertFalse(v.exists());
            }
          }
        }));
      }
      for (int i = 0; i < 50; i++) {
        cache.onEvent(new ChangeEvent(revs[i], List.of(new Change(b("k" + i), b("v" + i), revs[i],
            false))));
      }
      for (java.util.concurrent.Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertTrue(cache.size() <= 100, "size " + cache.size());
  }

  // ---- complete ranges: keys "d/<name>" belong to range "d/" ----

  private static byte[] rangeOfSlash(byte[] key) {
    String s = new String(key, StandardCharsets.UTF_8);
    int slash = s.indexOf('/');
    return slash < 0 || slash == s.length() - 1 ? null : b(s.substring(0, slash + 1));
  }

  private MetaCache ranged(int capacity) {
    return new MetaCache(store, capacity, metrics, MetaCacheTest::rangeOfSlash);
  }

  @Test
  void completeRange_answersAMissAsAbsentWithoutAStoreRead() {
    MetaCache c = ranged(100);
    c.markComplete(b("d/"));
    assertFalse(c.get(b("d/x")).exists());
    assertFalse(c.peek(b("d/y")).exists());
    assertFalse(c.getAll(List.of(b("d/z"))).get(0).exists());
    assertEquals(0, metrics.counter("quorumfs.fs.cache.misses").getCount());
    assertEquals(3, metrics.counter("quorumfs.fs.cache.completeMisses").getCount());
    // A key outside the range still goes to the store.
    c.get(b("e/x"));
    assertEquals(1, metrics.counter("quorumfs.fs.cache.misses").getCount());
    c.close();
  }

  @Test
  void completeRange_installsFeedEventsForUncachedKeys() {
    MetaCache c = ranged(100);
    c.markComplete(b("d/"));
    long r = put("d/x", "1"); // another client's create, seen only through the feed
    assertFalse(c.get(b("d/x")).exists(), "before the feed delivers it, as stale as any hit");
    c.onEvent(new ChangeEvent(r, List.of(new Change(b("d/x"), b("1"), r, false))));
    assertArrayEquals(b("1"), c.get(b("d/x")).value());
    assertEquals(0, metrics.counter("quorumfs.fs.cache.misses").getCount());
    c.close();
  }

  @Test
  void evictingAPresentEntry_dropsCompleteness_soTheMissGoesToTheStore() {
    MetaCache c = ranged(10);
    c.markComplete(b("d/"));
    long r = put("d/x", "1");
    c.applyOwn(r, List.of(b("d/x")), java.util.Arrays.asList(b("1")));
    for (int i = 0; i < 40; i++) { // fill and sweep: d/x is evicted at some point
      c.get(b("k" + i));
    }
    assertFalse(c.isComplete(b("d/")));
    assertArrayEquals(b("1"), c.get(b("d/x")).value(), "a miss must never read as absent");
    c.close();
  }

  @Test
  void invalidateAfterAFailedCompare_dropsCompleteness() {
    MetaCache c = ranged(100);
    c.markComplete(b("d/"));
    put("d/x", "theirs"); // committed elsewhere, not yet fed
    c.invalidate(b("d/x"));
    assertFalse(c.isComplete(b("d/")));
    assertArrayEquals(b("theirs"), c.get(b("d/x")).value());
    c.close();
  }

  @Test
  void evictingAnAbsentEntry_keepsCompleteness() {
    MetaCache c = ranged(10);
    c.markComplete(b("d/"));
    long r = put("d/x", "1");
    long r2 = store.commit(Txn.builder().delete(b("d/x")).build()).revision();
    c.onEvent(new ChangeEvent(r, List.of(new Change(b("d/x"), b("1"), r, false))));
    c.onEvent(new ChangeEvent(r2, List.of(new Change(b("d/x"), null, 0, false))));
    for (int i = 0; i < 40; i++) {
      c.get(b("k" + i));
    }
    assertTrue(c.isComplete(b("d/")));
    assertFalse(c.get(b("d/x")).exists());
    c.close();
  }

  @Test
  void resync_dropsCompleteness() {
    MetaCache c = ranged(100);
    c.markComplete(b("d/"));
    c.onResync(store.revision());
    assertFalse(c.isComplete(b("d/")));
    c.close();
  }

  @Test
  void bigValues_areBoundedByBytes_notOnlyByEntries() {
    long limit = 1 << 20;
    MetaCache small = new MetaCache(store, 100_000, limit, metrics, key -> null);
    byte[] big = new byte[32 * 1024];
    List<byte[]> keys = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) { // 6.4 MiB of values, far under the entry bound
      byte[] k = b("big" + i);
      store.commit(Txn.builder().put(k, big).build());
      keys.add(k);
    }
    for (byte[] k : keys) {
      assertEquals(big.length, small.get(k).value().length);
      assertTrue(small.bytes() <= limit + big.length + 128, "cache holds " + small.bytes() + " bytes");
    }
    assertTrue(small.size() < 200, "entries were evicted for bytes: " + small.size());
    small.onResync(store.revision());
    assertEquals(0, small.bytes(), "a resync gives every byte back");
    small.close();
  }
}
