package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scans, pagination, binary keys, empty and large values. Part of {@link KvStoreContract}. */
public abstract class KvScanContract extends KvCommitContract {

  static List<String> keysOf(ScanPage p) {
    List<String> out = new ArrayList<>();
    for (Versioned v : p.entries()) {
      out.add(str(v.key()));
    }
    return out;
  }

  void putAll(String... keys) {
    Txn.Builder b = Txn.builder();
    for (String key : keys) {
      b.put(k(key), v("v-" + key));
    }
    commitOk(store, b.build());
  }

  @Test
  void scan_prefix_returnsOnlyThatPrefix_inOrder_withValuesAndVersions() {
    putAll("a/2", "b", "a/1", "a", "a/3", "a0");
    ScanPage p = store.scan(KeyRange.prefix(k("a/")), 100, null);
    assertEquals(List.of("a/1", "a/2", "a/3"), keysOf(p));
    assertFalse(p.more());
    Versioned first = p.entries().get(0);
    assertEquals("v-a/1", str(first.value()));
    assertEquals(store.get(k("a/1")).version(), first.version());
  }

  @Test
  void scan_range_isHalfOpen() {
    putAll("a", "b", "c", "d");
    assertEquals(List.of("b", "c"), keysOf(store.scan(new KeyRange(k("b"), k("d")), 10, null)));
    assertEquals(List.of("b", "c", "d"), keysOf(store.scan(new KeyRange(k("b"), null), 10, null)));
    assertEquals(List.of(), keysOf(store.scan(new KeyRange(k("b"), k("b")), 10, null)));
    assertEquals(List.of("a", "b", "c", "d"), keysOf(store.scan(KeyRange.all(), 10, null)));
  }

  @Test
  void scan_limit_cutsThePage_andSetsMore() {
    putAll("a", "b", "c");
    ScanPage p = store.scan(KeyRange.all(), 2, null);
    assertEquals(List.of("a", "b"), keysOf(p));
    assertTrue(p.more());
    ScanPage rest = store.scan(KeyRange.all(), 2, p.next());
    assertEquals(List.of("c"), keysOf(rest));
    assertFalse(rest.more());
    ScanPage exact = store.scan(KeyRange.all(), 3, null);
    assertEquals(3, exact.entries().size());
  }

  @Test
  void scan_after_resumesStrictlyAfter_evenWhenThatKeyIsGone() {
    putAll("a", "b", "c", "d");
    assertEquals(List.of("c", "d"), keysOf(store.scan(KeyRange.all(), 10, k("b"))));
    assertEquals(List.of("c", "d"), keysOf(store.scan(KeyRange.all(), 10, k("bb"))));
    assertEquals(List.of("b", "c"), keysOf(store.scan(new KeyRange(k("b"), k("d")), 10, k("a"))));
  }

  @Test
  void scan_afterPastTheRangeEnd_isEmpty() {
    putAll("a", "b", "c", "d");
    ScanPage p = store.scan(new KeyRange(k("a"), k("c")), 10, k("x"));
    assertEquals(List.of(), keysOf(p));
    assertFalse(p.more());
    assertNull(p.next());
  }

  @Test
  void scan_emptyStoreOrEmptyRange_returnsAnEmptyPage() {
    ScanPage p = store.scan(KeyRange.all(), 10, null);
    assertTrue(p.entries().isEmpty());
    assertFalse(p.more());
    putAll("a");
    assertTrue(store.scan(KeyRange.prefix(k("b")), 10, null).entries().isEmpty());
  }

  @Test
  void scan_doesNotReturnDeletedKeys() {
    putAll("a", "b", "c");
    delete(store, k("b"));
    assertEquals(List.of("a", "c"), keysOf(store.scan(KeyRange.all(), 10, null)));
  }

