package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client side of the feed: where a watch starts, and a follower sending it to the leader. */
class RaftWatchTest {

  private static final List<RaftPeerId> PEERS =
      List.of(RaftPeerId.valueOf("n1"), RaftPeerId.valueOf("n2"), RaftPeerId.valueOf("n3"));

  @TempDir
  Path dir;

  @Test
  void startAt_leaderStartsAtTheKnownLeader_followerNever_andWithoutALeaderAnyReplica() {
    for (int i = 0; i < 50; i++) {
      assertEquals(1, RaftWatch.startAt(PEERS, RaftPeerId.valueOf("n2"), "leader"));
      int f = RaftWatch.startAt(PEERS, RaftPeerId.valueOf("n2"), "follower");
      assertNotEquals(1, f);
      assertTrue(f >= 0 && f < 3);
      int any = RaftWatch.startAt(PEERS, null, "leader");
      assertTrue(any >= 0 && any < 3);
      assertEquals(0, RaftWatch.startAt(List.of(PEERS.get(0)), PEERS.get(0), "follower"));
    }
  }

  @Test
  void watchPreferringTheLeader_startedOnAFollower_movesToTheLeader_withoutGapsOrDuplicates() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem"); KvStore s = KvStores.open(c.uri())) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      List<String> ids = new ArrayList<>(c.peers.keySet());
      List<String> addresses = new ArrayList<>(c.peers.values());
      int follower = ids.indexOf(leader) == 0 ? 1 : 0;
      long from = s.revision();
      List<Long> acked = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        acked.add(s.commit(Txn.builder().put(Bytes.utf8("a" + i), Bytes.utf8("v")).build()).revision());
      }
      List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
      RaftWatch w = new RaftWatch(ids, addresses, follower, from, FaultToleranceTest.recorder(seen), null, 250, 4000,
          true);
      w.start();
      try (w) {
        LocalCluster.poll(Duration.ofSeconds(30), "the watch to move to leader " + leader,
            () -> w.currentPeer().equals(leader));
        for (int i = 0; i < 5; i++) {
          acked.add(s.commit(Txn.builder().put(Bytes.utf8("b" + i), Bytes.utf8("v")).build()).revision());
        }
        long last = acked.get(acked.size() - 1);
        LocalCluster.poll(Duration.ofSeconds(30), "the watch to reach " + last,
            () -> !seen.isEmpty() && seen.get(seen.size() - 1).revision() >= last);
      }
      assertEquals(acked, seen.stream().map(ChangeEvent::revision).toList());
    }
  }
}
