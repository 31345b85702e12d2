package io.quorumfs.kv.dynamo;

import java.time.Duration;
import io.quorumfs.kv.Poll;
import static io.quorumfs.kv.Bytes.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.WatchListener;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Backend-specific behaviour of dynamodb:// against DynamoDB Local. */
class DynamoKvStoreTest {

  @RegisterExtension
  static final DynamoLocalExtension DYNAMO = new DynamoLocalExtension();

  private KvStore store;

  @BeforeEach
  void open() {
    store = KvStores.open(DYNAMO.newStoreUri());
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void putThenGet_returnsValueAtCommitRevision() {
    CommitResult r = store.commit(Txn.builder().put(utf8("a"), utf8("1")).build());
    assertTrue(r.ok());
    Versioned v = store.get(utf8("a"));
    assertArrayEquals(utf8("1"), v.value());
    assertEquals(r.revision(), v.version());
    assertEquals(r.revision(), store.revision());
    assertFalse(store.get(utf8("b")).exists());
  }

  @Test
  void emptyValue_roundTrips() {
    store.commit(Txn.builder().put(utf8("e"), new byte[0]).build());
    assertArrayEquals(new byte[0], store.get(utf8("e")).value());
  }

  @Test
  void failedCompares_areAllNamed_andNothingApplies() {
    long v = store.commit(Txn.builder().put(utf8("x"), utf8("1")).put(utf8("y"), utf8("1")).build()).revision();
    CommitResult r = store.commit(Txn.builder().requireVersion(utf8("x"), v + 5).requireAbsent(utf8("y"))
        .requireAbsent(utf8("z")).put(utf8("z"), utf8("2")).build());
    assertFalse(r.ok());
    assertEquals(2, r.failed().size());
    assertFalse(store.get(utf8("z")).exists());
    assertEquals(v, store.revision());
  }

  @Test
  void concurrentAdds_neverConflict_andSumUp() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < 10; i++) {
            CommitResult r = store.commit(Txn.builder().add(utf8("n"), 1).max(utf8("m"), i).build());
            assertTrue(r.ok());
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(40, Bytes.toLong(store.get(utf8("n")).value()));
    assertEquals(9, Bytes.toLong(store.get(utf8("m")).value()));
  }

