package io.quorumfs.cli;

import io.quorumfs.blob.s3.S3ProxyServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Write-back mounts in front of s3:// (S3Proxy on loopback). */
class WriteBackS3Test extends WriteBackBehaviours {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static S3ProxyServer s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3ProxyServer();
    s3.createBucket("write-back");
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @Override
  String freshRemoteUri() {
    return s3.uri("write-back", "t" + PREFIXES.incrementAndGet());
  }
}
