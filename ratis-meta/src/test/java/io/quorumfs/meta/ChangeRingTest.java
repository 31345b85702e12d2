package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The feed history's bounds (issue 13): by count and by the heap its keys and values take. */
class ChangeRingTest {

  private static ChangeEvent event(long revision, int valueBytes) {
    byte[] key = ("k/" + revision).getBytes(StandardCharsets.UTF_8);
    return new ChangeEvent(revision, List.of(new Change(key, new byte[valueBytes], revision, false)));
  }

  @Test
  void heapSize_countsKeysValuesAndOverhead() {
    ChangeEvent e = new ChangeEvent(7, List.of(
        new Change(new byte[10], new byte[1000], 7, false),
        new Change(new byte[20], null, 7, false)));
    assertEquals(ChangeRing.EVENT_OVERHEAD + 2 * ChangeRing.CHANGE_OVERHEAD + 10 + 1000 + 20,
        ChangeRing.heapSize(e));
  }

  @Test
  void bigValues_evictTheOldestByBytes_neverHoldingMoreThanTheBound() {
    long bound = 64 << 10;
    ChangeRing ring = new ChangeRing(1_000_000, bound);
    ring.reset(0);
    for (long r = 1; r <= 200; r++) {
      ring.append(List.of(event(r, 4096)), r);
      assertTrue(ring.bytes() <= bound, "holds " + ring.bytes() + " bytes after revision " + r);
    }
    int perEvent = ChangeRing.heapSize(event(200, 4096));
    assertEquals(bound / perEvent, ring.size(), "as many of the newest events as fit");
    assertEquals(200 - ring.size(), ring.floor());
    assertEquals(200, ring.head());

    ChangeRing.Poll behind = ring.poll(10, 1000);
    assertTrue(behind.resync(), "a subscriber behind the evicted history must resync");
    assertEquals(200, behind.resyncTo());
    ChangeRing.Poll caughtUp = ring.poll(ring.floor(), 1000);
    assertFalse(caughtUp.resync());
    assertEquals(ring.size(), caughtUp.events().size());
    assertEquals(ring.floor() + 1, caughtUp.events().get(0).revision());
    assertEquals(200, caughtUp.events().get(caughtUp.events().size() - 1).revision());
  }

  @Test
  void anEventBiggerThanTheBound_isNotKept_andItsSubscribersResync() {
    ChangeRing ring = new ChangeRing(1000, 16 << 10);
    ring.reset(0);
    ring.append(List.of(event(1, 100)), 1);
    ring.append(List.of(event(2, 64 << 10)), 2);
    assertEquals(0, ring.size());
    assertEquals(0, ring.bytes());
    assertEquals(2, ring.floor());
    assertTrue(ring.poll(1, 10).resync());
    ChangeRing.Poll now = ring.poll(2, 10);
    assertFalse(now.resync());
    assertTrue(now.events().isEmpty());
  }

  @Test
  void manySmallEvents_areBoundedByCount() {
    ChangeRing ring = new ChangeRing(50, 1L << 30);
    ring.reset(0);
    for (long r = 1; r <= 500; r++) {
      ring.append(List.of(event(r, 8)), r);
    }
    assertEquals(50, ring.size());
    assertEquals(450, ring.floor());
    assertEquals(50, ring.poll(450, 1000).events().size());
  }
}
