package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing partial is ever readable under an id: crashes and races in the middle of writes. */
class PartialWriteTest {

  private static final byte[] INFO_PREFIX = Bytes.utf8("blob/i");
  private final Random random = new Random(13);

  @TempDir
  Path dir;

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static boolean writesInfo(Txn t) {
    return t.ops().stream().anyMatch(o -> o instanceof Op.Put && Bytes.startsWith(o.key(), INFO_PREFIX));
  }

  private static void assertAbsent(BlobStore s, BlobId id) {
    assertThrows(BlobNotFoundException.class, () -> s.get(id));
    assertEquals(Set.of(id), s.missing(List.of(id)));
    assertTrue(s.list(null, 100).blobs().isEmpty());
  }

  @Test
  void kvStore_crashBeforeTheInfoTxn_ofAMultiTxnPut_leavesTheIdAbsent() {
    HookedKvStore kv = new HookedKvStore(new MemKvStore());
    try (KvBlobStore store = KvBlobStore.builder(kv).ownsKv(true).partSize(10_000).maxTxnBytes(30_000).build()) {
      byte[] data = bytes(95_000); // 10 parts over 4 txns, then the info
      kv.beforeCommit = t -> {
        if (writesInfo(t)) {
          throw new KvUnavailableException("simulated crash before the info txn");
        }
      };
      BlobId id = BlobId.of(data);
      assertThrows(BlobUnavailableException.class, () -> store.put(data));
      assertAbsent(store, id);
      kv.beforeCommit = t -> { };
      assertEquals(id, store.put(data)); // leftover parts are simply overwritten
      assertArrayEquals(data, store.get(id));
    }
  }

  @Test
  void orphanParts_ofACrashedPut_areRemovedByGc_onceOlderThanTheGrace() {
    FakeClock clock = new FakeClock();
    HookedKvStore kv = new HookedKvStore(new MemKvStore());
    try (KvBlobStore store = KvBlobStore.builder(kv).ownsKv(true).clock(clock).partSize(10_000).maxTxnBytes(30_000).build()) {
      byte[] crashed = bytes(95_000);
      kv.beforeCommit = t -> {
        if (writesInfo(t)) {
          throw new KvUnavailableException("simulated crash before the info txn");
        }
      };
      assertThrows(BlobUnavailableException.class, () -> store.put(crashed));
      kv.beforeCommit = t -> { };
      BlobId kept = store.put(bytes(95_000));
      BlobGc gc = new BlobGc(store, clock);
      BlobGc.Report young = gc.sweep(gc.beginMark(), kept::equals, Duration.ofHours(3));
      assertEquals(0, young.orphanParts(), "a put may still be in progress: kept");
      clock.advance(Duration.ofHours(4));
      BlobGc.Report r = gc.sweep(gc.beginMark(), kept::equals, Duration.ofHours(3));
      assertTrue(r.complete(), r.toString());
      assertEquals(10, r.orphanParts(), r.toString());
      long keysLeft = kv.scan(io.quorumfs.kv.KeyRange.all(), 1000, null).entries().size();
      assertEquals(10 + 2, keysLeft, "only the kept blob's parts, info and token remain");
      assertTrue(store.contains(kept));
      assertEquals(BlobId.of(crashed), store.put(crashed));
      assertArrayEquals(crashed, store.get(BlobId.of(crashed)));
    }
  }

  @Test
  void kvStore_failedSingleTxnPut_writesNothing() {
    HookedKvStore kv = new HookedKvStore(new MemKvStore());
    try (KvBlobStore store = KvBlobStore.builder(kv).ownsKv(true).build()) {
      byte[] data = bytes(50_000);
      kv.beforeCommit = t -> {
        throw new KvUnavailableException("simulated crash");
      };
      assertThrows(BlobUnavailableException.class, () -> store.put(data));
      assertAbsent(store, BlobId.of(data));
      assertEquals(0, kv.scan(io.quorumfs.kv.KeyRange.all(), 10, null).entries().size());
    }
  }

  /**
   * P2 writes a large blob's parts while P1 stores the same blob completely and a delete removes
   * it (parts included) before P2 publishes its info: P2 must notice (the put token changed) and
   * write again, never publish an info whose parts are gone.
   */
  @Test
  void kvStore_deleteRacingAMultiTxnPut_neverLeavesAnInfoWithoutParts() {
    HookedKvStore kv = new HookedKvStore(new MemKvStore());
    KvBlobStore other = KvBlobStore.builder(kv).partSize(10_000).maxTxnBytes(30_000).build();
    try (KvBlobStore store = KvBlobStore.builder(kv).ownsKv(true).partSize(10_000).maxTxnBytes(30_000).build()) {
      byte[] data = bytes(95_000);
      BlobId id = BlobId.of(data);
      AtomicBoolean fired = new AtomicBoolean();
      kv.beforeCommit = t -> {
        if (writesInfo(t) && fired.compareAndSet(false, true)) {
          other.put(data); // P1, complete
          other.delete(List.of(id)); // D: info, token and every part gone
        }
      };
      assertEquals(id, store.put(data));
      assertTrue(fired.get());
      assertArrayEquals(data, store.get(id));
    }
  }

  @Test
  void dirStore_leftoverTempFileFromACrash_isInvisible_andCleanedAtOpen() throws Exception {
    FakeClock clock = new FakeClock();
    byte[] data = bytes(10_000);
    BlobId id = BlobId.of(data);
    try (DirBlobStore store = DirBlobStore.open(dir, clock, Duration.ofHours(1))) {
      Path tmp = dir.resolve("tmp").resolve(id.hex() + ".1234.tmp");
      Files.write(tmp, java.util.Arrays.copyOf(data, 3000)); // a write cut short by a crash
      Files.setLastModifiedTime(tmp, java.nio.file.attribute.FileTime.from(clock.instant()));
      assertAbsent(store, id);
    }
    clock.advance(Duration.ofHours(2));
    try (DirBlobStore store = DirBlobStore.open(dir, clock, Duration.ofHours(1))) {
      try (var s = Files.list(dir.resolve("tmp"))) {
        assertFalse(s.findAny().isPresent(), "stale temp files removed at open");
      }
      assertEquals(id, store.put(data));
      assertArrayEquals(data, store.get(id));
    }
  }
}
