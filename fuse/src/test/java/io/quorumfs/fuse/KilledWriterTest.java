package io.quorumfs.fuse;

import static io.quorumfs.fuse.Payload.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer SIGKILLed in the middle of a file (issue #13, faults), metadata in RocksDB and blobs in
 * a directory: the file it fsynced reads back byte-equal, the file it was writing holds exactly a
 * prefix of what it wrote (every byte its write() returned, nothing foreign), the mount keeps
 * serving, a fresh client reads the same, and fsck is clean.
 */
class KilledWriterTest {
  private static final FsConfig CONFIG = FsConfig.defaults();
  /** What the test feeds the second dd before the kill: two 16 MiB write buffers and part of a third, mid-chunk. */
  private static final long PUSHED = 40 * MIB + 12_345;
  @TempDir Path tmp;

  @Test
  void writerKilledMidFile_keepsWhatItFsynced_andLeavesAPrefixOfWhatItWrote() throws Exception {
    Path syncedSrc = Payload.random(tmp.resolve("synced.src"), 8 * MIB + 4_321, 1);
    Path killedSrc = Payload.random(tmp.resolve("killed.src"), PUSHED, 2);
    Path afterSrc = Payload.random(tmp.resolve("after.src"), 3 * MIB + 7, 3);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    long killedSize;
    try (KvStore meta = KvStores.open("rocks://" + tmp.resolve("meta").toAbsolutePath());
        DirBlobStore blobs = DirBlobStore.open(Files.createDirectories(tmp.resolve("blobs")))) {
      FileSystem fs = FileSystems.open(meta, blobs, CONFIG);
      try (MountHandle h = FuseMount.mount(fs, mnt, MountOptions.defaults())) {
        Path synced = mnt.resolve("synced");
        Path killed = mnt.resolve("killed");
        // One writer process: dd writes and fsyncs "synced", then becomes (exec) a dd copying its
        // stdin into "killed" in the pieces the pipe delivers (up to 64 KiB: writes of odd sizes).
        Path log = tmp.resolve("writer.log");
        Process writer = new ProcessBuilder("sh", "-c",
            "dd if=" + syncedSrc + " of=" + synced + " bs=1M conv=fsync status=none && exec dd of=" + killed
                + " bs=1M status=none")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
          // The second dd reads stdin only after the first one's fsync returned.
          Payload.push(killedSrc, 0, PUSHED, writer.getOutputStream(), 120);
          assertTrue(writer.isAlive(), "writer exited before the kill: " + Files.readString(log));
          writer.destroyForcibly(); // SIGKILL
          assertTrue(writer.waitFor(60, TimeUnit.SECONDS), "killed writer still running");
        } finally {
          writer.destroyForcibly();
          writer.waitFor(60, TimeUnit.SECONDS);
          try {
            writer.getOutputStream().close();
          } catch (IOException e) {
            // the pipe's reader is gone
          }
        }

        Payload.assertSame(syncedSrc, synced);
        // The kernel flushes a killed process's files on its exit; the flush commits every write
        // that returned. dd had read at least PUSHED minus the pipe's 64 KiB and holds at most one
        // 1 MiB block it had not written yet: the file has all the rest, and nothing else.
        killedSize = Files.size(killed);
        System.out.println("fed " + PUSHED + " bytes, the killed writer's file has " + killedSize);
        assertTrue(killedSize >= PUSHED - 2 * MIB && killedSize <= PUSHED, "size of the killed file: " + killedSize);
        Payload.assertPrefix(killedSrc, killed, killedSize);
        // The mount keeps serving: a new file is written, fsynced and read back.
        Mounts.sh("dd if=" + afterSrc + " of=" + mnt.resolve("after") + " bs=1M conv=fsync status=none").ok();
        Payload.assertSame(afterSrc, mnt.resolve("after"));
      } finally {
        Mounts.forceUnmount(mnt);
        fs.close();
      }
      assertFalse(Mounts.isMounted(mnt));

      // A fresh client (empty caches) reads the same from the stores.
      FileSystem fresh = FileSystems.open(meta, blobs, CONFIG);
      try (MountHandle h = FuseMount.mount(fresh, mnt, MountOptions.defaults())) {
        Payload.assertSame(syncedSrc, mnt.resolve("synced"));
        assertEquals(killedSize, Files.size(mnt.resolve("killed")));
        Payload.assertPrefix(killedSrc, mnt.resolve("killed"), killedSize);
        Payload.assertSame(afterSrc, mnt.resolve("after"));
      } finally {
        Mounts.forceUnmount(mnt);
        fresh.close();
      }
      Fsck.Report report = Fsck.run(meta, blobs, CONFIG, false);
      assertTrue(report.clean(), "fsck after the killed writer: " + report);
    }
    assertFalse(Mounts.isMounted(mnt));
  }
}
