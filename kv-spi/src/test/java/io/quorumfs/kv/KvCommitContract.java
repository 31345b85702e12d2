package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Versions, compares, transactions, commutative ops, concurrency, bad input. Part of {@link KvStoreContract}. */
public abstract class KvCommitContract extends KvContractSupport {

  @Test
  void get_absentKey_hasVersionZeroAndNullValue() {
    Versioned v = store.get(k("nope"));
    assertFalse(v.exists());
    assertEquals(0, v.version());
    assertNull(v.value());
    assertArrayEquals(k("nope"), v.key());
  }

  @Test
  void put_thenGet_returnsValueAtTheCommitRevision() {
    long rev = put(store, "a", "1");
    Versioned v = store.get(k("a"));
    assertEquals("1", str(v.value()));
    assertEquals(rev, v.version());
    assertTrue(rev > 0);
  }

  @Test
  void commit_revisionsStrictlyIncrease() {
    long last = store.revision();
    for (int i = 0; i < 20; i++) {
      long rev = put(store, "k" + (i % 3), "v" + i);
      assertTrue(rev > last, "revision " + rev + " after " + last);
      last = rev;
    }
  }

  @Test
  void revision_isAtLeastTheLatestCommit() {
    assertTrue(store.revision() >= 0);
    long rev = put(store, "a", "1");
    assertTrue(store.revision() >= rev);
  }

  @Test
  void overwrite_givesANewGreaterVersion() {
    long r1 = put(store, "a", "1");
    long r2 = put(store, "a", "2");
    assertTrue(r2 > r1);
    assertEquals(r2, store.get(k("a")).version());
    assertEquals("2", str(store.get(k("a")).value()));
  }

  @Test
  void delete_makesKeyAbsent() {
    put(store, "a", "1");
    delete(store, k("a"));
    assertFalse(store.get(k("a")).exists());
  }

  @Test
  void delete_ofAbsentKey_isAValidCommit() {
    CommitResult r = store.commit(Txn.builder().delete(k("ghost")).build());
    assertTrue(r.ok());
    assertFalse(store.get(k("ghost")).exists());
  }

  @Test
  void deleteThenRecreate_getsANewVersion_andTheOldVersionCompareFails() {
    long r1 = put(store, "a", "same");
    delete(store, k("a"));
    long r3 = put(store, "a", "same");
    assertTrue(r3 > r1);
    assertEquals(r3, store.get(k("a")).version());
    CommitResult stale = store.commit(Txn.builder().requireVersion(k("a"), r1).put(k("a"), v("x")).build());
    assertFalse(stale.ok());
    assertEquals("same", str(store.get(k("a")).value()));
  }

  @Test
  void requireAbsent_onAbsentKey_commits() {
    CommitResult r = store.commit(Txn.builder().requireAbsent(k("a")).put(k("a"), v("1")).build());
    assertTrue(r.ok());
    assertEquals(r.revision(), store.get(k("a")).version());
  }

  @Test
  void requireAbsent_onPresentKey_conflictsAndNamesTheCompare() {
    put(store, "a", "1");
    CommitResult r = store.commit(Txn.builder().requireAbsent(k("a")).put(k("a"), v("2")).build());
    assertFalse(r.ok());
    assertEquals(List.of(new Compare(k("a"), 0)), r.failed());
    assertEquals(0, r.revision());
    assertEquals("1", str(store.get(k("a")).value()));
  }

  @Test
  void requireVersion_equal_commits() {
    long rev = put(store, "a", "1");
    CommitResult r = store.commit(Txn.builder().requireVersion(k("a"), rev).put(k("a"), v("2")).build());
    assertTrue(r.ok());
    assertEquals("2", str(store.get(k("a")).value()));
  }

  @Test
  void requireVersion_stale_conflicts_andAppliesNothing() {
    long rev = put(store, "a", "1");
    put(store, "a", "2");
    CommitResult r = store.commit(Txn.builder().requireVersion(k("a"), rev)
        .put(k("b"), v("b")).delete(k("a")).add(k("c"), 5).build());
    assertFalse(r.ok());
    assertEquals(List.of(new Compare(k("a"), rev)), r.failed());
    assertFalse(store.get(k("b")).exists());
    assertFalse(store.get(k("c")).exists());
    assertEquals("2", str(store.get(k("a")).value()));
  }

  @Test
  void requireVersion_onAbsentKey_conflicts() {
    CommitResult r = store.commit(Txn.builder().requireVersion(k("a"), 7).put(k("a"), v("1")).build());
    assertFalse(r.ok());
    assertFalse(store.get(k("a")).exists());
  }

  @Test
  void conflict_listsEveryFailedCompare_andOnlyThose() {
    long ra = put(store, "a", "1");
    put(store, "b", "1");
    CommitResult r = store.commit(Txn.builder()
        .requireVersion(k("a"), ra)
        .requireAbsent(k("b"))
        .requireVersion(k("c"), 3)
        .put(k("d"), v("1")).build());
    assertFalse(r.ok());
    assertEquals(Set.of(new Compare(k("b"), 0), new Compare(k("c"), 3)), new HashSet<>(r.failed()));
  }

