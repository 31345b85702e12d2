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
  void fileUri_refreshParameter_setsTheStampRefreshInterval() throws Exception {
    java.time.Instant tenMinutesAgo = java.time.Instant.now().minusSeconds(600);
    for (String query : new String[] {"", "?refresh=60"}) {
      try (BlobStore s = BlobStores.open("file://" + dir.resolve("r" + query.length()).toAbsolutePath() + query)) {
        BlobId id = s.put(new byte[] {7, 8, 9});
        java.nio.file.Files.setLastModifiedTime(((DirBlobStore) s).pathOf(id),
            java.nio.file.attribute.FileTime.from(tenMinutesAgo));
        assertTrue(s.missing(java.util.List.of(id)).isEmpty());
        java.time.Instant stamp = s.list(null, 10).blobs().get(0).stamp();
        if (query.isEmpty()) {
          assertTrue(stamp.isBefore(tenMinutesAgo.plusSeconds(1)), "a 10 min old stamp is kept under the 1 h default: " + stamp);
        } else {
          assertTrue(stamp.isAfter(tenMinutesAgo.plusSeconds(300)), "refreshed past 60 s: " + stamp);
        }
      }
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
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("file:///tmp/b?refrsh=1"));
    assertTrue(e.getMessage().contains("unknown parameter 'refrsh'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("file:///tmp/b?refresh=soon"));
    assertTrue(e.getMessage().contains("refresh takes a number of seconds"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open("http://127.0.0.1:1?retryFor=soon"));
    assertTrue(e.getMessage().contains("retryFor"), e.getMessage());
  }
}
