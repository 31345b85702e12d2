package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on a write-back paired store whose uploads are held back (no uploader threads), so
 * every blob written is served from the local side and the outbox: file:// cache, rocks:// outbox,
 * a mem: KV store as the remote.
 */
class PairedWriteBackContractTest extends BlobStoreContract {
  @TempDir
  Path dir;

  @Override
  protected BlobStore open(FakeClock clock) {
    return PairedBlobStore.builder(
            DirBlobStore.open(dir.resolve("cache"), clock, REFRESH),
            KvBlobStore.builder(new MemKvStore()).ownsKv(true).clock(clock).refreshAfter(REFRESH).build(),
            KvStores.open("rocks://" + dir.resolve("outbox").toAbsolutePath()))
        .uploaders(0)
        .build();
  }
}
