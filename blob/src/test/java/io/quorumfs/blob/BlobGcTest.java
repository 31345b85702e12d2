package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.MemKvStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobGcTest {

  private static final Duration GRACE = Duration.ofHours(3);
  private final FakeClock clock = new FakeClock();
  private final Random random = new Random(11);

  @TempDir
  Path dir;

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private List<BlobStore> stores() {
    return List.of(
        DirBlobStore.open(dir.resolve("d"), clock, Duration.ofHours(1)),
        KvBlobStore.builder(new MemKvStore()).ownsKv(true).clock(clock).build());
  }

  @Test
  void sweep_deletesOldUnreferencedBlobs_keepsLiveAndYoungOnes() {
    for (BlobStore store : stores()) {
      try (store) {
        BlobId oldLive = store.put(bytes(100));
        BlobId oldDead = store.put(bytes(200));
        clock.advance(Duration.ofHours(4));
        BlobId youngDead = store.put(bytes(300)); // inside the grace: maybe not committed yet
        clock.advance(Duration.ofMinutes(30));
        BlobGc gc = new BlobGc(store, clock, 2);
        BlobGc.Mark mark = gc.beginMark();
        BlobGc.Report r = gc.sweep(mark, Set.of(oldLive)::contains, GRACE);
        assertTrue(r.complete(), r.toString());
        assertEquals(3, r.scanned());
        assertEquals(1, r.live());
        assertEquals(1, r.young());
        assertEquals(1, r.deleted());
        assertEquals(200, r.bytesFreed());
        assertEquals(Set.of(oldDead), store.missing(List.of(oldLive, oldDead, youngDead)));
      }
    }
  }

  @Test
  void blobUploadedAfterTheMarkBegan_isNeverDeleted_evenWithZeroGrace() {
    for (BlobStore store : stores()) {
      try (store) {
        BlobGc gc = new BlobGc(store, clock);
        BlobGc.Mark mark = gc.beginMark();
        clock.advance(Duration.ofSeconds(1));
        BlobId late = store.put(bytes(100)); // not in the live set computed from an older revision
        clock.advance(Duration.ofHours(10));
        BlobGc.Report r = gc.sweep(mark, id -> false, Duration.ZERO);
        assertTrue(r.complete());
        assertEquals(0, r.deleted());
        assertTrue(store.contains(late));
      }
    }
  }

  @Test
  void oldBlobReusedAfterTheMarkBegan_survives() {
    for (BlobStore store : stores()) {
      try (store) {
        byte[] data = bytes(100);
        BlobId id = store.put(data);
        clock.advance(Duration.ofDays(2));
        BlobGc gc = new BlobGc(store, clock);
        BlobGc.Mark mark = gc.beginMark();
        // A client finds the blob present (missing() refreshes its stamp) and references it in a
        // commit after the mark's revision; the live set does not include it.
        clock.advance(Duration.ofMinutes(1));
        assertEquals(Set.of(), store.missing(List.of(id)));
        BlobGc.Report r = gc.sweep(mark, x -> false, GRACE);
        assertEquals(0, r.deleted(), r.toString());
        assertTrue(store.contains(id));
      }
    }
  }

  @Test
  void listingError_stopsTheSweep_andIsReported() {
    try (BlobStore inner = KvBlobStore.builder(new MemKvStore()).ownsKv(true).clock(clock).build()) {
      Set<BlobId> all = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        all.add(inner.put(bytes(50)));
      }
      clock.advance(Duration.ofDays(1));
      FailingListStore failing = new FailingListStore(inner, 2);
      BlobGc gc = new BlobGc(failing, clock, 3);
      BlobGc.Report r = gc.sweep(gc.beginMark(), id -> false, GRACE);
      assertFalse(r.complete());
      assertSame(failing.failure, r.error());
      assertEquals(6, r.scanned());
      assertEquals(6, r.deleted());
      assertEquals(4, inner.list(null, 100).blobs().size(), "nothing deleted past the failed page");
      assertTrue(r.toString().contains("STOPPED"), r.toString());
    }
  }

  /** A strict fake: a real store whose {@code list} fails from the n-th call on. */
  private static final class FailingListStore implements BlobStore {
    private final BlobStore inner;
    private final int okCalls;
    private int calls;
    final BlobException failure = new BlobUnavailableException("listing failed (injected)");

    FailingListStore(BlobStore inner, int okCalls) {
      this.inner = inner;
      this.okCalls = okCalls;
    }

    @Override
    public BlobPage list(BlobId after, int limit) {
      if (calls++ >= okCalls) {
        throw failure;
      }
      return inner.list(after, limit);
    }

    @Override
    public BlobId put(byte[] content) {
      return inner.put(content);
    }

    @Override
    public byte[] get(BlobId id) {
      return inner.get(id);
    }

    @Override
    public byte[] get(BlobId id, long offset, int length) {
      return inner.get(id, offset, length);
    }

    @Override
    public Optional<BlobInfo> info(BlobId id) {
      return inner.info(id);
    }

    @Override
    public Set<BlobId> missing(Collection<BlobId> ids) {
      return inner.missing(ids);
    }

    @Override
    public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
      return inner.deleteIfOlder(ids, cutoff);
    }

    @Override
    public void close() {}
  }
}
