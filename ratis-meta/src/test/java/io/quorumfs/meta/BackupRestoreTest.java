package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Poll;
import io.quorumfs.kv.Txn;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata backup and restore of docs/operations.md, rehearsed on three replicas with RocksDB
 * stores: a follower stopped and its directory copied is the backup; commits made after it are
 * gone after the restore, everything before it is there, on every replica, and the group takes
 * new commits.
 */
class BackupRestoreTest {
  @TempDir Path dir;

  @Test
  void backupOfAStoppedFollower_restoredIntoEveryReplica_bringsBackExactlyWhatItHeld() throws Exception {
    Path backup = dir.resolve("backup");
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, "rocks")) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      String follower = c.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      try (KvStore s = KvStores.open(c.uri())) {
        for (int i = 0; i < 50; i++) {
          assertTrue(s.commit(Txn.builder().put(Bytes.utf8("before/" + i), Bytes.utf8("v" + i)).build()).ok());
        }
        long last = s.revision();
        // 1. the follower has everything, is stopped (it snapshots on the way down) ...
        Poll.until(Duration.ofSeconds(60), follower + " applying every commit",
            () -> c.server(follower).status().revision() >= last);
        c.stop(follower);
        // 2. ... and its directory is the backup; 3. it starts again and the group goes on.
        copyTree(c.root.resolve(follower), backup);
        c.restart(follower);
        for (int i = 0; i < 10; i++) {
          assertTrue(s.commit(Txn.builder().put(Bytes.utf8("after/" + i), Bytes.utf8("x")).build()).ok());
        }
      }

      // Restore: every replica stopped, the backup copied into each replica's directory, all started.
      for (String id : c.peers.keySet()) {
        c.stop(id);
      }
      for (String id : c.peers.keySet()) {
        deleteTree(c.root.resolve(id));
        copyTree(backup, c.root.resolve(id));
      }
      for (String id : c.peers.keySet()) {
        c.restart(id);
      }
      c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore s = KvStores.open(c.uri())) {
        for (int i = 0; i < 50; i++) {
          assertEquals("v" + i, new String(s.get(Bytes.utf8("before/" + i)).value()), "before/" + i);
        }
        for (int i = 0; i < 10; i++) {
          assertEquals(0, s.get(Bytes.utf8("after/" + i)).version(), "after/" + i + " outlived the restore");
        }
        assertTrue(s.commit(Txn.builder().put(Bytes.utf8("restored"), Bytes.utf8("1")).build()).ok());
        long last = s.revision();
        Poll.until(Duration.ofSeconds(60), "every replica applying the first commit after the restore",
            () -> c.servers.stream().allMatch(m -> m.status().revision() >= last));
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      walk.forEach(p -> {
        try {
          Path target = to.resolve(from.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else {
            Files.copy(p, target);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
