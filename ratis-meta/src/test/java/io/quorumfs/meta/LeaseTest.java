package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leased feeds (docs/leases.md): the leader answers a commit only after every valid lease holder
 * has received it, so a holder that is coherent() has every acknowledged commit already, with no
 * round trip; a holder that stops acknowledging delays commits at most one lease, then loses it.
 */
class LeaseTest {
  @TempDir
  Path dir;

  /** Records the highest revision delivered; can be made to block (a hung client). */
  private static class Follower implements WatchListener {
    final AtomicLong seen = new AtomicLong();
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
      seen.accumulateAndGet(event.revision(), Math::max);
    }

    @Override
    public void onResync(long revision) {
      seen.accumulateAndGet(revision, Math::max);
    }
  }

  @Test
  void everyAcknowledgedCommit_isAlreadyInEveryCoherentHoldersFeed() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem"); KvStore writer = KvStores.open(c.uri());
        KvStore reader = KvStores.open(c.uri())) {
      c.awaitLeader(Duration.ofSeconds(60));
      Follower f = new Follower();
      try (Watch w = reader.watch(reader.revision(), f)) {
        LocalCluster.poll(Duration.ofSeconds(30), "the reader's lease", w::coherent);
        int checked = 0;
        for (int i = 0; i < 300; i++) {
          long rev = writer.commit(Txn.builder().put(Bytes.utf8("k" + (i % 7)), Bytes.utf8("v" + i)).build())
              .revision();
          if (w.coherent()) { // by the reader's own clock; then no wait is allowed
            assertTrue(f.seen.get() >= rev, "commit " + i + " at revision " + rev
                + " acknowledged while a coherent reader had only " + f.seen.get());
            checked++;
          }
        }
        assertTrue(checked >= 150, "the lease was valid for most commits: " + checked + " of 300");
      }
    }
  }

  @Test
  void aHungHolder_delaysCommitsAtMostItsLease_thenLosesIt() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem"); KvStore writer = KvStores.open(c.uri());
        KvStore reader = KvStores.open(c.uri())) {
      c.awaitLeader(Duration.ofSeconds(60));
      Follower f = new Follower();
      try (Watch w = reader.watch(reader.revision(), f)) {
        LocalCluster.poll(Duration.ofSeconds(30), "the reader's lease", w::coherent);
        f.gate = new CountDownLatch(1); // the reader stops taking events (and acknowledging)
        CompletableFuture<Long> commit = CompletableFuture.supplyAsync(
            () -> writer.commit(Txn.builder().put(Bytes.utf8("x"), Bytes.utf8("1")).build()).revision());
        long rev = commit.get(30, TimeUnit.SECONDS); // released when the hung reader's lease lapsed
        assertFalse(w.coherent(), "the hung reader's lease has lapsed by its own clock too");
        assertTrue(f.seen.get() < rev, "the hung reader never got it");
        f.gate.countDown();
        LocalCluster.poll(Duration.ofSeconds(30), "the reader to catch up and get a new lease",
            () -> w.coherent() && f.seen.get() >= rev);
        long next = writer.commit(Txn.builder().put(Bytes.utf8("x"), Bytes.utf8("2")).build()).revision();
        if (w.coherent()) {
          assertTrue(f.seen.get() >= next);
        }
        assertEquals(2, 2);
      }
    }
  }

  @Test
  void aSubscriberFromARevisionTheLeaderNeverApplied_isResynced_dropsItsCache_andThenHoldsALease() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem"); KvStore writer = KvStores.open(c.uri());
        KvStore reader = KvStores.open(c.uri())) {
      c.awaitLeader(Duration.ofSeconds(60));
      long head = writer.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("1")).build()).revision();
      java.util.concurrent.atomic.AtomicLong resyncedTo = new java.util.concurrent.atomic.AtomicLong(-1);
      Follower f = new Follower() {
        @Override
        public void onResync(long revision) {
          resyncedTo.set(revision); // a real cache drops everything here (fs-core MetaCache)
          super.onResync(revision);
        }
      };
      long future = head + 1_000_000; // e.g. a cache from before the cluster was restored to an older backup
      try (Watch w = reader.watch(future, f)) {
        LocalCluster.poll(Duration.ofSeconds(60), "the RESYNC", () -> resyncedTo.get() >= 0);
        assertTrue(resyncedTo.get() >= head && resyncedTo.get() < future, "resynced to " + resyncedTo.get());
        LocalCluster.poll(Duration.ofSeconds(60), "a lease after the RESYNC", w::coherent);
        long rev = writer.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("2")).build()).revision();
        assertTrue(rev < future);
        if (w.coherent()) {
          assertTrue(f.seen.get() >= rev, "a coherent reader has the commit: " + f.seen.get() + " < " + rev);
        }
        LocalCluster.poll(Duration.ofSeconds(60), "the commit in the feed", () -> f.seen.get() >= rev);
      }
    }
  }

  @Test
  void anAcknowledgmentOfARevisionNeverSent_isRefused_andTheSubscriberIsCutOffWithResync() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore s = KvStores.open(c.uri())) {
        s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("1")).build()); // the leader is ready: it grants leases
      }
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      // a revision from the future (past anything applied), and one that names no revision at all
      for (long revision : new long[] {Long.MAX_VALUE / 2, -1}) {
        assertAckRefusedWithResync(c.peers.get(leader), revision);
      }
    }
  }

  /** Opens a lease stream on the leader at {@code address}, acknowledges {@code revision}, and expects a RESYNC and the end. */
  private static void assertAckRefusedWithResync(String address, long revision) throws Exception {
    org.apache.ratis.thirdparty.io.grpc.ManagedChannel ch = MetaRpc.channel(address, null);
    try {
      java.util.concurrent.LinkedBlockingQueue<Object> got = new java.util.concurrent.LinkedBlockingQueue<>();
      org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver<byte[]> requests =
          org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
              ch.newCall(FeedService.LEASE, org.apache.ratis.thirdparty.io.grpc.CallOptions.DEFAULT),
              new org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver<byte[]>() {
                @Override
                public void onNext(byte[] m) {
                  got.add(m);
                }

                @Override
                public void onError(Throwable t) {
                  got.add(t);
                }

                @Override
                public void onCompleted() {
                  got.add("completed");
                }
              });
      requests.onNext(new Wire.Out(64).l(0).i(-1).i(250).b(FeedService.PREFER_LEADER).str("bad-client-" + revision).bytes());
      Object first = got.poll(30, TimeUnit.SECONDS);
      assertTrue(first instanceof byte[], "the stream opened: " + first);
      requests.onNext(new Wire.Out(17).b(FeedService.ACK).l(1).l(revision).bytes());
      byte[] last = null;
      Object end = null;
      while (end == null) {
        Object m = got.poll(60, TimeUnit.SECONDS);
        assertTrue(m != null, "the leader did not end the stream after an acknowledgment of " + revision);
        if (m instanceof byte[] b) {
          last = b;
          assertTrue(b[0] != FeedService.CONFIRM, "the acknowledgment of " + revision + " renewed the lease");
        } else {
          end = m;
        }
      }
      assertEquals("completed", end, "the stream ends normally, after the RESYNC");
      assertEquals(FeedService.RESYNC, last[0], "the last message is a RESYNC (acknowledged " + revision + ")");
      Wire.In in = new Wire.In(last);
      in.b();
      long resyncTo = in.l();
      assertTrue(resyncTo >= 0 && resyncTo < Long.MAX_VALUE / 2, "resync to the leader's revision: " + resyncTo);
      requests.onCompleted();
    } finally {
      ch.shutdownNow();
    }
  }

  /** The leaders' lease clock: it stands still until {@link #thaw} moves it past every lease. */
  private final AtomicLong leaseNanos = new AtomicLong();

  /**
   * A cluster whose leader's lease clock stands still (no lease lapses), so a commit that waited
   * for a hung holder would not be answered.
   */
  private LocalCluster frozenLeaseClock() throws java.io.IOException {
    return new LocalCluster(dir, 3, "mem", b -> b.leaseClock(leaseNanos::get));
  }

  /** Lets every lease lapse: replies still held are released, and the replicas can stop. */
  private void thaw() {
    leaseNanos.addAndGet(TimeUnit.HOURS.toNanos(1));
  }

  @Test
  void aCommittersOwnLease_doesNotHoldItsReply_butItsFeedIsNotCoherentUntilItDeliversIt() throws Exception {
    try (LocalCluster c = frozenLeaseClock(); KvStore committer = KvStores.open(c.uri())) {
      c.awaitLeader(Duration.ofSeconds(60));
      Follower f = new Follower();
      CountDownLatch gate = new CountDownLatch(1);
      try (Watch w = committer.watch(committer.revision(), f)) {
        LocalCluster.poll(Duration.ofSeconds(30), "the committer's lease", w::coherent);
        f.gate = gate; // the committer's feed stops delivering (and acknowledging)
        CompletableFuture<Long> commit = CompletableFuture.supplyAsync(
            () -> committer.commit(Txn.builder().put(Bytes.utf8("own"), Bytes.utf8("1")).build()).revision());
        long rev = commit.get(60, TimeUnit.SECONDS); // a wait for its own acknowledgment would never end
        assertTrue(f.seen.get() < rev, "its feed has not delivered it");
        assertFalse(w.coherent(), "not coherent: its own commit is not in its feed yet");
        gate.countDown();
        LocalCluster.poll(Duration.ofSeconds(30), "coherent again", w::coherent);
        assertTrue(f.seen.get() >= rev, "coherent only once its own commit is delivered: " + f.seen.get());
      } finally {
        gate.countDown();
        thaw();
      }
    }
  }

  @Test
  void anotherClientsCommit_waitsForTheHoldersAck_andTheHolderIsNotCoherentWithoutIt() throws Exception {
    try (LocalCluster c = frozenLeaseClock(); KvStore holder = KvStores.open(c.uri());
        KvStore other = KvStores.open(c.uri()); KvStore reader = KvStores.open(c.uri() + "?lease=off")) {
      c.awaitLeader(Duration.ofSeconds(60));
      Follower f = new Follower();
      CountDownLatch gate = new CountDownLatch(1);
      Follower plain = new Follower(); // a feed without a lease: sees what the leader applied
      try (Watch w = holder.watch(holder.revision(), f); Watch p = reader.watch(reader.revision(), plain)) {
        LocalCluster.poll(Duration.ofSeconds(30), "the holder's lease", w::coherent);
        long before = reader.revision();
        f.gate = gate;
        CompletableFuture<Long> theirs = CompletableFuture.supplyAsync(
            () -> other.commit(Txn.builder().put(Bytes.utf8("theirs"), Bytes.utf8("1")).build()).revision());
        LocalCluster.poll(Duration.ofSeconds(60), "the other client's commit applied", () -> plain.seen.get() > before);
        assertFalse(theirs.isDone(), "answered before the holder acknowledged it");
        // The holder's own commit, after theirs: answered at once, but its feed lacks theirs.
        long mine = holder.commit(Txn.builder().put(Bytes.utf8("mine"), Bytes.utf8("1")).build()).revision();
        assertFalse(w.coherent(), "its cache would show its own commit without the earlier one of the other client");
        assertFalse(theirs.isDone(), "still waiting for the holder");
        gate.countDown();
        long rev = theirs.get(60, TimeUnit.SECONDS);
        assertTrue(rev < mine, rev + " before " + mine);
        assertTrue(f.seen.get() >= rev, "answered only once the holder had it");
        LocalCluster.poll(Duration.ofSeconds(30), "coherent again", w::coherent);
        assertTrue(f.seen.get() >= mine);
      } finally {
        gate.countDown();
        thaw();
      }
    }
  }
}
