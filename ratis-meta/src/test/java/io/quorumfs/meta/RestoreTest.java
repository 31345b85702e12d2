package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Txn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Installing a snapshot into a replica's RocksDB store: the copy goes beside the live store and is
 * swapped in by renames, so a crash at any step leaves one whole store to open.
 */
class RestoreTest {
  @TempDir
  Path dir;

  private static void put(RocksReplicaStore s, long index, String key, String value) {
    s.apply(1, index, List.of(Txn.builder().put(Bytes.utf8(key), Bytes.utf8(value)).build()));
  }

  private static String get(RocksReplicaStore s, String key) {
    var v = s.getAll(List.of(Bytes.utf8(key))).get(0);
    return v.exists() ? new String(v.value(), java.nio.charset.StandardCharsets.UTF_8) : null;
  }

  @Test
  void restore_replacesTheStoreWithTheSnapshot() throws Exception {
    Path snap = dir.resolve("snap");
    try (RocksReplicaStore a = new RocksReplicaStore(dir.resolve("a"), 1024)) {
      put(a, 1, "x", "from-a");
      a.snapshotTo(snap);
    }
    try (RocksReplicaStore b = new RocksReplicaStore(dir.resolve("b"), 1024)) {
      put(b, 1, "y", "from-b");
      b.restoreFrom(snap);
      assertEquals("from-a", get(b, "x"));
      assertEquals(null, get(b, "y"));
      assertEquals(1, b.applied().index());
    }
    assertFalse(Files.exists(dir.resolve("b.restoring")), "no copy left beside the store");
    assertFalse(Files.exists(dir.resolve("b.replaced")), "no old store left beside the store");
  }

  @Test
  void crashBetweenTheTwoRenames_opensTheRestoredCopy() throws Exception {
    Path snap = dir.resolve("snap");
    try (RocksReplicaStore a = new RocksReplicaStore(dir.resolve("a"), 1024)) {
      put(a, 1, "x", "new");
      a.snapshotTo(snap);
    }
    try (RocksReplicaStore b = new RocksReplicaStore(dir.resolve("b"), 1024)) {
      put(b, 1, "x", "old");
    }
    // The state a crash after "store -> .replaced" and before ".restoring -> store" leaves.
    Files.move(dir.resolve("b"), dir.resolve("b.replaced"));
    copyTree(snap, dir.resolve("b.restoring"));
    try (RocksReplicaStore b = new RocksReplicaStore(dir.resolve("b"), 1024)) {
      assertEquals("new", get(b, "x"));
    }
    assertFalse(Files.exists(dir.resolve("b.replaced")));
    assertFalse(Files.exists(dir.resolve("b.restoring")));
  }

  @Test
  void crashDuringTheCopy_keepsTheOldStore() throws Exception {
    try (RocksReplicaStore b = new RocksReplicaStore(dir.resolve("b"), 1024)) {
      put(b, 1, "x", "old");
    }
    Files.createDirectories(dir.resolve("b.restoring"));
    Files.writeString(dir.resolve("b.restoring").resolve("000001.sst"), "half a copy");
    try (RocksReplicaStore b = new RocksReplicaStore(dir.resolve("b"), 1024)) {
      assertEquals("old", get(b, "x"));
    }
    assertFalse(Files.exists(dir.resolve("b.restoring")));
    assertTrue(Files.isDirectory(dir.resolve("b")));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          Files.copy(f, to.resolve(f.getFileName()));
        }
      }
    }
  }
}
