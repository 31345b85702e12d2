package io.quorumfs.blob.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobCorruptException;
import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.BlobUnavailableException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;

/** s3:// failure paths against S3Proxy: damaged objects, missing buckets, bad URIs, no server. */
class S3BlobStoreErrorsTest {
  private static S3ProxyServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new S3ProxyServer();
    server.createBucket("errors");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void blobStoresOpen_s3Uri_findsTheProviderThroughServiceLoader() {
    try (BlobStore store = BlobStores.open(server.uri("errors", "spi"))) {
      assertInstanceOf(S3BlobStore.class, store);
      byte[] data = bytes(1000, 1);
      assertArrayEquals(data, store.get(store.put(data)));
    }
  }

  @Test
  void get_ofObjectOverwrittenBehindTheStore_throwsCorruptAndNeverServesIt() {
    try (S3BlobStore store = (S3BlobStore) BlobStores.open(server.uri("errors", "corrupt"))) {
      byte[] data = bytes(50_000, 2);
      BlobId id = store.put(data);
      byte[] damaged = data.clone();
      damaged[12_345] ^= 0x01;
      server.raw().putObject(b -> b.bucket("errors").key(store.key(id)), RequestBody.fromBytes(damaged));

      BlobCorruptException e = assertThrows(BlobCorruptException.class, () -> store.get(id));
      assertEquals(id, e.id());
      assertTrue(e.getMessage().contains("errors"), e.getMessage());
      assertThrows(BlobCorruptException.class, () -> store.get(id, 0, 10));
      assertThrows(BlobCorruptException.class, () -> store.get(id, 20_000, 10));

      server.raw().putObject(b -> b.bucket("errors").key(store.key(id)), RequestBody.fromBytes(new byte[10]));
      assertThrows(BlobCorruptException.class, () -> store.get(id)); // truncated
    }
  }

  @Test
  void foreignObjectsUnderThePrefix_areNotListed() {
    try (BlobStore store = BlobStores.open(server.uri("errors", "foreign"))) {
      BlobId id = store.put(bytes(10, 3));
      server.raw().putObject(b -> b.bucket("errors").key("foreign/README"), RequestBody.fromString("hi"));
      server.raw().putObject(b -> b.bucket("errors").key("foreign/zz/not-a-blob"), RequestBody.fromString("x"));
      assertEquals(List.of(id), store.list(null, 10).blobs().stream().map(i -> i.id()).toList());
    }
  }

  @Test
  void open_missingBucket_failsNamingTheBucket() {
    BlobException e = assertThrows(BlobException.class, () -> BlobStores.open(server.uri("no-such-bucket", "p")));
    assertTrue(e.getMessage().contains("'no-such-bucket'"), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    assertFalse(e.getMessage().contains(S3ProxyServer.SECRET), e.getMessage());
  }

  @Test
  void open_wrongSecret_failsNamingTheBucket_withoutTheSecret() {
    String uri = server.uri("errors", "p").replace(S3ProxyServer.SECRET, "not-the-secret");
    BlobException e = assertThrows(BlobException.class, () -> BlobStores.open(uri));
    assertTrue(e.getMessage().contains("'errors'"), e.getMessage());
    assertTrue(e.getMessage().contains("denies access"), e.getMessage());
    assertFalse(e.getMessage().contains("not-the-secret"), e.getMessage());
  }

  @Test
  void open_unreachableEndpoint_failsAsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: connections are refused
    }
    String uri = "s3://b/p?endpoint=http://127.0.0.1:" + port + "&path-style=true&access-key=a&secret-key=s"
        + "&retries=2&timeout=10";
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class, () -> BlobStores.open(uri));
    assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("unreachable"), e.getMessage());
  }

  @Test
  void open_badUri_failsWithTheProblemNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BlobStores.open("s3://b/p?endpoint=http://127.0.0.1:1&colour=blue&secret-key=hidden&access-key=a"));
    assertTrue(e.getMessage().contains("unknown option 'colour'"), e.getMessage());
    assertFalse(e.getMessage().contains("hidden"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("s3://b/p?access-key=a&secret-key=s&threads=0"));
    assertTrue(e.getMessage().contains("threads"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("s3://b/p?access-key=only"));
    assertTrue(e.getMessage().contains("access-key and secret-key"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("s3:///p"));
    assertTrue(e.getMessage().contains("no bucket"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> BlobStores.open("s3://b/p?Region=a&region=b&secret-key=hidden&access-key=a"));
    assertTrue(e.getMessage().contains("option 'region' is given twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("s3://b/p?secret-key=100%&access-key=a"));
    assertTrue(e.getMessage().contains("a % as %25"), e.getMessage());
    assertFalse(e.getMessage().contains("100"), e.getMessage());
  }

  @Test
  void toString_namesBucketAndPrefix_notTheCredentials() {
    try (BlobStore store = BlobStores.open(server.uri("errors", "shown"))) {
      assertEquals("s3://errors/shown/", store.toString());
    }
  }

  private static final java.time.Instant STAMP = java.time.Instant.parse("2026-01-02T03:04:05.678Z");

  @Test
  void onDiskServer_restartedOnTheSamePortAndDirectory_stillServesTheBlobs(@TempDir Path dir) throws Exception {
    BlobId id;
    byte[] data = bytes(200_000, 4);
    int port;
    String uri;
    try (S3ProxyServer disk = S3ProxyServer.onDisk(dir, 0)) {
      disk.createBucket("disk");
      port = disk.port();
      uri = disk.uri("disk", "p");
      try (BlobStore store = S3BlobStoreProvider.open(java.net.URI.create(uri), java.time.Clock.fixed(STAMP,
          java.time.ZoneOffset.UTC))) {
        id = store.put(data);
      }
    }
    try (S3ProxyServer again = S3ProxyServer.onDisk(dir, port); BlobStore store = BlobStores.open(uri)) {
      assertArrayEquals(data, store.get(id));
      assertEquals(List.of(id), store.list(null, 10).blobs().stream().map(i -> i.id()).toList());
      assertEquals(STAMP, store.info(id).orElseThrow().stamp(), "the stamp (user metadata) is kept on disk");
    }
  }
}
