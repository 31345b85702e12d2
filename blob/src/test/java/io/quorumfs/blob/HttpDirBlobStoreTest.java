package io.quorumfs.blob;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The http:// client against a blob server over a directory store. */
class HttpDirBlobStoreTest extends BlobStoreContract {
  @TempDir
  Path dir;
  private BlobStore backing;
  private BlobServer server;

  @Override
  protected BlobStore open(FakeClock clock) throws Exception {
    backing = DirBlobStore.open(dir, clock, REFRESH);
    server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(4).start();
    return BlobStores.open(server.uri() + "?retryFor=5");
  }

  @Override
  protected void cleanUp() {
    server.close();
    backing.close();
  }
}
