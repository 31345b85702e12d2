package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobStoresTest {
  @TempDir
  Path dir;

  @Test
  void fileUri_opensADirectoryStore() {
    try (BlobStore s = BlobStores.open("file://" + dir.toAbsolutePath())) {
      assertInstanceOf(DirBlobStore.class, s);
      byte[] data = {1, 2, 3};
      assertArrayEquals(data, s.get(s.put(data)));
    }
  }

  @Test
  void kvUris_openAKvBlobStore() {
    try (BlobStore s = BlobStores.open("mem:")) {
      assertInstanceOf(KvBlobStore.class, s);
    }
    try (BlobStore s = BlobStores.open("rocks://" + dir.resolve("db").toAbsolutePath())) {
      byte[] data = {4, 5, 6};
      assertArrayEquals(data, s.get(s.put(data)));
    }
  }

  @Test
  void badUris_failNamingTheProblem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("nosuch://x"));
    assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("blobs/without/scheme"));
    assertTrue(e.getMessage().contains("no scheme"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("http://127.0.0.1"));
    assertTrue(e.getMessage().contains("host and a port"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("http://127.0.0.1:1?tokn=x"));
    assertTrue(e.getMessage().contains("unknown parameter 'tokn'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("http://127.0.0.1:1?retryFor=soon"));
    assertTrue(e.getMessage().contains("retryFor"), e.getMessage());
  }
}
