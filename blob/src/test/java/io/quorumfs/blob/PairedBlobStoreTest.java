package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairedBlobStoreTest {

  @TempDir
  Path dir;
  private final Random random = new Random(9);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private DirBlobStore cache() {
    return DirBlobStore.open(dir.resolve("cache"));
  }

  private KvStore outbox() {
    return KvStores.open("rocks://" + dir.resolve("outbox").toAbsolutePath());
  }

  /** A remote that outlives the paired stores of a test (closing a paired store closes its remote). */
  private static BlobStore unclosable(BlobStore s) {
    return new ForwardingBlobStore(s) {
      @Override
      public void close() {}
    };
  }

  @Test
  void writeBack_uploadsInTheBackground() throws Exception {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore());
        PairedBlobStore paired = PairedBlobStore.builder(cache(), unclosable(remote), outbox()).build()) {
      List<BlobId> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(paired.put(bytes(10_000 + i)));
      }
      assertTrue(paired.awaitUploads(Duration.ofSeconds(30)), paired.pendingUploads() + " still pending");
      assertEquals(Set.of(), remote.missing(ids));
      assertEquals(0, paired.pendingUploads());
    }
  }

  @Test
  void outbox_survivesARestart_andUploadingResumes() throws Exception {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore())) {
      byte[] data = bytes(50_000);
      BlobId id;
      try (PairedBlobStore paired = PairedBlobStore.builder(cache(), unclosable(remote), outbox()).uploaders(0).build()) {
        id = paired.put(data);
        assertEquals(1, paired.pendingUploads());
        assertFalse(remote.contains(id));
      }
      try (PairedBlobStore paired = PairedBlobStore.builder(cache(), unclosable(remote), outbox()).build()) {
        assertTrue(paired.awaitUploads(Duration.ofSeconds(30)));
      }
      assertArrayEquals(data, remote.get(id));
    }
  }

  @Test
  void eviction_neverDropsBlobsStillInTheOutbox_andBoundsTheCacheOnceUploaded() {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore());
        DirBlobStore cache = cache();
        PairedBlobStore paired = PairedBlobStore.builder(unclosable(cache), unclosable(remote), outbox())
            .uploaders(0).cacheBytes(100_000).build()) {
      List<byte[]> data = new ArrayList<>();
      List<BlobId> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        data.add(bytes(40_000));
        ids.add(paired.put(data.get(i)));
      }
      assertEquals(Set.of(), cache.missing(ids), "every outbox blob is still local");
      assertEquals(400_000, paired.cachedBytes());
      paired.flush();
      assertEquals(0, paired.pendingUploads());
      assertTrue(paired.cachedBytes() <= 100_000, paired.cachedBytes() + " bytes cached");
      assertEquals(8, cache.missing(ids).size(), "least recently used blobs evicted");
      for (int i = 0; i < 10; i++) {
        assertArrayEquals(data.get(i), paired.get(ids.get(i))); // misses read the remote
      }
      assertTrue(paired.cachedBytes() <= 100_000);
    }
  }

  @Test
  void readMiss_readsTheRemote_andFillsTheCache() {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore());
        DirBlobStore cache = cache();
        PairedBlobStore paired = PairedBlobStore.builder(unclosable(cache), unclosable(remote), outbox()).build()) {
      byte[] data = bytes(30_000);
      BlobId id = remote.put(data);
      assertFalse(cache.contains(id));
      assertArrayEquals(data, paired.get(id));
      assertTrue(cache.contains(id));
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 15), paired.get(id, 5, 10));
    }
  }

  @Test
  void corruptLocalCopy_isReplacedFromTheRemote() throws Exception {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore());
        DirBlobStore cache = cache();
        PairedBlobStore paired = PairedBlobStore.builder(unclosable(cache), unclosable(remote), outbox()).uploaders(0).build()) {
      byte[] data = bytes(30_000);
      BlobId id = paired.put(data);
      paired.flush();
      Corruption.flipByte(cache.pathOf(id), 100);
      assertArrayEquals(data, paired.get(id));
      assertArrayEquals(data, cache.get(id), "local copy repaired");
    }
  }

  @Test
  void corruptLocalCopy_ofAnUnuploadedBlob_failsNamingTheId() throws Exception {
    try (KvBlobStore remote = KvBlobStore.over(new MemKvStore());
        DirBlobStore cache = cache();
        PairedBlobStore paired = PairedBlobStore.builder(unclosable(cache), unclosable(remote), outbox()).uploaders(0).build()) {
      BlobId id = paired.put(bytes(30_000));
      Corruption.flipByte(cache.pathOf(id), 100);
      CorruptionTest.assertCorrupt(paired, id);
    }
  }

  @Test
  void uploads_retryUntilTheRemoteComesBack() throws Exception {
    try (DirBlobStore backing = DirBlobStore.open(dir.resolve("remote"))) {
      BlobServer server = BlobServer.builder(backing).listen(new java.net.InetSocketAddress("127.0.0.1", 0)).start();
      java.net.InetSocketAddress at = server.address();
      server.close(); // the remote is down while we write
      try (PairedBlobStore paired = PairedBlobStore.builder(cache(),
          BlobStores.open("http://127.0.0.1:" + at.getPort() + "?retryFor=0.2"), outbox()).build()) {
        byte[] data = bytes(20_000);
        assertEquals(Set.of(BlobId.of(data)), paired.missing(List.of(BlobId.of(data))),
            "with the remote unreachable, write-back counts a blob missing (the caller puts it)");
        BlobId id = paired.put(data); // write-back: acknowledged with the remote down
        assertArrayEquals(data, paired.get(id));
        assertFalse(paired.awaitUploads(Duration.ofMillis(300)));
        try (BlobServer again = BlobServer.builder(backing).listen(at).start()) {
          assertTrue(paired.awaitUploads(Duration.ofSeconds(30)));
          assertArrayEquals(data, backing.get(id));
        }
      }
    }
  }
}