  @Test
  void compareOnlyTxn_holdingCompares_commits() {
    long ra = put(store, "a", "1");
    assertTrue(store.commit(Txn.builder().requireVersion(k("a"), ra).requireAbsent(k("z")).build()).ok());
    assertTrue(store.commit(Txn.builder().build()).ok());
    assertEquals(ra, store.get(k("a")).version());
  }

  @Test
  void txn_writingManyKeys_givesThemAllTheSameVersion() {
    CommitResult r = commitOk(store, Txn.builder().put(k("x"), v("1")).put(k("y"), v("2")).max(k("z"), 4).build());
    for (Versioned v : store.getAll(List.of(k("x"), k("y"), k("z")))) {
      assertEquals(r.revision(), v.version(), v.toString());
    }
  }

  @Test
  void txn_writingOneKeyTwice_keepsTheLastWrite() {
    commitOk(store, Txn.builder().put(k("a"), v("1")).put(k("a"), v("2")).build());
    assertEquals("2", str(store.get(k("a")).value()));
    commitOk(store, Txn.builder().put(k("b"), v("1")).delete(k("b")).build());
    assertFalse(store.get(k("b")).exists());
    commitOk(store, Txn.builder().delete(k("a")).put(k("a"), v("3")).build());
    assertEquals("3", str(store.get(k("a")).value()));
  }

  @Test
  void add_startsFromZero_accumulates_andReportsTheNewValue() {
    CommitResult r1 = commitOk(store, Txn.builder().add(k("n"), 5).build());
    assertEquals(List.of(5L), r1.opResults());
    CommitResult r2 = commitOk(store, Txn.builder().add(k("n"), -7).add(k("n"), 10).build());
    assertEquals(List.of(-2L, 8L), r2.opResults());
    Versioned n = store.get(k("n"));
    assertEquals(8, Bytes.toLong(n.value()));
    assertEquals(r2.revision(), n.version());
  }

  @Test
  void max_keepsTheLargest_andReportsTheNewValue() {
    assertEquals(List.of(-3L), commitOk(store, Txn.builder().max(k("m"), -3).build()).opResults());
    assertEquals(List.of(10L, 10L), commitOk(store, Txn.builder().max(k("m"), 10).max(k("m"), 4).build()).opResults());
    assertEquals(10, Bytes.toLong(store.get(k("m")).value()));
  }

  @Test
  void opResults_areZeroForPutsAndDeletes() {
    CommitResult r = commitOk(store, Txn.builder().put(k("a"), v("1")).add(k("n"), 2).delete(k("b")).build());
    assertEquals(List.of(0L, 2L, 0L), r.opResults());
  }

  @Test
  void add_onAPutCounter_readsItsBigEndianValue() {
    put(store, k("n"), Bytes.ofLong(40));
    assertEquals(List.of(42L), commitOk(store, Txn.builder().add(k("n"), 2).build()).opResults());
  }

  @Test
  void add_changesTheVersion_soAnOldVersionCompareFails() {
    long r1 = commitOk(store, Txn.builder().add(k("n"), 1).build()).revision();
    long r2 = commitOk(store, Txn.builder().add(k("n"), 1).build()).revision();
    assertEquals(r2, store.get(k("n")).version());
    assertFalse(store.commit(Txn.builder().requireVersion(k("n"), r1).build()).ok());
  }

  @Test
  void add_onANonCounterValue_throws_andAppliesNothing() {
    long rev = put(store, "s", "not a long");
    assertThrows(IllegalArgumentException.class,
        () -> store.commit(Txn.builder().put(k("other"), v("1")).add(k("s"), 1).build()));
    assertFalse(store.get(k("other")).exists());
    assertEquals(rev, store.get(k("s")).version());
    assertEquals("not a long", str(store.get(k("s")).value()));
  }

