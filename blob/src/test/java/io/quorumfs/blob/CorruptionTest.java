package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Txn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged blob is never returned: every read fails, naming the blob. */
class CorruptionTest {

  @TempDir
  Path dir;
  private final Random random = new Random(5);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  static void assertCorrupt(BlobStore store, BlobId id) {
    BlobCorruptException e = assertThrows(BlobCorruptException.class, () -> store.get(id));
    assertEquals(id, e.id());
    assertTrue(e.getMessage().contains(id.hex()), e.getMessage());
    BlobCorruptException r = assertThrows(BlobCorruptException.class, () -> store.get(id, 0, 10));
    assertEquals(id, r.id());
  }

  @Test
  void dirStore_flippedByte_failsTheReadNamingTheId() throws Exception {
    try (DirBlobStore store = DirBlobStore.open(dir)) {
      BlobId id = store.put(bytes(100_000));
      Corruption.flipByte(store.pathOf(id), 77_777);
      assertCorrupt(store, id);
    }
  }

  @Test
  void dirStore_truncatedFile_failsTheReadNamingTheId() throws Exception {
    try (DirBlobStore store = DirBlobStore.open(dir)) {
      byte[] data = bytes(10_000);
      BlobId id = store.put(data);
      Files.write(store.pathOf(id), java.util.Arrays.copyOf(data, 5000));
      assertCorrupt(store, id);
      store.put(data); // a file of the wrong size is rewritten by the next put
      assertArrayEquals(data, store.get(id));
    }
  }

  /** Flips a byte of part {@code part} of a blob stored by a {@link KvBlobStore} with the default prefix. */
  static void flipPartByte(KvStore kv, BlobId id, int part, int offset) {
    byte[] key = Bytes.concat(Bytes.utf8("blob/p"), id.hash(), new byte[] {0, 0, 0, (byte) part});
    byte[] v = kv.get(key).value().clone();
    v[offset] ^= 0x01;
    kv.commit(Txn.builder().put(key, v).build());
  }

  @Test
  void kvStore_flippedByte_failsTheReadNamingTheId() {
    try (KvStore kv = new MemKvStore(); KvBlobStore store = KvBlobStore.over(kv)) {
      BlobId id = store.put(bytes(100_000));
      flipPartByte(kv, id, 0, 4321);
      assertCorrupt(store, id);
    }
  }

  @Test
  void rocksStore_flippedByte_failsTheReadNamingTheId_afterReopen() {
    String uri = "rocks://" + dir.resolve("db").toAbsolutePath();
    BlobId id;
    try (KvStore kv = KvStores.open(uri); KvBlobStore store = KvBlobStore.over(kv)) {
      id = store.put(bytes(300_000));
      flipPartByte(kv, id, 0, 123_456);
    }
    try (BlobStore store = BlobStores.open(uri)) {
      assertCorrupt(store, id);
    }
  }

  @Test
  void kvStore_missingPart_failsTheReadNamingTheId() {
    try (KvStore kv = new MemKvStore();
        KvBlobStore store = KvBlobStore.builder(kv).partSize(1000).build()) {
      BlobId id = store.put(bytes(5500));
      kv.commit(Txn.builder().delete(Bytes.concat(Bytes.utf8("blob/p"), id.hash(), new byte[] {0, 0, 0, 3})).build());
      assertCorrupt(store, id);
    }
  }

  @Test
  void dirStore_rangeReadOfABlobNotYetVerified_verifiesItWhole() throws Exception {
    byte[] data = bytes(100_000);
    BlobId id;
    try (DirBlobStore store = DirBlobStore.open(dir)) {
      id = store.put(data);
    }
    try (DirBlobStore reopened = DirBlobStore.open(dir)) {
      Corruption.flipByte(reopened.pathOf(id), 99_000);
      assertThrows(BlobCorruptException.class, () -> reopened.get(id, 0, 10));
    }
  }

  @Test
  void dirStore_rangeReadsAfterVerification_readTheRangeAndNoticeASizeChange() throws Exception {
    byte[] data = bytes(100_000);
    BlobId id;
    try (DirBlobStore store = DirBlobStore.open(dir)) {
      id = store.put(data);
    }
    try (DirBlobStore reopened = DirBlobStore.open(dir)) {
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 15), reopened.get(id, 5, 10)); // verifies
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 99_990, 100_000), reopened.get(id, 99_990, 4096));
      assertEquals(0, reopened.get(id, 100_000, 10).length);
      assertThrows(IllegalArgumentException.class, () -> reopened.get(id, 100_001, 10));
      Files.write(reopened.pathOf(id), java.util.Arrays.copyOf(data, 50_000)); // truncated after verification
      assertThrows(BlobCorruptException.class, () -> reopened.get(id, 0, 10));
    }
  }
}
