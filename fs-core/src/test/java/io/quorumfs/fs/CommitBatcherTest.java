package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Txn;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Group commit: merging, conflict attribution, the size fallback, and many creators at once. */
class CommitBatcherTest {
  private final MetricRegistry metrics = new MetricRegistry();

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Tx create(MetaCache cache, String name) {
    Tx tx = new Tx(cache, 1);
    tx.requireAbsent(b("d/" + name));
    tx.put(b("d/" + name), b(name));
    tx.add(b("count"), 1);
    tx.max(b("mtime"), name.length());
    return tx;
  }

  @Test
  void compatibleTxns_commitAsOne_withSharedCountersCombined() {
    MemKvStore store = new MemKvStore();
    MetaCache cache = new MetaCache(store, 1000, metrics);
    CommitBatcher batcher = new CommitBatcher(store, cache, 64, 4, metrics);
    long before = store.revision();
    List<CommitResult> rs = batcher.commitTogether(List.of(create(cache, "a"), create(cache, "bb"),
        create(cache, "ccc")));
    rs.forEach(r -> assertTrue(r.ok()));
    assertEquals(before + 1, store.revision(), "one store commit");
    assertEquals(3, Bytes.toLong(store.get(b("count")).value()));
    assertEquals(3, Bytes.toLong(store.get(b("mtime")).value()));
    assertEquals(3, Bytes.toLong(cache.peek(b("count")).value()), "the cache holds the final value");
    assertEquals(3, metrics.counter("quorumfs.fs.txn.merged").getCount());
    store.close();
  }

  @Test
  void failedCompare_failsOnlyItsTxn_theOthersCommit() {
    MemKvStore store = new MemKvStore();
    store.commit(Txn.builder().put(b("d/taken"), b("x")).build());
    MetaCache cache = new MetaCache(store, 1000, metrics);
    CommitBatcher batcher = new CommitBatcher(store, cache, 64, 4, metrics);
    List<CommitResult> rs = batcher.commitTogether(List.of(create(cache, "a"),
        create(cache, "taken"), create(cache, "c")));
    assertTrue(rs.get(0).ok());
    assertFalse(rs.get(1).ok());
    assertArrayEquals(b("d/taken"), rs.get(1).failed().get(0).key());
    assertTrue(rs.get(2).ok());
    assertEquals(2, Bytes.toLong(store.get(b("count")).value()));
    assertArrayEquals(b("x"), store.get(b("d/taken")).value());
    store.close();
  }

  @Test
  void mergedTxnTooBigForTheStore_commitsEachAlone() {
    KvStore store = new SmallTxnKvStore(new MemKvStore(), 6);
    MetaCache cache = new MetaCache(store, 1000, metrics);
    CommitBatcher batcher = new CommitBatcher(store, cache, 64, 4, metrics);
    List<CommitResult> rs = batcher.commitTogether(List.of(create(cache, "a"), create(cache, "b")));
    rs.forEach(r -> assertTrue(r.ok()));
    assertEquals(2, Bytes.toLong(store.get(b("count")).value()));
    store.close();
  }

  @Test
  void sixteenCreatorsInOneDirectory_withOneCommitInFlight_loseNothingAndMerge() throws Exception {
    MemKvStore store = new MemKvStore();
    FsConfig cfg = FsConfig.builder().keyPrefix("cb/").commitInflight(1).metrics(metrics)
        .background(false).build();
    int threads = 16;
    int per = 100;
    try (FileSystem fs = FileSystems.open(store, cfg)) {
      long dir = fs.mkdir(FileSystem.ROOT, "d", 0755, 0, 0).ino();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> fut = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int tt = t;
          fut.add(pool.submit(() -> {
            for (int i = 0; i < per; i++) {
              long ino = fs.mknod(dir, "f" + tt + "." + i, 0644, 0, 0, 0).ino();
              if (i % 2 == 0) {
                fs.rename(dir, "f" + tt + "." + i, dir, "g" + tt + "." + i, 0);
              }
              if (i % 4 == 0) {
                fs.unlink(dir, "g" + tt + "." + i);
              }
              assertTrue(ino > 0);
            }
            return null;
          }));
        }
        for (Future<?> f : fut) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      Set<String> names = new HashSet<>();
      String after = null;
      while (true) {
        DirPage p = fs.readdir(dir, after, 500);
        p.entries().forEach(e -> names.add(e.name()));
        if (!p.more()) {
          break;
        }
        after = p.next();
      }
      assertEquals(threads * per * 3 / 4, names.size());
    }
    assertTrue(metrics.counter("quorumfs.fs.txn.merged").getCount() > 0, "some txns merged");
    Fsck.Report report = Fsck.run(store, FileSystems.blobsIn(store, cfg), cfg, false);
    assertTrue(report.clean(), report.problems().toString());
    store.close();
  }

  @Test
  void anUnexpectedErrorInAMergedCommit_endsEveryMember_noneWaitsForever() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    KvStore store = new io.quorumfs.kv.ForwardingKvStore(new MemKvStore()) {
      @Override
      public CommitResult commit(Txn txn) {
        int n = calls.incrementAndGet();
        if (n == 1) {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        } else if (n == 2) {
          throw new AssertionError("injected: the merged commit blows up");
        }
        return inner.commit(txn);
      }
    };
    MetaCache cache = new MetaCache(store, 1000, metrics);
    CommitBatcher batcher = new CommitBatcher(store, cache, 64, 1, metrics);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<CommitResult> first = pool.submit(() -> batcher.commit(create(cache, "a")));
      assertTrue(entered.await(60, java.util.concurrent.TimeUnit.SECONDS), "first commit reached the store");
      List<Future<CommitResult>> queued = new ArrayList<>();
      queued.add(pool.submit(() -> batcher.commit(create(cache, "bb"))));
      queued.add(pool.submit(() -> batcher.commit(create(cache, "ccc"))));
      io.quorumfs.kv.Poll.until(java.time.Duration.ofSeconds(60), "two commits queued behind the first",
          () -> batcher.queued() >= 2);
      release.countDown();
      assertTrue(first.get(60, java.util.concurrent.TimeUnit.SECONDS).ok());
      for (Future<CommitResult> f : queued) {
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
            java.util.concurrent.ExecutionException.class,
            () -> f.get(60, java.util.concurrent.TimeUnit.SECONDS),
            "every member of the failed batch ends with an error (a timeout here: it hung)");
        assertTrue(e.getCause() instanceof AssertionError || e.getCause() instanceof FsException,
            e.getCause().toString());
      }
    } finally {
      pool.shutdownNow();
      store.close();
    }
  }
}
