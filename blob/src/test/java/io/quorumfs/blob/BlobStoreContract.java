package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link BlobStore} shares. Subclass per implementation, against a real
 * backend: {@link #open(FakeClock)} returns a fresh, empty store whose stamps come from the clock.
 */
public abstract class BlobStoreContract {

  /** The default refresh interval the stores are opened with: stamps older than this are refreshed. */
  protected static final Duration REFRESH = Duration.ofHours(1);

  protected final FakeClock clock = new FakeClock();
  protected BlobStore store;
  private final Random random = new Random(42);

  /** A new empty store stamping with {@code clock}, refreshing stamps older than {@link #REFRESH}. */
  protected abstract BlobStore open(FakeClock clock) throws Exception;

  /** Releases what {@link #open} started beyond the store itself (servers, directories). */
  protected void cleanUp() throws Exception {}

  @BeforeEach
  void openStore() throws Exception {
    store = open(clock);
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      if (store != null) {
        store.close();
      }
    } finally {
      cleanUp();
    }
  }

  protected byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void put_thenGet_returnsTheContent() {
    byte[] data = randomBytes(100_000);
    BlobId id = store.put(data);
    assertArrayEquals(data, store.get(id));
  }

  @Test
  void put_returnsTheSha256OfTheContent() throws Exception {
    byte[] data = randomBytes(1000);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(data);
    assertArrayEquals(sha, store.put(data).hash());
  }

  @Test
  void put_emptyBlob_roundTrips() {
    BlobId id = store.put(new byte[0]);
    assertEquals(BlobId.of(new byte[0]), id);
    assertArrayEquals(new byte[0], store.get(id));
    assertEquals(0, store.info(id).orElseThrow().size());
  }

  @Test
  void put_sameContentTwice_storesItOnce() {
    byte[] data = randomBytes(5000);
    BlobId a = store.put(data);
    BlobId b = store.put(data.clone());
    assertEquals(a, b);
    BlobPage page = store.list(null, 10);
    assertEquals(1, page.blobs().size());
    assertFalse(page.more());
  }

  @Test
  void get_absentBlob_throwsNotFoundNamingTheId() {
    BlobId id = BlobId.of(randomBytes(10));
    BlobNotFoundException e = assertThrows(BlobNotFoundException.class, () -> store.get(id));
    assertEquals(id, e.id());
    assertTrue(e.getMessage().contains(id.hex()), e.getMessage());
    assertThrows(BlobNotFoundException.class, () -> store.get(id, 0, 1));
  }

  @Test
  void getRange_returnsTheSlice_clippedAtTheEnd() {
    byte[] data = randomBytes(10_000);
    BlobId id = store.put(data);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 350), store.get(id, 100, 250));
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 9_990, 10_000), store.get(id, 9_990, 100));
    assertArrayEquals(new byte[0], store.get(id, 10_000, 5));
    assertArrayEquals(data, store.get(id, 0, Integer.MAX_VALUE));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.get(id, 10_001, 1));
    assertTrue(e.getMessage().contains("10000"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.get(id, -1, 1));
  }

  @Test
  void multiMegabyteBlob_roundTripsWholeAndInRanges() {
    byte[] data = randomBytes(5 * 1024 * 1024 + 17);
    BlobId id = store.put(data);
    assertArrayEquals(data, store.get(id));
    int off = 4 * 1024 * 1024 - 10;
    assertArrayEquals(java.util.Arrays.copyOfRange(data, off, off + 100), store.get(id, off, 100));
    assertEquals(data.length, store.info(id).orElseThrow().size());
  }

  @Test
  void missing_answersForManyIdsAtOnce() {
    List<BlobId> present = new ArrayList<>();
    List<BlobId> absent = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] d = randomBytes(100 + i);
      if (i % 3 == 0) {
        absent.add(BlobId.of(d));
      } else {
        present.add(store.put(d));
      }
    }
    List<BlobId> all = new ArrayList<>(present);
    all.addAll(absent);
    java.util.Collections.shuffle(all, random);
    assertEquals(new HashSet<>(absent), store.missing(all));
    assertEquals(Set.of(), store.missing(List.of()));
    assertTrue(store.contains(present.get(0)));
    assertFalse(store.contains(absent.get(0)));
  }

  @Test
  void delete_removesPresentBlobs_andIgnoresAbsentOnes() {
    BlobId a = store.put(randomBytes(300));
    BlobId b = store.put(randomBytes(300));
    BlobId never = BlobId.of(randomBytes(3));
    store.delete(List.of(a, never));
    assertEquals(Set.of(a), store.missing(List.of(a, b)));
    assertThrows(BlobNotFoundException.class, () -> store.get(a));
    assertTrue(store.info(a).isEmpty());
    assertEquals(300, store.get(b).length);
  }

  @Test
  void deleteAndPutAgain_roundTrips() {
    byte[] data = randomBytes(2000);
    BlobId id = store.put(data);
    store.delete(List.of(id));
    assertEquals(id, store.put(data));
    assertArrayEquals(data, store.get(id));
  }

  @Test
  void deleteIfOlder_deletesOnlyBlobsStampedBeforeTheCutoff() {
    BlobId old = store.put(randomBytes(100));
    clock.advance(Duration.ofMinutes(10));
    Instant cutoff = clock.instant();
    clock.advance(Duration.ofMinutes(10));
    BlobId young = store.put(randomBytes(100));
    assertEquals(1, store.deleteIfOlder(List.of(old, young), cutoff));
    assertEquals(Set.of(old), store.missing(List.of(old, young)));
  }

  @Test
  void info_reportsSizeAndStamp() {
    Instant t = clock.instant();
    BlobId id = store.put(randomBytes(1234));
    BlobInfo info = store.info(id).orElseThrow();
    assertEquals(id, info.id());
    assertEquals(1234, info.size());
    assertEquals(t.toEpochMilli(), info.stamp().toEpochMilli());
    assertTrue(store.info(BlobId.of(new byte[] {1})).isEmpty());
  }

  @Test
  void put_ofPresentBlobWithStaleStamp_refreshesIt() {
    byte[] data = randomBytes(100);
    BlobId id = store.put(data);
    clock.advance(REFRESH.plusMinutes(1));
    Instant cutoff = clock.instant();
    store.put(data);
    assertFalse(store.info(id).orElseThrow().stamp().isBefore(cutoff));
    assertEquals(0, store.deleteIfOlder(List.of(id), cutoff));
    assertTrue(store.contains(id));
  }

  @Test
  void put_ofPresentBlobWithFreshStamp_keepsTheStamp() {
    byte[] data = randomBytes(100);
    BlobId id = store.put(data);
    Instant first = store.info(id).orElseThrow().stamp();
    clock.advance(Duration.ofMinutes(1));
    store.put(data);
    assertEquals(first.toEpochMilli(), store.info(id).orElseThrow().stamp().toEpochMilli());
  }

  @Test
  void missing_refreshesStaleStampsOfPresentBlobs() {
    BlobId id = store.put(randomBytes(100));
    clock.advance(REFRESH.plusMinutes(1));
    Instant cutoff = clock.instant();
    assertEquals(Set.of(), store.missing(List.of(id)));
    assertEquals(0, store.deleteIfOlder(List.of(id), cutoff));
    assertTrue(store.contains(id));
  }

  @Test
  void list_pagesThroughEveryBlobInIdOrder() {
    List<BlobId> ids = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(store.put(randomBytes(50 + i)));
    }
    ids.sort(null);
    List<BlobId> seen = new ArrayList<>();
    BlobId after = null;
    int pages = 0;
    while (true) {
      BlobPage p = store.list(after, 7);
      assertTrue(p.blobs().size() <= 7);
      p.blobs().forEach(b -> seen.add(b.id()));
      pages++;
      if (!p.more()) {
        break;
      }
      after = p.next();
    }
    assertEquals(ids, seen);
    assertTrue(pages >= 4);
    assertThrows(IllegalArgumentException.class, () -> store.list(null, 0));
    BlobPage rest = store.list(ids.get(20), 100);
    assertEquals(ids.subList(21, 25), rest.blobs().stream().map(BlobInfo::id).toList());
  }

  @Test
  void concurrentPuts_ofSameAndDifferentContent_allReadable() throws Exception {
    byte[] shared = randomBytes(200_000);
    List<byte[]> own = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      own.add(randomBytes(150_000 + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        byte[] mine = own.get(t);
        fs.add(pool.submit(() -> {
          for (int r = 0; r < 5; r++) {
            assertEquals(BlobId.of(shared), store.put(shared));
            assertArrayEquals(mine, store.get(store.put(mine)));
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertArrayEquals(shared, store.get(BlobId.of(shared)));
    assertEquals(5, countAll());
  }

  protected int countAll() {
    int n = 0;
    BlobId after = null;
    while (true) {
      BlobPage p = store.list(after, 1000);
      n += p.blobs().size();
      if (!p.more()) {
        return n;
      }
      after = p.next();
    }
  }

  @Test
  void afterClose_operationsFail() {
    BlobId id = store.put(randomBytes(10));
    store.close();
    assertThrows(BlobException.class, () -> store.get(id));
    assertThrows(BlobException.class, () -> store.put(randomBytes(10)));
    store.close(); // idempotent
  }
}