  @Test
  void scan_ordersBinaryKeysUnsigned_andPaginates() {
    List<byte[]> keys = List.of(new byte[] {1}, new byte[] {1, 0}, new byte[] {(byte) 0x7F},
        new byte[] {(byte) 0x80}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xFF, (byte) 0xFF});
    Txn.Builder b = Txn.builder();
    keys.forEach(k -> b.put(k, k));
    store.commit(b.build());
    List<byte[]> seen = new ArrayList<>();
    byte[] after = null;
    ScanPage p;
    do {
      p = store.scan(KeyRange.all(), 2, after);
      p.entries().forEach(v -> seen.add(v.key()));
      after = p.next();
    } while (p.more());
    assertEquals(keys.size(), seen.size());
    for (int i = 0; i < keys.size(); i++) {
      assertArrayEquals(keys.get(i), seen.get(i));
    }
    ScanPage mid = store.scan(new KeyRange(new byte[] {1, 0}, new byte[] {(byte) 0xFF}), 10, null);
    assertEquals(3, mid.entries().size());
    assertFalse(mid.more());
  }

  @Test
  void scanPage_isConsistent_whileCommitsMoveKeysInsideAndOutsideTheRange() throws Exception {
    Txn.Builder init = Txn.builder();
    for (int i = 0; i < 50; i++) {
      init.put(utf8(String.format("r/%02d", i)), utf8("x"));
    }
    init.put(utf8("r/token-a"), utf8("t"));
    store.commit(init.build());
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> mover = pool.submit(() -> {
        boolean atA = true;
        while (!stop.get()) {
          String from = atA ? "r/token-a" : "r/token-b";
          String to = atA ? "r/token-b" : "r/token-a";
          store.commit(Txn.builder().delete(utf8(from)).put(utf8(to), utf8("t")).build());
          atA = !atA;
        }
      });
      Future<?> outside = pool.submit(() -> {
        int i = 0;
        while (!stop.get()) {
          store.commit(Txn.builder().put(utf8("s/other"), Bytes.ofLong(i++)).build());
        }
      });
      for (int i = 0; i < 20; i++) {
        ScanPage p = store.scan(KeyRange.prefix(utf8("r/")), 100, null);
        long tokens = p.entries().stream().filter(v -> Bytes.show(v.key()).contains("token")).count();
        assertEquals(1, tokens, "a page must show the token in exactly one place");
        assertEquals(51, p.entries().size());
      }
      stop.set(true);
      mover.get();
      outside.get();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  @Test
  void longKeys_sharingA1000BytePrefix_scanInKeyOrder() {
    byte[] base = new byte[1500];
    Arrays.fill(base, (byte) 'k');
    List<byte[]> keys = new ArrayList<>();
    Txn.Builder b = Txn.builder();
    for (int i = 0; i < 20; i++) {
      byte[] k = Arrays.copyOf(base, 1001 + i * 150);
      k[k.length - 1] = (byte) (i * 7 % 20);
      keys.add(k);
      b.put(k, Bytes.ofLong(i));
    }
    byte[] max = new byte[KvStore.MAX_KEY_BYTES];
    Arrays.fill(max, (byte) 'k');
    keys.add(max);
    b.put(max, utf8("max"));
    keys.add(Arrays.copyOf(base, 1000));
    b.put(Arrays.copyOf(base, 1000), utf8("short"));
    store.commit(b.build());
    keys.sort(Bytes.ORDER);
    List<byte[]> seen = new ArrayList<>();
    byte[] after = null;
    ScanPage p;
    do {
      p = store.scan(KeyRange.prefix(utf8("k")), 3, after);
      p.entries().forEach(v -> seen.add(v.key()));
      after = p.next();
    } while (p.more());
    assertEquals(keys.size(), seen.size());
    for (int i = 0; i < keys.size(); i++) {
      assertArrayEquals(keys.get(i), seen.get(i), "position " + i);
    }
    assertArrayEquals(utf8("max"), store.get(max).value());
  }

  @Test
  void largeValue_isSplitAndReassembled_andReplacedCleanly() {
    byte[] big = new byte[Committer.MAX_VALUE_BYTES];
    new Random(1).nextBytes(big);
    store.commit(Txn.builder().put(utf8("big"), big).build());
    assertArrayEquals(big, store.get(utf8("big")).value());
    assertArrayEquals(big, store.scan(KeyRange.prefix(utf8("big")), 1, null).entries().get(0).value());
    byte[] smaller = Arrays.copyOf(big, 400_000);
    store.commit(Txn.builder().put(utf8("big"), smaller).build());
    assertArrayEquals(smaller, store.get(utf8("big")).value());
    store.commit(Txn.builder().delete(utf8("big")).build());
    assertFalse(store.get(utf8("big")).exists());
  }

  @Test
  void valueOverTheLimit_isRefusedNamingTheLimit() {
    KvLimitException e = assertThrows(KvLimitException.class, () -> store.commit(
        Txn.builder().put(utf8("huge"), new byte[Committer.MAX_VALUE_BYTES + 1]).build()));
    System.out.println("value size: " + e.getMessage());
    assertTrue(e.getMessage().contains(Integer.toString(Committer.MAX_VALUE_BYTES)), e.getMessage());
  }

  @Test
  void txnOver100Items_isRefusedNamingTheLimit() {
    Txn.Builder b = Txn.builder();
    for (int i = 0; i < 98; i++) {
      b.put(utf8("k" + i), utf8("v"));
    }
    KvLimitException e = assertThrows(KvLimitException.class, () -> store.commit(b.build()));
    System.out.println("txn size: " + e.getMessage());
    assertTrue(e.getMessage().contains("limit of 97") && e.getMessage().contains("100"), e.getMessage());
    Txn.Builder parts = Txn.builder();
    for (int i = 0; i < 90; i++) {
      parts.put(utf8("p" + i), utf8("v"));
    }
    parts.put(utf8("big"), new byte[Committer.PART_BYTES * 8 + 1]);
    KvLimitException p = assertThrows(KvLimitException.class, () -> store.commit(parts.build()));
    System.out.println("txn items: " + p.getMessage());
    assertTrue(p.getMessage().contains("9 value parts") && p.getMessage().contains("limit of 100"),
        p.getMessage());
    assertFalse(store.get(utf8("p0")).exists());
    Txn.Builder ok = Txn.builder();
    for (int i = 0; i < 97; i++) {
      ok.put(utf8("k" + i), utf8("v"));
    }
    assertTrue(store.commit(ok.build()).ok());
  }

  @Test
  void missingTable_withoutCreate_isNamed() {
    String table = DynamoLocalExtension.newTableName();
    KvException e = assertThrows(KvException.class, () -> KvStores.open(DYNAMO.storeUri(table, "")));
    System.out.println("missing table: " + e.getMessage());
    assertTrue(e.getMessage().contains(table) && e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void unreachableEndpoint_isAClearError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String uri = "dynamodb://t-unreachable?region=us-east-1&endpoint=http://127.0.0.1:" + port
        + "&accessKey=a&secretKey=b&timeoutMs=3000";
    KvUnavailableException e = assertThrows(KvUnavailableException.class, () -> KvStores.open(uri));
    System.out.println("unreachable: " + e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void watch_deliversCommitsInOrder_thenResyncsPastTheHistory() throws Exception {
    String uri = DYNAMO.storeUri(DynamoLocalExtension.newTableName(), "create=true&history=3");
    try (KvStore s = KvStores.open(uri)) {
      for (int i = 0; i < 5; i++) {
        s.commit(Txn.builder().put(utf8("w" + i), utf8("v" + i)).build());
      }
      List<ChangeEvent> events = new CopyOnWriteArrayList<>();
      List<Long> resyncs = new CopyOnWriteArrayList<>();
      WatchListener l = new WatchListener() {
        @Override
        public void onEvent(ChangeEvent e) {
          events.add(e);
        }

        @Override
        public void onResync(long revision) {
          resyncs.add(revision);
        }
      };
      try (var w = s.watch(0, l)) {
        waitFor(() -> resyncs.size() == 1);
        assertEquals(5, resyncs.get(0));
        s.commit(Txn.builder().put(utf8("w5"), utf8("v5")).delete(utf8("w0")).build());
        waitFor(() -> events.size() == 1);
        assertEquals(6, events.get(0).revision());
        assertEquals(2, events.get(0).changes().size());
        assertArrayEquals(utf8("v5"), events.get(0).changes().get(0).value());
        assertTrue(events.get(0).changes().get(1).deleted());
      }
      events.clear();
      try (var w = s.watch(4, l)) {
        waitFor(() -> events.size() == 2);
        assertEquals(5, events.get(0).revision());
        assertEquals(6, events.get(1).revision());
        assertNull(events.get(0).changes().get(0).value() == null ? null : null);
      }
    }
  }

  static void waitFor(BooleanSupplier cond) {
    Poll.until(Duration.ofSeconds(20), "the watch to deliver", cond);
  }

}
