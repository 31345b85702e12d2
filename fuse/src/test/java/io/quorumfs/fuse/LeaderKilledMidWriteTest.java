package io.quorumfs.fuse;

import static io.quorumfs.fuse.Payload.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Raft leader SIGKILLed while {@code dd conv=fsync} writes 128 MiB through a mount of a
 * 3-replica raft:// cluster (three replica JVMs; issue #13, faults): dd succeeds (the client
 * follows the new leader), the file is byte-equal on this mount and on a fresh client's mount,
 * and fsck on the two surviving replicas is clean.
 */
class LeaderKilledMidWriteTest {
  private static final FsConfig CONFIG = FsConfig.defaults();
  private static final long SIZE = 128 * MIB;
  /** Fed to dd before the kill: the client has committed two 16 MiB buffers and is filling more. */
  private static final long BEFORE_KILL = 40 * MIB;
  @TempDir Path tmp;

  @Test
  void leaderKilledDuringDdConvFsync_ddSucceeds_andTheFileIsByteEqual() throws Exception {
    Path src = Payload.random(tmp.resolve("big.src"), SIZE, 4);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path mnt2 = Files.createDirectories(tmp.resolve("mnt2"));
    try (RaftCluster cluster = new RaftCluster(tmp.resolve("cluster"));
        KvStore meta = KvStores.open(cluster.uri());
        DirBlobStore blobs = DirBlobStore.open(Files.createDirectories(tmp.resolve("blobs")))) {
      FileSystem fs = ClientMountMain.openWithRetry(meta, blobs, CONFIG);
      try (MountHandle h = FuseMount.mount(fs, mnt, MountOptions.defaults())) {
        Path big = mnt.resolve("big");
        Path log = tmp.resolve("dd.log");
        Process dd = new ProcessBuilder("dd", "of=" + big, "bs=1M", "iflag=fullblock", "conv=fsync")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
          // dd copies its stdin: it has written (nearly) BEFORE_KILL bytes when the leader dies.
          Payload.push(src, 0, BEFORE_KILL, dd.getOutputStream(), 120);
          String leader = cluster.awaitLeader(Duration.ofSeconds(30));
          assertTrue(dd.isAlive(), "dd exited before the kill: " + Files.readString(log));
          cluster.kill(leader);
          System.out.println("killed leader " + leader + " with dd at " + Files.size(big) + " bytes");
          Payload.push(src, BEFORE_KILL, SIZE, dd.getOutputStream(), 180);
          dd.getOutputStream().close();
          assertTrue(dd.waitFor(180, TimeUnit.SECONDS), "dd did not finish: " + Files.readString(log));
          assertEquals(0, dd.exitValue(), "dd failed: " + Files.readString(log));
        } finally {
          dd.destroyForcibly();
          dd.waitFor(60, TimeUnit.SECONDS);
        }
        Payload.assertSame(src, big);
        System.out.println("new leader " + cluster.awaitLeader(Duration.ofSeconds(60)));

        // A second client, with its own connection and empty caches, reads the same bytes.
        try (KvStore meta2 = KvStores.open(cluster.uri())) {
          FileSystem fs2 = ClientMountMain.openWithRetry(meta2, blobs, CONFIG);
          try (MountHandle h2 = FuseMount.mount(fs2, mnt2, MountOptions.defaults().toBuilder().name("fresh").build())) {
            Payload.assertSame(src, mnt2.resolve("big"));
          } finally {
            Mounts.forceUnmount(mnt2);
            fs2.close();
          }
        }
      } finally {
        Mounts.forceUnmount(mnt);
        fs.close();
      }
      Fsck.Report report = Fsck.run(meta, blobs, CONFIG, false);
      assertTrue(report.clean(), "fsck after the leader was killed: " + report);
    }
    assertFalse(Mounts.isMounted(mnt));
    assertFalse(Mounts.isMounted(mnt2));
  }
}
