package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link KvStore} backend passes. Subclass it in the backend's test sources,
 * implement {@link #newStore()} against a real instance, and override the hooks
 * ({@link #reopen}, {@link #newStoreWithHistory}) that match the capabilities the store declares.
 * Tests that need a capability the store lacks check the documented fallback behaviour instead
 * (for example {@link KvLimitException} without {@link Capability#LARGE_VALUES}); the only tests
 * that are skipped (visibly, by an assumption naming the capability) are those that need
 * {@link Capability#PERSISTENT} or {@link Capability#CONFIGURABLE_HISTORY}.
 *
 * <p>The parts live in {@link KvCommitContract} (versions, compares, commutative ops, concurrency,
 * bad input) and {@link KvScanContract} (scans, binary keys, values); this class adds watch,
 * close and persistence.
 */
public abstract class KvStoreContract extends KvScanContract {

  @Test
  void watch_deliversEveryCommitInOrder_withItsChanges() {
    Recorder rec = new Recorder();
    try (Watch w = store.watch(store.revision(), rec)) {
      long r1 = commitOk(store, Txn.builder().put(k("a"), v("1")).put(k("b"), v("2")).build()).revision();
      long r2 = delete(store, k("a"));
      long r3 = commitOk(store, Txn.builder().add(k("n"), 7).max(k("m"), 3).build()).revision();
      rec.awaitRevision(r3);
      List<ChangeEvent> ev = rec.events();
      assertEquals(List.of(r1, r2, r3), ev.stream().map(ChangeEvent::revision).toList());
      assertEquals(List.of(new Change(k("a"), v("1"), r1, false), new Change(k("b"), v("2"), r1, false)),
          ev.get(0).changes());
      assertEquals(List.of(new Change(k("a"), null, 0, false)), ev.get(1).changes());
      assertTrue(ev.get(1).changes().get(0).deleted());
      assertEquals(List.of(new Change(k("n"), Bytes.ofLong(7), r3, false), new Change(k("m"), Bytes.ofLong(3), r3, false)),
          ev.get(2).changes());
      assertFalse(rec.concurrentCall);
    }
  }

  @Test
  void watch_keyWrittenTwiceInOneTxn_appearsOnceWithItsFinalState() {
    Recorder rec = new Recorder();
    try (Watch w = store.watch(store.revision(), rec)) {
      long r = commitOk(store, Txn.builder().put(k("a"), v("1")).put(k("a"), v("2")).add(k("n"), 1).add(k("n"), 1)
          .build()).revision();
      rec.awaitRevision(r);
      List<Change> changes = rec.events().get(0).changes();
      assertEquals(2, changes.size(), changes.toString());
      assertTrue(changes.contains(new Change(k("a"), v("2"), r, false)));
      assertTrue(changes.contains(new Change(k("n"), Bytes.ofLong(2), r, false)));
    }
  }

  @Test
  void watch_fromNow_seesOnlyLaterCommits() {
    put(store, "old", "1");
    Recorder rec = new Recorder();
    try (Watch w = store.watch(store.revision(), rec)) {
      long r = put(store, "new", "1");
      rec.awaitRevision(r);
      assertEquals(1, rec.events().size());
      assertEquals("new", str(rec.events().get(0).changes().get(0).key()));
    }
  }

  @Test
  void watch_resumeFromARevision_deliversExactlyTheLaterCommits_orResyncs() {
    List<Long> revs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      revs.add(put(store, "k" + i, "v" + i));
    }
    Recorder rec = new Recorder();
    try (Watch w = store.watch(revs.get(4), rec)) {
      long r = put(store, "after", "x");
      rec.awaitRevision(r);
      List<Long> expected = new ArrayList<>(revs.subList(5, 10));
      expected.add(r);
      if (has(Capability.WATCH_HISTORY)) {
        assertEquals(List.of(), rec.resyncs, "history holds these 11 commits");
        assertEquals(expected, rec.events().stream().map(ChangeEvent::revision).toList());
        assertEquals("k5", str(rec.events().get(0).changes().get(0).key()));
      } else {
        assertTrue(!rec.resyncs.isEmpty()
            || expected.equals(rec.events().stream().map(ChangeEvent::revision).toList()), rec.order.toString());
      }
    }
  }

  @Test
  void watch_fromZero_deliversEverythingStillInHistory() {
    long r1 = put(store, "a", "1");
    long r2 = put(store, "b", "1");
    Recorder rec = new Recorder();
    try (Watch w = store.watch(0, rec)) {
      rec.awaitRevision(r2);
      if (rec.resyncs.isEmpty()) {
        assertEquals(List.of(r1, r2), rec.events().stream().map(ChangeEvent::revision).toList());
      } else {
        assertFalse(has(Capability.WATCH_HISTORY), "a store with history resyncs only when it was trimmed");
      }
    }
  }

  @Test
  void watch_underConcurrentCommits_deliversEachCommittedRevisionOnce_inIncreasingOrder() throws Exception {
    Recorder rec = new Recorder();
    List<Long> committed = Collections.synchronizedList(new ArrayList<>());
    try (Watch w = store.watch(store.revision(), rec)) {
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        tasks.add(() -> {
          for (int i = 0; i < 30; i++) {
            committed.add(commitOk(store, Txn.builder().put(k("w" + id), v("" + i)).add(k("n"), 1).build()).revision());
          }
          return 0;
        });
      }
      runAll(tasks);
      long max = Collections.max(committed);
      rec.awaitRevision(max);
      List<Long> seen = rec.events().stream().map(ChangeEvent::revision).toList();
      List<Long> sorted = new ArrayList<>(committed);
      Collections.sort(sorted);
      assertEquals(sorted, seen);
      assertFalse(rec.concurrentCall, "listener calls must be serial");
    }
  }

  @Test
  void watch_twoSubscribers_seeTheSameSequence() {
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    long from = store.revision();
    try (Watch wa = store.watch(from, a); Watch wb = store.watch(from, b)) {
      long last = 0;
      for (int i = 0; i < 20; i++) {
        last = put(store, "k" + (i % 4), "v" + i);
      }
      a.awaitRevision(last);
      b.awaitRevision(last);
      assertEquals(a.events(), b.events());
    }
  }

  @Test
  void watch_onProgress_reachesTheStoreRevision() {
    long r1 = put(store, "a", "1");
    long r2 = put(store, "b", "1");
    long rev = store.revision();
    Recorder rec = new Recorder();
    try (Watch w = store.watch(0, rec)) {
      rec.await(r -> r.progress.stream().anyMatch(p -> p >= rev), "onProgress >= " + rev);
      // Progress at rev promises every event up to rev (a store may have revisions without user-visible events).
      synchronized (rec) {
        List<Long> seen = rec.events.stream().map(ChangeEvent::revision).toList();
        assertTrue(!rec.resyncs.isEmpty() || (seen.contains(r1) && seen.contains(r2)),
            "progress " + rev + " sent before events " + r1 + ", " + r2 + ": " + rec.order);
      }
    }
  }

  @Test
  void watch_largeValues_areOmitted_aboveMaxWatchValueBytes() {
    int max = store.maxWatchValueBytes();
    byte[] fits = new byte[max];
    byte[] over = new byte[max + 1];
    java.util.Arrays.fill(fits, (byte) 1);
    Recorder rec = new Recorder();
    try (Watch w = store.watch(store.revision(), rec)) {
      long r = commitOk(store, Txn.builder().put(k("fits"), fits).put(k("over"), over).build()).revision();
      rec.awaitRevision(r);
      List<Change> changes = rec.events().get(0).changes();
      Change a = changes.get(0);
      Change b = changes.get(1);
      assertFalse(a.valueOmitted());
      assertArrayEquals(fits, a.value());
      assertTrue(b.valueOmitted());
      assertNull(b.value());
      assertEquals(r, b.version());
      assertFalse(b.deleted());
    }
    assertArrayEquals(over, store.get(k("over")).value());
  }

  @Test
  void watch_resync_whenTheRequestedRevisionLeftTheHistory() {
    assumeTrue(has(Capability.CONFIGURABLE_HISTORY),
        "store does not declare CONFIGURABLE_HISTORY: its history cannot be bounded to force RESYNC");
    KvStore small = track(newStoreWithHistory(10));
    for (int i = 0; i < 60; i++) {
      put(small, "k" + (i % 5), "v" + i);
    }
    Recorder rec = new Recorder();
    try (Watch w = small.watch(1, rec)) {
      rec.await(r -> !r.resyncs.isEmpty(), "onResync for a trimmed revision");
      long resyncAt = rec.resyncs.get(0);
      assertTrue(resyncAt > 1 && resyncAt <= small.revision(), "resync revision " + resyncAt);
      long r = put(small, "after", "x");
      rec.awaitRevision(r);
      for (ChangeEvent e : rec.events()) {
        assertTrue(e.revision() > resyncAt, "event " + e.revision() + " not after resync " + resyncAt);
      }
      assertTrue(rec.order.get(0).startsWith("resync"), rec.order.toString());
    }
  }

  @Test
  void watch_close_stopsDelivery_andCallsOnCloseWithNull() {
    Recorder rec = new Recorder();
    Watch w = store.watch(store.revision(), rec);
    long r = put(store, "a", "1");
    rec.awaitRevision(r);
    w.close();
    rec.await(x -> x.closed, "onClose after Watch.close");
    assertNull(rec.closeCause);
    w.close();
    int before = rec.events().size();
    long r2 = put(store, "b", "1");
    // A second watch proves r2 was published; the closed one must not have received it.
    Recorder probe = new Recorder();
    try (Watch p = store.watch(r, probe)) {
      probe.awaitRevision(r2);
    }
    assertEquals(before, rec.events().size());
    assertFalse(rec.concurrentCall);
  }

  @Test
  void watch_listenerThatThrows_endsItsSubscriptionWithTheCause() {
    Recorder bad = new Recorder(e -> true);
    Recorder good = new Recorder();
    try (Watch wb = store.watch(store.revision(), bad); Watch wg = store.watch(store.revision(), good)) {
      long r1 = put(store, "a", "1");
      bad.await(x -> x.closed, "onClose after the listener threw");
      assertTrue(bad.closeCause instanceof IllegalStateException, String.valueOf(bad.closeCause));
      long r2 = put(store, "b", "1");
      good.awaitRevision(r2);
      assertEquals(1, bad.events().size());
      assertEquals(r1, bad.events().get(0).revision());
    }
  }

  @Test
  void watch_badArguments_throw() {
    assertThrows(NullPointerException.class, () -> store.watch(0, null));
    assertThrows(IllegalArgumentException.class, () -> store.watch(-1, new Recorder()));
  }

  @Test
  void close_makesEveryMethodThrowKvClosedException() {
    put(store, "a", "1");
    store.close();
    assertThrows(KvClosedException.class, () -> store.get(k("a")));
    assertThrows(KvClosedException.class, () -> store.getAll(List.of(k("a"))));
    assertThrows(KvClosedException.class, () -> store.scan(KeyRange.all(), 10, null));
    assertThrows(KvClosedException.class, () -> store.commit(Txn.builder().put(k("b"), v("1")).build()));
    assertThrows(KvClosedException.class, () -> store.revision());
    assertThrows(KvClosedException.class, () -> store.watch(0, new Recorder()));
  }

  @Test
  void close_isIdempotent() {
    store.close();
    store.close();
  }

  @Test
  void close_endsOpenWatches_withOnClose() {
    Recorder rec = new Recorder();
    store.watch(store.revision(), rec);
    long r = put(store, "a", "1");
    rec.awaitRevision(r);
    store.close();
    rec.await(x -> x.closed, "onClose after the store closed");
  }

  @Test
  void reopen_keepsDataVersions_andTheRevisionContinues() {
    assumeTrue(has(Capability.PERSISTENT), "store does not declare PERSISTENT");
    long r1 = put(store, "a", "1");
    long r2 = commitOk(store, Txn.builder().put(k("b"), new byte[0]).add(k("n"), 3).build()).revision();
    delete(store, k("a"));
    long before = store.revision();
    store = reopen(store);
    assertTrue(store.revision() >= before, "revision went back from " + before + " to " + store.revision());
    assertFalse(store.get(k("a")).exists());
    assertEquals(r2, store.get(k("b")).version());
    assertArrayEquals(new byte[0], store.get(k("b")).value());
    assertEquals(3, Bytes.toLong(store.get(k("n")).value()));
    long r4 = put(store, "a", "again");
    assertTrue(r4 > before && r4 > r1);
    assertTrue(store.commit(Txn.builder().requireVersion(k("b"), r2).build()).ok());
  }

  @Test
  void reopen_thenWatchFromBeforeTheReopen_deliversLaterCommits_orResyncs() {
    assumeTrue(has(Capability.PERSISTENT), "store does not declare PERSISTENT");
    long r1 = put(store, "a", "1");
    long r2 = put(store, "b", "2");
    store = reopen(store);
    Recorder rec = new Recorder();
    try (Watch w = store.watch(r1, rec)) {
      long r3 = put(store, "c", "3");
      rec.awaitRevision(r3);
      List<Long> seen = rec.events().stream().map(ChangeEvent::revision).toList();
      if (rec.resyncs.isEmpty()) {
        assertEquals(List.of(r2, r3), seen);
      } else {
        assertEquals(r3, seen.get(seen.size() - 1));
      }
    }
  }
}
