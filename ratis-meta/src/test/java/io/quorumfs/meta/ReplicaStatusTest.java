package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Status per replica, follower reads, and a replica that lost its leader leaving the feed. */
class ReplicaStatusTest {

  @TempDir
  Path dir;

  @Test
  void status_followerReads_andFeedStopsWithoutALeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem", b -> b.feedLeaderLossBound(Duration.ofMillis(2500)))) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      long rev;
      try (KvStore s = KvStores.open(c.uri())) {
        rev = s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v")).build()).revision();
      }
      // Status: every replica answers with the same leader and, once caught up, the same indexes.
      MetaStatus[] last = new MetaStatus[1];
      LocalCluster.poll(Duration.ofSeconds(60), "replicas to report the commit", () -> {
        MetaStatus st = MetaStatus.query(c.uri(), Duration.ofSeconds(2));
        last[0] = st;
        String l = st.leaderId();
        return l != null && st.replicas().stream().allMatch(r -> r.reachable() && r.leaderId().equals(l)
            && r.revision() == rev && r.appliedIndex() >= Revisions.index(rev) && r.feedProblem().isEmpty());
      });
      assertEquals(3, last[0].replicas().size());
      String current = last[0].leaderId();

      // Follower reads: read-your-writes from any replica.
      try (KvStore f = KvStores.open(c.uri() + "?reads=follower")) {
        for (int i = 0; i < 10; i++) {
          long r = f.commit(Txn.builder().put(Bytes.utf8("f" + i), Bytes.utf8("x")).build()).revision();
          assertEquals(r, f.get(Bytes.utf8("f" + i)).version());
        }
      }

      // Two replicas gone: the survivor has no leader and, after the bound, stops serving the feed.
      String survivor = c.peers.keySet().stream().filter(id -> !id.equals(current)).findFirst().orElseThrow();
      for (String id : c.peers.keySet()) {
        if (!id.equals(survivor)) {
          c.stop(id);
        }
      }
      String addr = c.peers.get(survivor);
      LocalCluster.poll(Duration.ofSeconds(30), survivor + " to stop serving the feed", () ->
          !MetaStatus.query(addr, Duration.ofSeconds(2)).replicas().get(0).feedProblem().isEmpty());
      String problem = MetaStatus.query(addr, Duration.ofSeconds(2)).replicas().get(0).feedProblem();
      assertTrue(problem.contains("ms"), problem);
    }
  }
}
