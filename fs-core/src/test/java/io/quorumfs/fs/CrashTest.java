package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.rocks.RocksKvStore;
import io.quorumfs.kv.rocks.RocksOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client JVM killed with SIGKILL in the middle of writes: the tree stays fsck-clean, and once its
 * session's deadline passes another client expires it, releasing its locks and its hold on an
 * unlinked-but-open file (which is then reclaimed).
 */
class CrashTest {
  static final int CHUNK = 64 * 1024;

  static FsConfig config(SkewClock clock) {
    return FsConfig.builder().keyPrefix("crash/").chunkSize(CHUNK).clock(clock)
        .sessionTtl(Duration.ofSeconds(30)).reclaimOnClose(true).background(false).build();
  }

  @Test
  void killedClient_leavesCleanTree_andItsSessionExpires(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("db");
    Files.createDirectories(db);
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), db.toString()));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    long childSession;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8));
      String line;
      StringBuilder log = new StringBuilder();
      while ((line = out.readLine()) != null && !line.startsWith("READY")) {
        log.append(line).append('\n');
      }
      assertTrue(line != null, "child died before READY:\n" + log);
      childSession = Long.parseLong(line.substring(6).trim());
      // Kill -9 once it has committed two more fsyncs, so it dies in the middle of writing.
      int fsyncs = 0;
      while (fsyncs < 2 && (line = out.readLine()) != null) {
        fsyncs += line.startsWith("FSYNCED") ? 1 : 0;
      }
      assertTrue(fsyncs == 2, "child died before two more fsyncs");
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");

    SkewClock clock = new SkewClock();
    FsConfig cfg = config(clock);
    try (KvStore store = RocksKvStore.open(db, RocksOptions.defaults())) {
      var blobs = FileSystems.blobsIn(store, cfg);
      Fsck.Report before = Fsck.run(store, blobs, cfg, false);
      assertTrue(before.clean(), "fsck after the crash: " + before.problems());
      Keys k = new Keys(cfg.keyPrefix());
      assertTrue(store.get(k.session(childSession)).exists(), "the dead session is still registered");

      try (FileSystem fs = FileSystems.open(store, cfg)) {
        long locked = fs.lookup(FileSystem.ROOT, "locked").ino();
        long fh = fs.open(locked, FileSystem.O_RDWR);
        assertErrnoEagain(() -> fs.flock(fh, 9, FileSystem.LOCK_EX | FileSystem.LOCK_NB));
        assertErrnoEagain(() -> fs.setlk(fh, 9, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false));
        assertEquals(1, store.scan(k.allTrash(), 10, null).entries().size(),
            "the unlinked file the dead client had open waits in the trash");
        assertEquals(1, Bytes.toLong(store.get(k.holds(
            k.inoOfTrashKey(store.scan(k.allTrash(), 10, null).entries().get(0).key()))).value()));

        ((KvFileSystem) fs).maintain(); // sees the dead session's record, unchanged from now on
        clock.advance(Duration.ofSeconds(31));
        ((KvFileSystem) fs).maintain();

        assertFalse(store.get(k.session(childSession)).exists(), "the dead session was expired");
        fs.flock(fh, 9, FileSystem.LOCK_EX | FileSystem.LOCK_NB);
        fs.setlk(fh, 9, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false);
        fs.release(fh);
        assertTrue(store.scan(k.allTrash(), 10, null).entries().isEmpty(),
            "the unlinked file the dead client held was reclaimed");
        fs.lookup(FileSystem.ROOT, "data");
      }
      Fsck.Report after = Fsck.run(store, blobs, cfg, false);
      assertTrue(after.clean(), "fsck after expiry: " + after.problems());
    }
  }

  private static void assertErrnoEagain(Runnable r) {
    try {
      r.run();
    } catch (FsException e) {
      assertEquals(Errno.EAGAIN, e.errno(), e.getMessage());
      return;
    }
    throw new AssertionError("expected EAGAIN");
  }
}
