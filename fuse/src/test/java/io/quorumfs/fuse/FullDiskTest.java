package io.quorumfs.fuse;

import static io.quorumfs.fuse.Payload.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobGc;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.fs.GcMark;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File data on a local disk that fills up (issue #13, faults): the writer gets ENOSPC, nothing it
 * was told is written is lost, nothing it was told failed shows up as wrong bytes, the mount
 * stays up and writes again once space is freed.
 */
class FullDiskTest {
  private static final FsConfig CONFIG = FsConfig.defaults();
  @TempDir Path tmp;

  @Test
  void fullBlobDisk_givesEnospc_andTheMountStaysUsable() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Mounts.sh("mount -t tmpfs -o size=8m quorumfs-test-disk " + disk).ok();
    try (MemKvStore meta = new MemKvStore(); DirBlobStore blobs = DirBlobStore.open(disk);
        FileSystem fs = FileSystems.open(meta, blobs, CONFIG)) {
      try (MountHandle h = FuseMount.mount(fs, mnt, MountOptions.defaults())) {
        Files.writeString(mnt.resolve("before"), "written before the disk filled up");
        Mounts.Result r = Mounts.sh("head -c 32M /dev/urandom > " + mnt.resolve("big") + " && sync " + mnt.resolve("big"));
        assertTrue(r.out().contains("No space left on device"), r.out());
        r = Mounts.sh("head -c 1M /dev/urandom > " + mnt.resolve("more"));
        assertTrue(r.out().contains("No space left on device"), r.out());
        // The mount stays up: existing data reads back, metadata operations work.
        assertEquals("written before the disk filled up", Files.readString(mnt.resolve("before")));
        Files.createDirectory(mnt.resolve("dir"));
        Mounts.sh("rm -f " + mnt.resolve("big") + " " + mnt.resolve("more") + " && ls " + mnt).ok();
        assertEquals("255", Mounts.sh("stat -f -c %l " + mnt).out().strip());
      } finally {
        Mounts.forceUnmount(mnt);
      }
      fs.close();
      Fsck.Report report = Fsck.run(meta, blobs, CONFIG, false);
      assertTrue(report.clean(), "fsck after a full disk: " + report);
    } finally {
      Mounts.sh("umount " + disk);
    }
    assertFalse(Mounts.isMounted(mnt));
    assertFalse(Mounts.isMounted(disk));
  }

  @Test
  void fileLargerThanTheBlobDisk_failsWithEnospc_andLeavesOnlyCorrectBytes() throws Exception {
    Path beforeSrc = Payload.random(tmp.resolve("before.src"), 8 * MIB + 99, 5);
    Path bigSrc = Payload.random(tmp.resolve("big.src"), 64 * MIB, 6);
    Path afterSrc = Payload.random(tmp.resolve("after.src"), 4 * MIB + 1, 7);
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Mounts.sh("mount -t tmpfs -o size=32m quorumfs-test-disk " + disk).ok();
    try (KvStore meta = KvStores.open("rocks://" + tmp.resolve("meta").toAbsolutePath());
        DirBlobStore blobs = DirBlobStore.open(disk)) {
      FileSystem fs = FileSystems.open(meta, blobs, CONFIG);
      try (MountHandle h = FuseMount.mount(fs, mnt, MountOptions.defaults())) {
        Path big = mnt.resolve("big");
        Mounts.sh("dd if=" + beforeSrc + " of=" + mnt.resolve("before") + " bs=1M conv=fsync status=none").ok();
        // Bounded: a full disk must fail the writer, not hang it.
        Path log = tmp.resolve("dd.log");
        Process dd = new ProcessBuilder("dd", "if=" + bigSrc, "of=" + big, "bs=1M", "conv=fsync", "status=none")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
          assertTrue(dd.waitFor(120, TimeUnit.SECONDS), "dd onto a full disk did not finish");
        } finally {
          dd.destroyForcibly();
          dd.waitFor(60, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        assertNotEquals(0, dd.exitValue(), "dd of 64 MiB onto a 32 MiB disk succeeded: " + out);
        assertTrue(out.contains("No space left on device"), out);
        assertFalse(out.contains("Input/output error"), out);

        Payload.assertSame(beforeSrc, mnt.resolve("before"));
        // The mount stays up: metadata operations work while the disk is full.
        Files.createDirectory(mnt.resolve("dir"));
        assertEquals("255", Mounts.sh("stat -f -c %l " + mnt).out().strip());
      } finally {
        Mounts.forceUnmount(mnt);
        fs.close();
      }
      assertFalse(Mounts.isMounted(mnt));

      // After a remount (a fresh client, empty caches): the earlier file whole, the big one absent
      // or as far as it was committed, every byte the writer's. (On the writer's mount the failed
      // writes count in the size until the kernel releases the file, shortly after dd exits.)
      FileSystem fresh = FileSystems.open(meta, blobs, CONFIG);
      try (MountHandle h = FuseMount.mount(fresh, mnt, MountOptions.defaults())) {
        Path big = mnt.resolve("big");
        if (Files.exists(big)) {
          long size = Files.size(big);
          assertTrue(size < 64 * MIB, "size " + size);
          Payload.assertPrefix(bigSrc, big, size);
          System.out.println("committed before the disk was full: " + size + " of " + 64 * MIB + " bytes");
        }
        Payload.assertSame(beforeSrc, mnt.resolve("before"));
        assertTrue(Files.isDirectory(mnt.resolve("dir")));
        // Free the space (truncate drops the chunk references at once; the blob GC deletes
        // them): this mount writes again.
        Mounts.sh("truncate -s 0 " + big + " && rm " + big).ok();
        collectGarbage(meta, blobs);
        Mounts.sh("dd if=" + afterSrc + " of=" + mnt.resolve("after") + " bs=1M conv=fsync status=none").ok();
        Payload.assertSame(afterSrc, mnt.resolve("after"));
        Payload.assertSame(beforeSrc, mnt.resolve("before"));
      } finally {
        Mounts.forceUnmount(mnt);
        fresh.close();
      }
      Fsck.Report report = Fsck.run(meta, blobs, CONFIG, false);
      assertTrue(report.clean(), "fsck after a full disk: " + report);
    } finally {
      Mounts.sh("umount " + disk);
    }
    assertFalse(Mounts.isMounted(mnt));
    assertFalse(Mounts.isMounted(disk));
  }

  /** Deletes every blob no chunk references (nothing else writes: no grace needed). */
  private static void collectGarbage(KvStore meta, BlobStore blobs) {
    BlobGc gc = new BlobGc(blobs, Clock.systemUTC());
    BlobGc.Mark mark = gc.beginMark();
    GcMark.Marked marked = GcMark.liveBlobs(meta, CONFIG, Duration.ofSeconds(60));
    BlobGc.Report report = gc.sweep(mark, marked.live()::contains, Duration.ZERO);
    assertTrue(report.complete(), report.toString());
  }
}
