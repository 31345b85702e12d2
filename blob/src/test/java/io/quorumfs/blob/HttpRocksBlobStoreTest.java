package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The http:// client against a blob server over RocksDB (the deployment the design names). */
class HttpRocksBlobStoreTest extends BlobStoreContract {
  @TempDir
  Path dir;
  private BlobStore backing;
  private BlobServer server;

  @Override
  protected BlobStore open(FakeClock clock) throws Exception {
    backing = KvBlobStore.builder(KvStores.open("rocks://" + dir.resolve("db").toAbsolutePath()))
        .ownsKv(true).clock(clock).refreshAfter(REFRESH).build();
    server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(4).start();
    return BlobStores.open(server.uri() + "?retryFor=5");
  }

  @Override
  protected void cleanUp() {
    server.close();
    backing.close();
  }
}
