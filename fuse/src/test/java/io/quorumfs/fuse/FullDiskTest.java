package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File data on a local disk that fills up: the writer gets ENOSPC, the mount stays up. */
class FullDiskTest {
  @TempDir Path tmp;

  @Test
  void fullBlobDisk_givesEnospc_andTheMountStaysUsable() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Mounts.sh("mount -t tmpfs -o size=8m quorumfs-test-disk " + disk).ok();
    try (MemKvStore meta = new MemKvStore(); DirBlobStore blobs = DirBlobStore.open(disk);
        FileSystem fs = FileSystems.open(meta, blobs, FsConfig.defaults())) {
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
      Fsck.Report report = Fsck.run(meta, blobs, FsConfig.defaults(), false);
      assertTrue(report.clean(), "fsck after a full disk: " + report);
    } finally {
      Mounts.sh("umount " + disk);
    }
    assertFalse(Mounts.isMounted(mnt));
    assertFalse(Mounts.isMounted(disk));
  }
}
