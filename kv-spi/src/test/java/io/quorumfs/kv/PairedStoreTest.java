package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PairedStore behaviour beyond the contract: fall-through reads, outbox, retry, stats. */
final class PairedStoreTest {

  private final MemKvStore fast = new MemKvStore();
  private final MemKvStore slowMem = new MemKvStore();
  private final GatedKvStore slow = new GatedKvStore(slowMem, true);
  private final AtomicLong now = new AtomicLong(1_000);
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }
  };
  private final PairedStore paired = new PairedStore(fast, slow,
      new PairedStore.Options(16, Duration.ofMillis(1), Duration.ofMillis(20), clock));

  @AfterEach
  void close() {
    paired.close();
  }

  private static byte[] b(String s) {
    return Bytes.utf8(s);
  }

  private static void await(BooleanSupplier cond, String what) {
    Poll.until(Duration.ofSeconds(20), what, cond);
  }


  @Test
  void read_missingInFast_fallsBackToSlow_andFillsFast() {
    slowMem.commit(Txn.builder().put(b("k"), b("v")).build());
    Versioned got = paired.get(b("k"));
    assertArrayEquals(b("v"), got.value());
    assertEquals(got.version(), fast.get(b("k")).version(), "filled into fast with a fast version");
    assertEquals(got, paired.get(b("k")));
    assertFalse(paired.get(b("absent")).exists());
  }

  @Test
  void write_reachesSlow_inTheBackground_andLeavesNoBacklog() throws Exception {
    paired.commit(Txn.builder().put(b("a"), b("1")).put(b("b"), b("2")).build());
    assertTrue(paired.awaitPropagated(Duration.ofSeconds(20)));
    assertArrayEquals(b("1"), slowMem.get(b("a")).value());
    assertArrayEquals(b("2"), slowMem.get(b("b")).value());
    assertEquals(0, paired.backlog());
    assertEquals(Duration.ZERO, paired.propagationLag());
  }

  @Test
  void slowUnavailable_isRetriedWithBackoff_untilItAccepts() throws Exception {
    slow.shut();
    for (int i = 0; i < 10; i++) {
      paired.commit(Txn.builder().put(b("k" + i), b("v" + i)).build());
    }
    await(() -> slow.refusedCommits() >= 3, "three refused copies");
    assertTrue(paired.lastPropagationError() instanceof KvUnavailableException, String.valueOf(paired.lastPropagationError()));
    assertEquals(10, paired.backlog());
    assertFalse(slowMem.get(b("k0")).exists());
    slow.open();
    assertTrue(paired.awaitPropagated(Duration.ofSeconds(20)));
    for (int i = 0; i < 10; i++) {
      assertArrayEquals(b("v" + i), slowMem.get(b("k" + i)).value());
    }
  }

  @Test
  void backlog_coalescesRewrites_andLagIsTheOldestPendingWrite() {
    slow.shut();
    paired.commit(Txn.builder().put(b("a"), b("1")).build());
    now.set(5_000);
    paired.commit(Txn.builder().put(b("b"), b("1")).build());
    paired.commit(Txn.builder().put(b("b"), b("2")).add(b("n"), 1).build());
    now.set(9_000);
    assertEquals(3, paired.backlog());
    assertEquals(Duration.ofMillis(8_000), paired.propagationLag());
  }

  @Test
  void pendingDelete_hidesTheSlowValue_fromGetAndScan() throws Exception {
    slowMem.commit(Txn.builder().put(b("k"), b("old")).put(b("j"), b("j")).build());
    slow.shut();
    paired.commit(Txn.builder().delete(b("k")).build());
    assertFalse(paired.get(b("k")).exists());
    List<Versioned> all = paired.scan(KeyRange.all(), 10, null).entries();
    assertEquals(1, all.size());
    assertArrayEquals(b("j"), all.get(0).key());
    slow.open();
    assertTrue(paired.awaitPropagated(Duration.ofSeconds(20)));
    assertFalse(slowMem.get(b("k")).exists());
  }

  @Test
  void commit_comparesAndCountersSeeSlowOnlyKeys() {
    slowMem.commit(Txn.builder().put(b("k"), b("v")).put(b("n"), Bytes.ofLong(40)).build());
    CommitResult r = paired.commit(Txn.builder().requireAbsent(b("k")).put(b("k"), b("x")).build());
    assertFalse(r.ok(), "k exists in slow, so it is not absent");
    CommitResult add = paired.commit(Txn.builder().add(b("n"), 2).build());
    assertEquals(List.of(42L), add.opResults());
  }

  @Test
  void scan_mergesBothStoresInOrder_acrossPages() {
    slowMem.commit(Txn.builder().put(b("a"), b("s")).put(b("c"), b("s")).put(b("e"), b("s")).build());
    slow.shut();
    paired.commit(Txn.builder().put(b("b"), b("f")).put(b("d"), b("f")).put(b("c"), b("f")).build());
    List<String> keys = new ArrayList<>();
    List<String> values = new ArrayList<>();
    byte[] after = null;
    while (true) {
      ScanPage p = paired.scan(KeyRange.all(), 2, after);
      p.entries().forEach(v -> {
        keys.add(new String(v.key()));
        values.add(new String(v.value()));
      });
      if (!p.more() || p.entries().isEmpty()) {
        break;
      }
      after = p.next();
    }
    assertEquals(List.of("a", "b", "c", "d", "e"), keys);
    assertEquals(List.of("s", "f", "f", "f", "s"), values);
  }

  @Test
  void outboxKeys_areReserved() {
    byte[] reserved = Bytes.concat(PairedStore.OUTBOX_PREFIX, b("x"));
    assertThrows(IllegalArgumentException.class, () -> paired.get(reserved));
    assertThrows(IllegalArgumentException.class, () -> paired.commit(Txn.builder().put(reserved, b("1")).build()));
  }

  @Test
  void evict_dropsOnlyCopiedKeys_andTheNextReadRefills() throws Exception {
    slow.shut();
    paired.commit(Txn.builder().put(b("k"), b("v")).build());
    assertFalse(paired.evict(b("k")), "a key not yet copied stays");
    slow.open();
    assertTrue(paired.awaitPropagated(Duration.ofSeconds(20)));
    assertTrue(paired.evict(b("k")));
    assertFalse(fast.get(b("k")).exists());
    assertArrayEquals(b("v"), paired.get(b("k")).value());
  }

  @Test
  void largeBacklog_drainsInPages() throws Exception {
    slow.shut();
    int n = 5_000;
    for (int i = 0; i < n; i += 250) {
      Txn.Builder t = Txn.builder();
      for (int j = i; j < i + 250; j++) {
        t.put(b(String.format("key%05d", j)), b("v"));
      }
      paired.commit(t.build());
    }
    assertEquals(n, paired.backlog());
    slow.open();
    assertTrue(paired.awaitPropagated(Duration.ofSeconds(30)));
    assertEquals(n, slowMem.scan(KeyRange.prefix(b("key")), n + 1, null).entries().size());
  }
}
