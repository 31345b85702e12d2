package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CommitSessionsTest {

  private final UUID a = new UUID(1, 2);
  private final UUID b = new UUID(3, 4);

  @Test
  void recordedResult_isADuplicate_untilTheLowWaterMarkPassesIt() {
    CommitSessions s = new CommitSessions(60_000);
    assertEquals(CommitSessions.Seen.NEW, s.seen(a, 1));
    s.record(a, 1, new byte[] {7});
    s.touch(a, 1, 1000);
    assertEquals(CommitSessions.Seen.DUPLICATE, s.seen(a, 1));
    assertArrayEquals(new byte[] {7}, s.result(a, 1));
    s.touch(a, 2, 1001);
    assertEquals(CommitSessions.Seen.ACKNOWLEDGED, s.seen(a, 1));
    assertEquals(CommitSessions.Seen.NEW, s.seen(a, 2));
  }

  @Test
  void idleClients_expireByEntryTime_andRowsRoundTrip() {
    CommitSessions s = new CommitSessions(10_000);
    s.record(a, 5, new byte[] {1, 2});
    s.touch(a, 3, 1_000);
    s.record(b, 1, new byte[] {3});
    s.touch(b, 1, 20_000);
    Map<UUID, byte[]> rows = s.drainDirty();
    assertEquals(2, rows.size());
    CommitSessions copy = new CommitSessions(10_000);
    copy.load(rows);
    assertArrayEquals(new byte[] {1, 2}, copy.result(a, 5));
    s.expire(20_000);
    Map<UUID, byte[]> gone = s.drainDirty();
    assertEquals(1, gone.size());
    assertEquals(null, gone.get(a));
    assertEquals(1, s.size());
    assertEquals(Map.of(), s.drainDirty());
  }
}
