package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** KvBlobStore over a real RocksDB. */
class RocksKvBlobStoreTest extends BlobStoreContract {
  @TempDir
  Path dir;

  @Override
  protected BlobStore open(FakeClock clock) {
    return KvBlobStore.builder(KvStores.open("rocks://" + dir.resolve("db").toAbsolutePath()))
        .ownsKv(true).clock(clock).refreshAfter(REFRESH).build();
  }
}
