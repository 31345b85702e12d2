package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client whose clock jumps serves nothing stale: a 3-replica cluster, a writer A, and a reader B
 * with a leased feed on an injected clock that only the test moves. B hangs (stops taking events)
 * while A commits; the leader releases A's commit once B's lease lapsed by the leader's clock. B's
 * own clock then jumps (back, later forward): B must stop trusting its cache at once, so its next
 * read takes the round trip (as fs-core's MetaCache barrier does when coherent() is false) and
 * returns A's value, never the cached one.
 */
class LeaseClockJumpTest {
  @TempDir
  Path dir;

  /** B's cache of keys fed by its watch; can be made to block (a hung client). */
  private static final class Cache implements WatchListener {
    final Map<String, String> values = new ConcurrentHashMap<>();
    final AtomicLong fed = new AtomicLong();
    volatile CountDownLatch gate;

    @Override
    public void onEvent(ChangeEvent event) {
      CountDownLatch g = gate;
      if (g != null) {
        try {
          g.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      for (Change c : event.changes()) {
        String k = new String(c.key(), StandardCharsets.UTF_8);
        if (c.deleted() || c.value() == null) {
          values.remove(k);
        } else {
          values.put(k, new String(c.value(), StandardCharsets.UTF_8));
        }
      }
      fed.accumulateAndGet(event.revision(), Math::max);
    }

    @Override
    public void onResync(long revision) {
      values.clear();
      fed.accumulateAndGet(revision, Math::max);
    }
  }

  /**
   * B's read, as fs-core's MetaCache does it: from the cache if coherent, else after a round-trip
   * barrier (a store revision, then the feed must reach it). {@code whileWaiting} runs once the
   * barrier's revision is read (here: B stops hanging).
   */
  private static String read(KvStore store, Watch w, Cache cache, String key, AtomicInteger roundTrips,
                             Runnable whileWaiting) {
    if (!w.coherent()) {
      roundTrips.incrementAndGet();
      long rev = store.revision();
      whileWaiting.run();
      LocalCluster.poll(Duration.ofSeconds(60), "B's feed to reach the barrier at " + rev, () -> cache.fed.get() >= rev);
    }
    return cache.values.get(key);
  }

  private static String read(KvStore store, Watch w, Cache cache, String key, AtomicInteger roundTrips) {
    return read(store, w, cache, key, roundTrips, () -> { });
  }

  private static long put(KvStore s, String key, String value) {
    return s.commit(Txn.builder().put(Bytes.utf8(key), Bytes.utf8(value)).build()).revision();
  }

  @Test
  void aReaderWhoseClockJumpsBackOrForward_stopsServingItsCache_andReadsTheNewValue() throws Exception {
    AtomicLong clockB = new AtomicLong(1_000_000_000L);
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore a = KvStores.open(c.uri() + "?timeout=60s");
           RaftKvStore b = (RaftKvStore) KvStores.open(c.uri() + "?timeout=60s")) {
        Cache cache = new Cache();
        AtomicInteger roundTrips = new AtomicInteger();
        try (Watch w = b.watch(b.revision(), cache, clockB::get)) {
          LocalCluster.poll(Duration.ofSeconds(60), "B's lease", w::coherent);
          long r1 = put(a, "x", "v1");
          LocalCluster.poll(Duration.ofSeconds(60), "B's feed to deliver v1", () -> cache.fed.get() >= r1);

          // Back: B hangs, A's commit goes through once B's lease lapsed at the leader, B's clock steps back.
          String v2 = hangWhileACommits(a, w, cache, "v2");
          clockB.addAndGet(-Duration.ofSeconds(10).toNanos());
          assertFalse(w.coherent(), "B's clock went back: its lease is lost");
          assertEquals("v1", cache.values.get("x"), "B's cache still holds the old value");
          assertEquals(v2, new String(b.get(Bytes.utf8("x")).value(), StandardCharsets.UTF_8));
          int before = roundTrips.get();
          assertEquals(v2, read(b, w, cache, "x", roundTrips, cache.gate::countDown), "B's next read after the step back");
          assertEquals(before + 1, roundTrips.get(), "the read took the round trip");
          LocalCluster.poll(Duration.ofSeconds(60), "B's lease renewed on the new timeline", w::coherent);
          assertEquals(v2, read(b, w, cache, "x", roundTrips));

          // Forward: the same, with B's clock jumping an hour ahead.
          String v3 = hangWhileACommits(a, w, cache, "v3");
          clockB.addAndGet(Duration.ofHours(1).toNanos());
          assertFalse(w.coherent(), "B's clock jumped past its lease");
          assertEquals(v2, cache.values.get("x"), "B's cache still holds the old value");
          assertEquals(v3, new String(b.get(Bytes.utf8("x")).value(), StandardCharsets.UTF_8));
          before = roundTrips.get();
          assertEquals(v3, read(b, w, cache, "x", roundTrips, cache.gate::countDown), "B's next read after the jump forward");
          assertEquals(before + 1, roundTrips.get(), "the read took the round trip");
          LocalCluster.poll(Duration.ofSeconds(60), "B's lease renewed after the jump", w::coherent);
          assertEquals(v3, read(b, w, cache, "x", roundTrips));
        }
      }
    }
  }

  /**
   * B stops taking events; A commits {@code value}, which the leader acknowledges once B's lease
   * lapsed by the leader's clock. B's clock has not moved, so by it B's lease still runs: without a
   * jump it would serve its stale cache (the bounded-drift assumption, docs/leases.md).
   */
  private static String hangWhileACommits(KvStore a, Watch w, Cache cache, String value) {
    LocalCluster.poll(Duration.ofSeconds(60), "B's lease", w::coherent); // again if a leader change ended it
    cache.gate = new CountDownLatch(1);
    long fedBefore = cache.fed.get();
    long rev = put(a, "x", value);
    assertTrue(cache.fed.get() < rev && cache.fed.get() == fedBefore, "the hung reader B did not get " + value);
    assertTrue(w.coherent(), "B's clock stood still, so B still trusts its lease: the test needs the jump");
    return value;
  }
}
