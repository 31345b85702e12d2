package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leader-side group commit: the Commit RPC, dedupe by (client, seq), persistence across restarts. */
class LeaderCommitTest {

  @TempDir
  Path dir;

  private static byte[] call(String address, byte[] request) throws Exception {
    ManagedChannel ch = MetaRpc.channel(address, null);
    try {
      return ClientCalls.futureUnaryCall(ch.newCall(CommitService.COMMIT,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), request).get(15, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
    }
  }

  /** Sends until the leader answers (the cluster may be electing after a restart). */
  private static byte[] callLeader(LocalCluster c, byte[] request) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      byte[] reply = call(c.server(leader).config().address(), request);
      if (reply[0] != Wire.NOT_LEADER || System.nanoTime() > deadline) {
        return reply;
      }
    }
  }

  private static long counter(KvStore s) {
    return Bytes.toLong(s.get(Bytes.utf8("count")).value());
  }

  @Test
  void resentTxn_isAppliedOnce_evenAfterEveryReplicaRestarts() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "rocks")) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      UUID client = UUID.randomUUID();
      Txn add = Txn.builder().add(Bytes.utf8("count"), 1).build();
      byte[] first = Wire.encodeCommitRequest(client, 1, 1, add);
      byte[] r1 = callLeader(c, first);
      assertEquals(Wire.OK, r1[0], new String(r1, StandardCharsets.UTF_8));
      assertArrayEquals(r1, callLeader(c, first), "a resend answers with the recorded result");

      // A follower points at the leader.
      String follower = c.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      byte[] redirect = call(c.peers.get(follower), first);
      Wire.In in = new Wire.In(redirect);
      assertEquals(Wire.NOT_LEADER, in.b());
      String hint = in.str();
      assertTrue(hint.isEmpty() || hint.equals(c.peers.get(leader)), hint);

      for (String id : List.copyOf(c.peers.keySet())) {
        c.restart(id);
      }
      assertArrayEquals(r1, callLeader(c, first), "the result survives restarts of every replica");
      try (KvStore s = KvStores.open(c.uri() + "?commit=leader")) {
        assertEquals(1, counter(s));
        // Seq 2 says every seq below 2 was answered: seq 1's result is forgotten, never re-applied.
        assertEquals(Wire.OK, callLeader(c, Wire.encodeCommitRequest(client, 2, 2, add))[0]);
        byte[] late = callLeader(c, first);
        assertTrue(new String(late, StandardCharsets.UTF_8).contains("acknowledged"), new String(late, StandardCharsets.UTF_8));
        assertEquals(2, counter(s));
      }
    }
  }

  @Test
  void concurrentClients_shareLogEntries_andEveryIncrementCounts() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      c.awaitLeader(Duration.ofSeconds(60));
      List<KvStore> stores = List.of(KvStores.open(c.uri() + "?commit=leader"), KvStores.open(c.uri() + "?commit=leader"));
      try {
        Set<Long> revisions = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          KvStore s = stores.get(t % 2);
          threads.add(new Thread(() -> {
            for (int i = 0; i < 40; i++) {
              CommitResult r = s.commit(Txn.builder().add(Bytes.utf8("count"), 1).build());
              assertTrue(r.ok());
              revisions.add(r.revision());
            }
          }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
          t.join();
        }
        assertEquals(320, revisions.size(), "every commit has its own revision");
        assertEquals(320, counter(stores.get(0)));
        Set<Long> entries = new HashSet<>();
        revisions.forEach(r -> entries.add(Revisions.index(r)));
        System.out.println("320 commits from 8 threads on 2 clients in " + entries.size() + " log entries");
      } finally {
        stores.forEach(KvStore::close);
      }
    }
  }
}