  @Test
  void concurrentCompareAndRetryIncrements_sumExactly() throws Exception {
    int threads = 4;
    int each = 25;
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      tasks.add(() -> {
        int conflicts = 0;
        for (int i = 0; i < each; i++) {
          while (true) {
            Versioned cur = store.get(k("counter"));
            long next = (cur.exists() ? Long.parseLong(str(cur.value())) : 0) + 1;
            CommitResult r = store.commit(Txn.builder().requireUnchanged(cur)
                .put(k("counter"), v(Long.toString(next))).build());
            if (r.ok()) {
              break;
            }
            conflicts++;
          }
        }
        return conflicts;
      });
    }
    runAll(tasks);
    assertEquals(threads * each, Long.parseLong(str(store.get(k("counter")).value())));
  }

  @Test
  void concurrentAdds_neverConflict_andSumExactly_withDistinctResults() throws Exception {
    int threads = 4;
    int each = 50;
    List<Long> results = Collections.synchronizedList(new ArrayList<>());
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      tasks.add(() -> {
        for (int i = 0; i < each; i++) {
          CommitResult r = store.commit(Txn.builder().add(k("n"), 1).build());
          assertTrue(r.ok(), "an add never conflicts");
          results.add(r.opResult(0));
        }
        return 0;
      });
    }
    runAll(tasks);
    assertEquals(threads * each, Bytes.toLong(store.get(k("n")).value()));
    assertEquals(threads * each, new HashSet<>(results).size(), "each add sees a distinct new value");
    assertEquals(threads * each, Collections.max(results));
  }

  @Test
  void concurrentMax_endsAtTheLargest() throws Exception {
    List<Callable<Integer>> tasks = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int base = t;
      tasks.add(() -> {
        for (int i = 0; i < 50; i++) {
          CommitResult r = store.commit(Txn.builder().max(k("m"), i * 4L + base).build());
          assertTrue(r.ok());
          assertTrue(r.opResult(0) >= i * 4L + base);
        }
        return 0;
      });
    }
    runAll(tasks);
    assertEquals(49 * 4 + 3, Bytes.toLong(store.get(k("m")).value()));
  }

  @Test
  void getAll_returnsOneEntryPerKeyInRequestOrder() {
    long ra = put(store, "a", "1");
    long rc = put(store, "c", "3");
    List<Versioned> got = store.getAll(List.of(k("c"), k("b"), k("a"), k("c")));
    assertEquals(4, got.size());
    assertEquals(new Versioned(k("c"), v("3"), rc), got.get(0));
    assertEquals(Versioned.absent(k("b")), got.get(1));
    assertEquals(new Versioned(k("a"), v("1"), ra), got.get(2));
    assertEquals(got.get(0), got.get(3));
    assertEquals(List.of(), store.getAll(List.of()));
  }

  @Test
  void getAll_isAConsistentSnapshot_underConcurrentCommits() throws Exception {
    commitOk(store, Txn.builder().put(k("x"), v("0")).put(k("y"), v("0")).build());
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      Future<?> writer = ex.submit(() -> {
        for (int i = 1; i <= 200; i++) {
          commitOk(store, Txn.builder().put(k("x"), v("" + i)).put(k("y"), v("" + i)).build());
        }
        done.set(true);
      });
      int reads = 0;
      while (!done.get() || reads < 10) {
        List<Versioned> xy = store.getAll(List.of(k("x"), k("y")));
        assertEquals(str(xy.get(0).value()), str(xy.get(1).value()), "torn read " + xy);
        assertEquals(xy.get(0).version(), xy.get(1).version());
        reads++;
      }
      writer.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void badInput_nullKey_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> store.get(null));
    assertThrows(NullPointerException.class, () -> Txn.builder().put(null, v("x")));
    assertThrows(NullPointerException.class, () -> Txn.builder().put(k("a"), null));
    assertThrows(NullPointerException.class, () -> store.commit(null));
  }

  @Test
  void badInput_emptyKey_throwsIllegalArgument() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.get(new byte[0]));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Txn.builder().put(new byte[0], v("x")));
    assertThrows(IllegalArgumentException.class, () -> store.getAll(List.of(k("a"), new byte[0])));
  }

  @Test
  void badInput_oversizedKey_throwsIllegalArgumentNamingTheLimit() {
    byte[] big = new byte[KvStore.MAX_KEY_BYTES + 1];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.get(big));
    assertTrue(e.getMessage().contains(Integer.toString(KvStore.MAX_KEY_BYTES)), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Txn.builder().requireAbsent(big));
  }

  @Test
  void maxSizeKey_isAccepted() {
    byte[] key = new byte[KvStore.MAX_KEY_BYTES];
    java.util.Arrays.fill(key, (byte) 'k');
    long rev = put(store, key, v("v"));
    assertEquals(rev, store.get(key).version());
    assertEquals(1, store.scan(KeyRange.prefix(k("kkk")), 10, null).entries().size());
  }

  @Test
  void txnOverMaxTxnSize_throwsKvLimitException_orIsAccepted() {
    int max = store.maxTxnSize();
    if (max >= 10_000) {
      Txn.Builder b = Txn.builder();
      for (int i = 0; i < 1000; i++) {
        b.put(k("t" + i), v("x"));
      }
      assertTrue(store.commit(b.build()).ok(), "a store without a txn size limit takes 1000 ops");
      return;
    }
    Txn.Builder b = Txn.builder();
    for (int i = 0; i <= max; i++) {
      b.put(k("t" + i), v("x"));
    }
    KvLimitException e = assertThrows(KvLimitException.class, () -> store.commit(b.build()));
    assertTrue(e.getMessage().contains(Integer.toString(max)), e.getMessage());
    assertFalse(store.get(k("t0")).exists());
  }

  void runAll(List<Callable<Integer>> tasks) throws Exception {
    ExecutorService ex = Executors.newFixedThreadPool(tasks.size());
    try {
      List<Future<Integer>> fs = new ArrayList<>();
      for (Callable<Integer> t : tasks) {
        fs.add(ex.submit(t));
      }
      for (Future<Integer> f : fs) {
        f.get(timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
      }
    } finally {
      ex.shutdownNow();
    }
  }
}
