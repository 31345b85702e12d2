package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linearizable reads are served by the leader ({@link ReadService}), whichever replica the client
 * first believed to lead: checked through each replica's count of reads it served, not timing.
 */
class LeaderReadTest {

  private static final int READS = 50;

  @TempDir
  Path dir;

  private static Map<String, Long> served(LocalCluster c) {
    Map<String, Long> m = new HashMap<>();
    c.servers.forEach(s -> m.put(s.id(), s.readsServed()));
    return m;
  }

  private static long servedSince(LocalCluster c, Map<String, Long> before, String id) {
    return c.server(id).readsServed() - before.getOrDefault(id, 0L);
  }

  /** Moves leadership to {@code to} with Ratis's admin API and waits until it leads. */
  private static void transferLeadership(LocalCluster c, String to) throws Exception {
    try (RaftClient rc = RaftEndpoints.newClient(RaftSettings.group("meta", c.peers),
        RaftSettings.client(Duration.ofSeconds(10)),
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(50, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))) {
      RaftClientReply r = rc.admin().transferLeadership(RaftPeerId.valueOf(to), 30_000);
      assertTrue(r.isSuccess(), "leadership transfer to " + to + " failed: " + r.getException());
    }
    LocalCluster.poll(Duration.ofSeconds(30), to + " leading", () -> c.server(to).isLeader());
  }

  private static String firstPeer(LocalCluster c) {
    return c.peers.keySet().iterator().next();
  }

  @Test
  void clientOpenedBeforeTheElection_readsFromTheLeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem");
         RaftKvStore s = (RaftKvStore) KvStores.open(c.uri() + "?timeout=60s")) {
      // No awaitLeader before opening: the client found no leader and starts at the first peer, or
      // found the first leader. Leadership moves to a third replica, so whichever the client
      // believes in is now a follower, which (before the Read RPC) answered this client's
      // linearizable reads for its whole life, at several times the leader's latency.
      String elected = c.awaitLeader(Duration.ofSeconds(60));
      String leader = c.peers.keySet().stream().filter(id -> !id.equals(elected) && !id.equals(firstPeer(c)))
          .findFirst().orElseThrow();
      transferLeadership(c, leader);
      // The leader is elected but this client has committed nothing: only its reads can find it.
      Map<String, Long> before = served(c);
      for (int i = 0; i < READS; i++) {
        assertTrue(s.revision() >= 0);
      }
      assertTrue(servedSince(c, before, leader) >= READS,
          "the leader served " + servedSince(c, before, leader) + " of " + READS + " reads; counts " + served(c));
      for (String id : c.peers.keySet()) {
        if (!id.equals(leader)) {
          assertEquals(0, servedSince(c, before, id), id + " is a follower and served reads");
        }
      }
    }
  }

  @Test
  void readsFollowTheLeader_acrossATransferAndAStoppedLeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      String first = c.awaitLeader(Duration.ofSeconds(60));
      try (RaftKvStore s = (RaftKvStore) KvStores.open(c.uri() + "?timeout=60s")) {
        long r1 = s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v1")).build()).revision();
        assertEquals(r1, s.get(Bytes.utf8("k")).version());

        // A leadership transfer: the old leader answers NOT_LEADER naming the new one.
        String second = c.peers.keySet().stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
        transferLeadership(c, second);
        Map<String, Long> before = served(c);
        for (int i = 0; i < READS; i++) {
          assertEquals(r1, s.get(Bytes.utf8("k")).version());
        }
        assertTrue(servedSince(c, before, second) >= READS, "counts " + served(c));

        // The leader stops: reads fail over to whichever replica the other two elect.
        c.stop(second);
        before = served(c);
        assertArrayEquals(Bytes.utf8("v1"), s.get(Bytes.utf8("k")).value());
        String third = c.awaitLeader(Duration.ofSeconds(60));
        long r2 = s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v2")).build()).revision();
        assertTrue(r2 > r1);
        for (int i = 0; i < READS; i++) {
          assertEquals(r2, s.get(Bytes.utf8("k")).version(), "a read after the commit sees it");
        }
        assertTrue(servedSince(c, before, third) >= READS, "counts " + served(c));
      }
    }
  }

  private static byte[] read(String address, byte[] request) throws Exception {
    ManagedChannel ch = MetaRpc.channel(address, null);
    try {
      return ClientCalls.futureUnaryCall(ch.newCall(ReadService.READ,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), request).get(15, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void readRpc_answersBadRequestsWithAnError_andFollowersWithTheLeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      String at = c.peers.get(leader);
      // A new leader answers NOT_LEADER (naming itself) until its ReadIndex works.
      LocalCluster.poll(Duration.ofSeconds(30), leader + " serving reads", () -> {
        try {
          return read(at, new byte[] {Wire.REVISION})[0] == Wire.OK;
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      byte[][] bad = {
          {}, {Wire.STATUS}, {Wire.RESET}, {Wire.AT_INDEX, 0, 0}, {Wire.GET, 0, 0, 0, 9}, {Wire.SCAN, 1},
      };
      for (byte[] b : bad) {
        byte[] reply = read(at, b);

        assertEquals(Wire.ERROR, reply[0], "request " + java.util.Arrays.toString(b) + " answered "
            + new String(reply, StandardCharsets.UTF_8));
      }

      String follower = c.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      LocalCluster.poll(Duration.ofSeconds(30), follower + " knowing the leader", () -> {
        try {
          byte[] r = read(c.peers.get(follower), new byte[] {Wire.REVISION});
          Wire.In in = new Wire.In(r);
          return in.b() == Wire.NOT_LEADER && in.str().equals(at);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      assertEquals(0, c.server(follower).readsServed());
    }
  }
}
