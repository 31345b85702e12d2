package io.quorumfs.blob.s3;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStoreContract;
import io.quorumfs.blob.FakeClock;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The blob contract on s3:// against S3Proxy (in-memory backend); each test gets a fresh prefix. */
class S3BlobStoreTest extends BlobStoreContract {
  private static S3ProxyServer server;
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @BeforeAll
  static void startServer() throws Exception {
    server = new S3ProxyServer();
    server.createBucket("contract");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected BlobStore open(FakeClock clock) {
    return S3BlobStoreProvider.open(URI.create(server.uri("contract", "t" + PREFIXES.incrementAndGet())), clock);
  }
}
