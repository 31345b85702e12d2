package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftKvStoreBasicTest {

  @TempDir
  static Path dir;
  static LocalCluster cluster;
  static KvStore store;

  @BeforeAll
  static void start() throws Exception {
    cluster = new LocalCluster(dir, 3, "rocks");
    cluster.awaitLeader(Duration.ofSeconds(30));
    store = KvStores.open(cluster.uri());
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

  @Test
  void commit_thenGet_seesValueAtCommitRevision() {
    CommitResult r = store.commit(Txn.builder().put(Bytes.utf8("basic/a"), Bytes.utf8("1")).build());
    assertTrue(r.ok());
    var v = store.get(Bytes.utf8("basic/a"));
    assertEquals(r.revision(), v.version());
    assertEquals("1", new String(v.value()));
    assertTrue(store.revision() >= r.revision());
  }

  @Test
  void closedWatches_areForgotten_soResubscribingDoesNotPileThemUp() throws Exception {
    RaftKvStore raft = (RaftKvStore) store;
    int before = raft.watchCount();
    WatchListener quiet = new WatchListener() {
      @Override
      public void onEvent(ChangeEvent e) {}

      @Override
      public void onResync(long revision) {}
    };
    for (int i = 0; i < 20; i++) {
      Watch w = store.watch(store.revision(), quiet);
      w.close();
    }
    store.commit(Txn.builder().put(Bytes.utf8("basic/w"), Bytes.utf8("1")).build());
    Watch last = store.watch(store.revision(), quiet);
    try {
      // Each new watch drops the ended ones; a close may finish its thread just after the next add.
      io.quorumfs.kv.Poll.until(Duration.ofSeconds(20), "closed watches to be forgotten", () -> {
        store.watch(store.revision(), quiet).close();
        return raft.watchCount() <= before + 2;
      });
    } finally {
      last.close();
    }
  }

  /** Logs may hold {@code 'C'} entries (txns batched by a client, sent through Ratis): replicas still apply them. */
  @Test
  void clientBatchedEntry_inTheLog_isStillApplied() throws Exception {
    Txn put = Txn.builder().put(Bytes.utf8("basic/c"), Bytes.utf8("1")).build();
    Txn refused = Txn.builder().requireVersion(Bytes.utf8("basic/c2"), 7).put(Bytes.utf8("basic/c2"), Bytes.utf8("x"))
        .build();
    Wire.Out entry = new Wire.Out(64).b(Wire.COMMIT).i(2);
    Wire.writeTxn(entry, put);
    Wire.writeTxn(entry, refused);
    byte[] body;
    try (RaftClient raw = RaftEndpoints.newClient(RaftSettings.group("meta", cluster.peers),
        RaftSettings.client(Duration.ofSeconds(4)), RetryPolicies.retryUpToMaximumCountWithFixedSleep(50,
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))) {
      RaftClientReply reply = raw.io().send(MetaStateMachine.message(entry.bytes()));
      assertTrue(reply.isSuccess(), String.valueOf(reply.getException()));
      body = reply.getMessage().getContent().toByteArray();
    }
    Wire.In in = new Wire.In(body);
    assertEquals(Wire.OK, in.b());
    assertEquals(2, in.count());
    CommitResult applied = Wire.readOutcome(in, put);
    assertTrue(applied.ok());
    assertFalse(Wire.readOutcome(in, refused).ok());
    var v = store.get(Bytes.utf8("basic/c"));
    assertEquals(applied.revision(), v.version());
    assertEquals("1", new String(v.value()));
    assertFalse(store.get(Bytes.utf8("basic/c2")).exists());
  }

  @Test
  void failedCompare_isAResult_andAppliesNothing() {
    CommitResult r = store.commit(Txn.builder().requireVersion(Bytes.utf8("basic/b"), 7)
        .put(Bytes.utf8("basic/b"), Bytes.utf8("x")).build());
    assertFalse(r.ok());
    assertEquals(1, r.failed().size());
    assertFalse(store.get(Bytes.utf8("basic/b")).exists());
  }

  @Test
  void counters_andScan() {
    for (int i = 0; i < 5; i++) {
      CommitResult r = store.commit(Txn.builder().add(Bytes.utf8("basic/ctr"), 2).build());
      assertEquals(2L * (i + 1), r.opResult(0));
    }
    for (int i = 0; i < 30; i++) {
      store.commit(Txn.builder().put(Bytes.utf8(String.format("scan/%03d", i)), Bytes.utf8("v" + i)).build());
    }
    ScanPage p = store.scan(KeyRange.prefix(Bytes.utf8("scan/")), 10, null);
    assertEquals(10, p.entries().size());
    assertTrue(p.more());
    ScanPage p2 = store.scan(KeyRange.prefix(Bytes.utf8("scan/")), 100, p.next());
    assertEquals(20, p2.entries().size());
    assertFalse(p2.more());
  }

  @Test
  void watch_deliversCommitsInOrder() throws Exception {
    long from = store.revision();
    List<ChangeEvent> got = new CopyOnWriteArrayList<>();
    try (Watch w = store.watch(from, new WatchListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        got.add(event);
      }

      @Override
      public void onResync(long revision) {
        throw new AssertionError("unexpected resync to " + revision);
      }
    })) {
      for (int i = 0; i < 20; i++) {
        store.commit(Txn.builder().put(Bytes.utf8("watch/" + i), Bytes.utf8("v")).build());
      }
      LocalCluster.poll(Duration.ofSeconds(20), "20 events", () -> got.size() >= 20);
    }
    for (int i = 1; i < got.size(); i++) {
      assertTrue(got.get(i).revision() > got.get(i - 1).revision());
    }
  }
}
