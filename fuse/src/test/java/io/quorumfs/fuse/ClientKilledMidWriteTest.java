package io.quorumfs.fuse;

import static io.quorumfs.fuse.Payload.MIB;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quorumfs client serving a mount (its own JVM, {@link ClientMountMain}) SIGKILLed while dd
 * writes through it (issue #13, faults), metadata on a 3-replica raft:// cluster, blobs in a shared
 * directory: another client reads the file dd fsynced byte-equal, and the file it was writing is
 * a prefix of dd's data — what the dead client had committed, no zeros in the middle — and fsck
 * is clean. Writes the dead client had only buffered are lost, as documented.
 */
class ClientKilledMidWriteTest {
  private static final FsConfig CONFIG = FsConfig.defaults();
  /** Fed to dd before the kill: the client has committed some 16 MiB write buffers and is filling the next. */
  private static final long PUSHED = 56 * MIB + 4_321;
  @TempDir Path tmp;

  @Test
  void clientKilledMidWrite_keepsWhatWasFsynced_andLeavesACommittedPrefix() throws Exception {
    Path syncedSrc = Payload.random(tmp.resolve("synced.src"), 8 * MIB + 17, 8);
    Path partialSrc = Payload.random(tmp.resolve("partial.src"), PUSHED, 9);
    Path blobDir = Files.createDirectories(tmp.resolve("blobs"));
    Path mntA = Files.createDirectories(tmp.resolve("a"));
    Path mntB = Files.createDirectories(tmp.resolve("b"));
    try (RaftCluster cluster = new RaftCluster(tmp.resolve("cluster"))) {
      Process client = ClientMountMain.start(cluster.uri(), blobDir, mntA, Duration.ofSeconds(5));
      Path log = tmp.resolve("writer.log");
      Process writer = null;
      try {
        writer = new ProcessBuilder("sh", "-c",
            "dd if=" + syncedSrc + " of=" + mntA.resolve("synced") + " bs=1M conv=fsync status=none && exec dd of="
                + mntA.resolve("partial") + " bs=1M status=none")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Payload.push(partialSrc, 0, PUSHED, writer.getOutputStream(), 120);
        assertTrue(writer.isAlive(), "writer exited before the kill: " + Files.readString(log));
        client.destroyForcibly(); // SIGKILL the file system under the writer
        assertTrue(client.waitFor(60, TimeUnit.SECONDS), "killed client still running");
      } finally {
        client.destroyForcibly();
        client.waitFor(60, TimeUnit.SECONDS);
        if (writer != null) {
          writer.destroyForcibly(); // it may be blocked on the dead mount
          writer.waitFor(60, TimeUnit.SECONDS);
          try {
            writer.getOutputStream().close();
          } catch (IOException e) {
            // the pipe's reader is gone
          }
        }
        Mounts.forceUnmount(mntA);
      }
      assertFalse(Mounts.isMounted(mntA));

      try (KvStore meta = KvStores.open(cluster.uri()); DirBlobStore blobs = DirBlobStore.open(blobDir)) {
        FileSystem fs = ClientMountMain.openWithRetry(meta, blobs, CONFIG);
        try (MountHandle h = FuseMount.mount(fs, mntB, MountOptions.defaults().toBuilder().name("b").build())) {
          Payload.assertSame(syncedSrc, mntB.resolve("synced"));
          Path partial = mntB.resolve("partial");
          long size = Files.size(partial);
          System.out.println("fed " + PUSHED + " bytes, the dead client had committed " + size);
          assertTrue(size <= PUSHED, "size " + size);
          Payload.assertPrefix(partialSrc, partial, size);
        } finally {
          Mounts.forceUnmount(mntB);
          fs.close();
        }
        Fsck.Report report = Fsck.run(meta, blobs, CONFIG, false);
        assertTrue(report.clean(), "fsck after the killed client: " + report);
      }
    }
    assertFalse(Mounts.isMounted(mntB));
  }
}
