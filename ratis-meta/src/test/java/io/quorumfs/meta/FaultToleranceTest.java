package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on 3 replica JVMs on loopback: SIGKILL of the leader under load, a follower restarted
 * behind the purged log, a SIGSTOPped leader, a linearizability check, a watch across a failover.
 * One cluster for the class (starting JVMs is the expensive part); every test leaves all three
 * replicas running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceTest {

  @TempDir
  static Path dir;
  static ProcessCluster cluster;
  static RaftKvStore store;

  @BeforeAll
  static void start() throws Exception {
    cluster = new ProcessCluster(dir, List.of("--snapshot-threshold", "100",
        "--raft", "raft.server.log.segment.size.max=32KB"));
    cluster.awaitLeader(Duration.ofSeconds(60));
    store = (RaftKvStore) KvStores.open(cluster.uri());
  }

  @AfterAll
  static void stop() {
    if (store != null) {
      store.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Commits {@code a/<tag>/<t>/<i>} and {@code b/<tag>/<t>/<i>} together from several threads until stopped. */
  static final class Load implements AutoCloseable {
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicBoolean stop = new AtomicBoolean();
    final List<Thread> threads = new ArrayList<>();

    Load(String tag, int nThreads) {
      for (int t = 0; t < nThreads; t++) {
        int id = t;
        Thread th = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            String k = tag + "/" + id + "/" + i;
            try {
              CommitResult r = store.commit(Txn.builder().put(Bytes.utf8("a/" + k), Bytes.utf8(k))
                  .put(Bytes.utf8("b/" + k), Bytes.utf8(k)).build());
              acked.put(k, r.revision());
            } catch (KvException e) {
              errors.incrementAndGet(); // outcome unknown: not acknowledged
            }
          }
        }, "load-" + t);
        th.start();
        threads.add(th);
      }
    }

    void awaitAcked(int n) {
      int target = acked.size() + n;
      LocalCluster.poll(Duration.ofSeconds(60), n + " more acknowledged commits", () -> acked.size() >= target);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }
    }
  }

  static void assertAllPresent(Map<String, Long> acked) {
    List<String> keys = new ArrayList<>(acked.keySet());
    for (int i = 0; i < keys.size(); i += 200) {
      List<byte[]> batch = new ArrayList<>();
      for (String k : keys.subList(i, Math.min(keys.size(), i + 200))) {
        batch.add(Bytes.utf8("a/" + k));
        batch.add(Bytes.utf8("b/" + k));
      }
      List<Versioned> got = store.getAll(batch);
      for (int j = 0; j < got.size(); j += 2) {
        String k = keys.get(i + j / 2);
        assertEquals(acked.get(k), got.get(j).version(), "acknowledged commit " + k + " lost");
        assertEquals(got.get(j).version(), got.get(j + 1).version(), "half-applied txn " + k);
      }
    }
  }

  void awaitConverged() {
    List<RaftPeerId> peers = store.peers();
    LocalCluster.poll(Duration.ofSeconds(90), "all replicas to hold the same data", () -> {
      Set<String> digests = new HashSet<>();
      try {
        for (RaftPeerId p : peers) {
          digests.add(store.digestOf(p));
        }
      } catch (KvException e) {
        return false;
      }
      return digests.size() == 1;
    });
  }

  @Test
  @Order(1)
  void sigkillLeader_underConcurrentCommits_losesNoAcknowledgedCommit_andCommitsResume() throws Exception {
    String leader = cluster.awaitLeader(Duration.ofSeconds(60));
    Map<String, Long> acked;
    try (Load load = new Load("kill", 8)) {
      load.awaitAcked(300);
      cluster.kill(leader);
      long killedAt = System.nanoTime();
      load.awaitAcked(300);
      System.out.printf("commits resumed %d ms after SIGKILL of leader %s%n",
          (System.nanoTime() - killedAt) / 1_000_000, leader);
      acked = load.acked;
    }
    assertAllPresent(acked);
    // Nothing half-applied among unacknowledged txns either: every a/ key has its b/ twin.
    var page = store.scan(io.quorumfs.kv.KeyRange.prefix(Bytes.utf8("a/kill/")), 100_000, null);
    for (Versioned v : page.entries()) {
      String k = new String(v.key()).substring(2);
      assertEquals(v.version(), store.get(Bytes.utf8("b/" + k)).version(), "half-applied txn " + k);
    }
    cluster.start(leader);
    cluster.awaitReady(leader);
    awaitConverged();
  }

  @Test
  @Order(2)
  void followerRestartedBehindThePurgedLog_installsASnapshot_andConverges() throws Exception {
    String leader = cluster.awaitLeader(Duration.ofSeconds(60));
    String follower = cluster.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
    cluster.kill(follower);
    for (int i = 0; i < 400; i++) { // serial commits: one log entry each, > 3 snapshot thresholds
      store.commit(Txn.builder().put(Bytes.utf8("snap/" + i), new byte[100]).build());
    }
    MetaStatus before = MetaStatus.query(cluster.uri(), Duration.ofSeconds(2));
    long leaderSnapshot = before.replicas().stream().filter(r -> r.id().equals(leader)).findFirst().orElseThrow()
        .snapshotIndex();
    assertTrue(leaderSnapshot > 0, "leader took no snapshot: " + before);
    cluster.start(follower);
    cluster.awaitReady(follower);
    awaitConverged();
    LocalCluster.poll(Duration.ofSeconds(30), follower + " to report the installed snapshot",
        () -> cluster.tail(follower).contains("reinitialized from snapshot"));
  }

  @Test
  @Order(3)
  void sigstoppedLeader_othersServe_andItRejoinsAfterSigcont() throws Exception {
    String leader = cluster.awaitLeader(Duration.ofSeconds(60));
    cluster.signal(leader, "STOP");
    try {
      long r = store.commit(Txn.builder().put(Bytes.utf8("stop/1"), Bytes.utf8("x")).build()).revision();
      assertEquals(r, store.get(Bytes.utf8("stop/1")).version());
      List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
      try (Watch w = store.watch(r - 1, recorder(seen))) {
        LocalCluster.poll(Duration.ofSeconds(30), "the feed from the two live replicas", () -> !seen.isEmpty());
      }
      MetaStatus status = MetaStatus.query(cluster.uri(), Duration.ofSeconds(2));
      MetaStatus.Replica stopped = status.replicas().stream()
          .filter(x -> x.address().equals(cluster.peers.get(leader))).findFirst().orElseThrow();
      assertFalse(stopped.reachable(), "a stopped replica answered: " + stopped);
      assertTrue(status.leaderId() != null && !status.leaderId().equals(leader), status.toString());
    } finally {
      cluster.signal(leader, "CONT");
    }
    store.commit(Txn.builder().put(Bytes.utf8("stop/2"), Bytes.utf8("y")).build());
    awaitConverged();
  }

  @Test
  @Order(4)
  void concurrentIncrementsAndReads_areLinearizable() throws Exception {
    byte[] key = Bytes.utf8("lin/counter");
    List<LinearizabilityChecker.Op> history = new CopyOnWriteArrayList<>();
    try (RaftKvStore second = (RaftKvStore) KvStores.open(cluster.uri())) {
      List<Thread> threads = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
      for (int t = 0; t < 6; t++) {
        RaftKvStore s = t % 2 == 0 ? store : second;
        boolean reader = t >= 3;
        Thread th = new Thread(() -> {
          while (System.nanoTime() < until) {
            long start = System.nanoTime();
            long value = reader ? Bytes.toLong(s.get(key).value())
                : s.commit(Txn.builder().add(key, 1).build()).opResult(0);
            history.add(new LinearizabilityChecker.Op(!reader, value, start, System.nanoTime()));
          }
        });
        th.start();
        threads.add(th);
      }
      for (Thread th : threads) {
        th.join();
      }
    }
    String violation = LinearizabilityChecker.checkCounter(history);
    assertEquals(null, violation, violation);
    assertTrue(history.size() > 50, "too few operations: " + history.size());
  }

  @Test
  @Order(5)
  void watch_acrossAFailoverOfItsReplica_deliversEveryCommitInOrderWithoutGaps() throws Exception {
    List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
    long from = store.revision();
    Map<String, Long> acked;
    String victim;
    try (Watch w = store.watch(from, recorder(seen)); Load load = new Load("watch", 4)) {
      load.awaitAcked(100);
      victim = ((RaftWatch) w).currentPeer();
      cluster.kill(victim);
      load.awaitAcked(200);
      acked = load.acked;
      load.close();
      long last = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      LocalCluster.poll(Duration.ofSeconds(60), "the watch to reach " + last,
          () -> !seen.isEmpty() && seen.get(seen.size() - 1).revision() >= last);
    }
    List<Long> revs = seen.stream().map(ChangeEvent::revision).toList();
    for (int i = 1; i < revs.size(); i++) {
      assertTrue(revs.get(i) > revs.get(i - 1), "out of order or duplicate at " + i + ": " + revs.get(i));
    }
    Set<Long> delivered = new HashSet<>(revs);
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      assertTrue(delivered.contains(e.getValue()), "gap: commit " + e.getKey() + " at " + e.getValue() + " not delivered");
    }
    cluster.start(victim);
    cluster.awaitReady(victim);
    awaitConverged();
  }

  static WatchListener recorder(List<ChangeEvent> seen) {
    return new WatchListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        seen.add(event);
      }

      @Override
      public void onResync(long revision) {
        throw new AssertionError("unexpected resync to " + revision);
      }
    };
  }
}
