package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract on a write-through paired store: rocks:// cache in front of a blob server over a directory. */
class PairedWriteThroughContractTest extends BlobStoreContract {
  @TempDir
  Path dir;
  private BlobStore backing;
  private BlobServer server;

  @Override
  protected BlobStore open(FakeClock clock) throws Exception {
    backing = DirBlobStore.open(dir.resolve("remote"), clock, REFRESH);
    server = BlobServer.builder(backing).listen(new java.net.InetSocketAddress("127.0.0.1", 0)).threads(4).start();
    return PairedBlobStore.builder(
            KvBlobStore.builder(KvStores.open("rocks://" + dir.resolve("cache").toAbsolutePath()))
                .ownsKv(true).clock(clock).refreshAfter(REFRESH).build(),
            BlobStores.open(server.uri() + "?retryFor=5"),
            new MemKvStore())
        .writeBack(false)
        .cacheBytes(3 << 20)
        .build();
  }

  @Override
  protected void cleanUp() {
    server.close();
    backing.close();
  }
}
