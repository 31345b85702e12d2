package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.KvBlobStore;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.PairedStore;
import io.quorumfs.kv.Txn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cache dir with an outbox of the earlier write-back layout ({@code <cache-dir>/outbox}, a kv-spi
 * PairedStore in front of a key-value blob store) whose writes never reached the remote: the mount
 * copies them to the blob store first and removes the outbox; with a blob URI that layout never
 * used, it refuses to start and names the fix.
 */
class OldOutboxTest {
  @TempDir
  Path dir;

  /** A remote that refuses every write, as an unreachable blob store would. */
  private static final class Unreachable extends ForwardingKvStore {
    Unreachable(io.quorumfs.kv.KvStore inner) {
      super(inner);
    }

    @Override
    public CommitResult commit(Txn txn) {
      throw new KvUnavailableException("test: remote unreachable");
    }
  }

  /** Writes a blob through the old layout while its remote is unreachable: it stays in the outbox. */
  private BlobId oldLayoutWithPendingBlob(Path cacheDir, String remoteUri, byte[] data) throws Exception {
    Files.createDirectories(cacheDir.resolve("outbox"));
    PairedStore paired = new PairedStore(KvStores.open("rocks://" + cacheDir.resolve("outbox")),
        new Unreachable(KvStores.open(remoteUri)));
    try (BlobStore old = KvBlobStore.builder(paired).ownsKv(true).build()) {
      BlobId id = old.put(data);
      assertTrue(paired.backlog() > 0, "the write is still in the old outbox");
      return id;
    }
  }

  @Test
  void oldOutboxWithPendingWrites_isCopiedToTheBlobStore_thenRemoved() throws Exception {
    Path cache = dir.resolve("cache");
    String remote = "rocks://" + dir.resolve("remote");
    byte[] data = new byte[200_000];
    new Random(3).nextBytes(data);
    BlobId id = oldLayoutWithPendingBlob(cache, remote, data);
    try (BlobStore r = BlobStores.open(remote)) {
      assertFalse(r.contains(id), "the remote lacks the acknowledged blob before the drain");
    }

    Mounts.drainOldOutbox(cache, remote, Duration.ofSeconds(60));

    assertFalse(Files.exists(cache.resolve("outbox")), "the drained outbox is removed");
    try (BlobStore r = BlobStores.open(remote)) {
      assertArrayEquals(data, r.get(id));
    }
  }

  @Test
  void oldOutboxWithPendingWrites_andABlobUriThatLayoutNeverUsed_refusesNamingTheFix() throws Exception {
    Path cache = dir.resolve("cache");
    oldLayoutWithPendingBlob(cache, "rocks://" + dir.resolve("remote"), new byte[] {1, 2, 3});
    CommandFailedException e = assertThrows(CommandFailedException.class,
        () -> Mounts.drainOldOutbox(cache, "file://" + dir.resolve("blobs"), Duration.ofSeconds(60)));
    assertTrue(e.getMessage().contains("--blob") && e.getMessage().contains(cache.resolve("outbox").toString()),
        e.getMessage());
    assertTrue(Files.isDirectory(cache.resolve("outbox")), "kept");
  }

  @Test
  void emptyOldOutbox_isRemoved() throws Exception {
    Path cache = dir.resolve("cache");
    Files.createDirectories(cache.resolve("outbox"));
    new PairedStore(KvStores.open("rocks://" + cache.resolve("outbox")),
        KvStores.open("rocks://" + dir.resolve("remote"))).close();
    Mounts.drainOldOutbox(cache, "file://" + dir.resolve("blobs"), Duration.ofSeconds(60));
    assertFalse(Files.exists(cache.resolve("outbox")));
  }
}
