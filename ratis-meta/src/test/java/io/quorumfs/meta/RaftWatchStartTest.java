package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

/** Where a watch starts: {@code feed=leader | follower | any}. */
class RaftWatchStartTest {

  private static final List<RaftPeerId> PEERS =
      List.of(RaftPeerId.valueOf("n1"), RaftPeerId.valueOf("n2"), RaftPeerId.valueOf("n3"));

  @Test
  void leader_startsAtTheKnownLeader_follower_never_andWithoutALeaderAnyReplica() {
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
}