  @Test
  void scan_badLimit_throwsIllegalArgumentNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.scan(KeyRange.all(), 0, null));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.scan(KeyRange.all(), -5, null));
    assertThrows(NullPointerException.class, () -> store.scan(null, 10, null));
  }

  @Test
  void scan_over100kKeys_paginates_completely_inOrder_withoutDuplicates() {
    int n = 100_000;
    List<byte[]> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(k(String.format("big/%07d", i)));
    }
    bulkPut(store, keys);
    put(store, "bif", "outside");
    put(store, "bih", "outside");
    byte[] after = null;
    int seen = 0;
    int pages = 0;
    while (true) {
      ScanPage p = store.scan(KeyRange.prefix(k("big/")), 1000, after);
      for (Versioned e : p.entries()) {
        assertArrayEquals(keys.get(seen), e.key(), "key #" + seen);
        seen++;
      }
      pages++;
      if (!p.more()) {
        break;
      }
      after = p.next();
    }
    assertEquals(n, seen);
    assertTrue(pages >= 100 && pages <= 101, "pages: " + pages);
    ScanPage mid = store.scan(new KeyRange(k("big/0050000"), k("big/0050010")), 1000, null);
    assertEquals(10, mid.entries().size());
    assertFalse(mid.more());
  }

  @Test
  void scan_usesUnsignedByteOrder() {
    byte[][] ks = {{'p', 0x00}, {'p', 0x01}, {'p', 0x7F}, {'p', (byte) 0x80}, {'p', (byte) 0xFE}, {'p', (byte) 0xFF},
        {'p', (byte) 0xFF, 0x00}};
    List<byte[]> shuffled = new ArrayList<>(Arrays.asList(ks));
    java.util.Collections.reverse(shuffled);
    bulkPut(store, shuffled);
    List<Versioned> all = scanAll(store, KeyRange.prefix(k("p")), 3);
    assertEquals(ks.length, all.size());
    for (int i = 0; i < ks.length; i++) {
      assertArrayEquals(ks[i], all.get(i).key(), "position " + i);
    }
  }

  @Test
  void binaryKeys_withZeroAndFFBytes_roundTrip() {
    byte[] zero = {0x00};
    byte[] zeros = {0x00, 0x00, 0x00};
    byte[] ff = {(byte) 0xFF};
    byte[] mixed = {0x00, (byte) 0xFF, 0x00, (byte) 0xFF};
    byte[] value = {0x00, (byte) 0xFF, 0x0A, 0x0D, 0x00};
    for (byte[] key : List.of(zero, zeros, ff, mixed)) {
      long rev = put(store, key, value);
      Versioned got = store.get(key);
      assertArrayEquals(value, got.value(), Bytes.show(key));
      assertEquals(rev, got.version());
    }
    assertEquals(4, scanAll(store, KeyRange.all(), 2).size());
    assertEquals(3, store.scan(KeyRange.prefix(zero), 10, null).entries().size());
  }

  @Test
  void prefixScan_ofAllFFPrefix_reachesTheTopOfTheKeySpace() {
    assertNull(Bytes.prefixEnd(new byte[] {(byte) 0xFF, (byte) 0xFF}));
    byte[] top = {(byte) 0xFF, (byte) 0xFF};
    bulkPut(store, List.of(new byte[] {(byte) 0xFF, (byte) 0xFE}, top,
        new byte[] {(byte) 0xFF, (byte) 0xFF, 0x00}, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
    List<Versioned> got = scanAll(store, KeyRange.prefix(top), 1);
    assertEquals(3, got.size());
    assertArrayEquals(top, got.get(0).key());
  }

  @Test
  void prefixScan_endsBeforeTheNextPrefix_whenLastByteIsFF() {
    byte[] prefix = {'q', (byte) 0xFF};
    assertArrayEquals(new byte[] {'r'}, Bytes.prefixEnd(prefix));
    bulkPut(store, List.of(new byte[] {'q', (byte) 0xFE}, new byte[] {'q', (byte) 0xFF},
        new byte[] {'q', (byte) 0xFF, 0x01}, new byte[] {'r'}, new byte[] {'r', 0x00}));
    assertEquals(2, store.scan(KeyRange.prefix(prefix), 10, null).entries().size());
  }

  @Test
  void emptyValue_isPresent_andDistinctFromAbsent() {
    long rev = put(store, k("e"), new byte[0]);
    Versioned v = store.get(k("e"));
    assertTrue(v.exists());
    assertEquals(rev, v.version());
    assertArrayEquals(new byte[0], v.value());
    assertArrayEquals(new byte[0], store.scan(KeyRange.prefix(k("e")), 1, null).entries().get(0).value());
    assertTrue(store.commit(Txn.builder().requireVersion(k("e"), rev).build()).ok());
  }

  @Test
  void valueOf4MiB_roundTrips_orIsRefusedWithKvLimitException() {
    byte[] big = new byte[4 * 1024 * 1024 + 17];
    new java.util.Random(42).nextBytes(big);
    Txn txn = Txn.builder().put(k("big"), big).build();
    if (has(Capability.LARGE_VALUES)) {
      long rev = commitOk(store, txn).revision();
      Versioned got = store.get(k("big"));
      assertEquals(rev, got.version());
      assertArrayEquals(big, got.value());
      assertArrayEquals(big, store.scan(KeyRange.prefix(k("big")), 1, null).entries().get(0).value());
    } else {
      KvLimitException e = assertThrows(KvLimitException.class, () -> store.commit(txn));
      assertTrue(e.getMessage().contains("big") || e.getMessage().contains("value"), e.getMessage());
      assertFalse(store.get(k("big")).exists());
    }
  }
}
