package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several volumes and a subdirectory in one mount; the file system separate from its mount point. */
class MountTableTest {
  @TempDir Path tmp;

  @Test
  void twoVolumesAndASubdirectory_inOneMount() throws Exception {
    try (MemKvStore s1 = new MemKvStore(); MemKvStore s2 = new MemKvStore();
        FileSystem home = FileSystems.open(s1, FsConfig.defaults());
        FileSystem team = FileSystems.open(s2, FsConfig.defaults())) {
      long projects = team.mkdir(FileSystem.ROOT, "projects", 0755, 0, 0).ino();
      team.mkdir(projects, "alpha", 0755, 0, 0);
      MountTable table = MountTable.builder()
          .add("/", home, "/")
          .add("/team", team, "/")
          .add("/work/projects", team, "/projects")
          .build();
      Path mnt = Files.createDirectories(tmp.resolve("mnt"));
      home.mkdir(FileSystem.ROOT, "work", 0755, 0, 0);
      try (MountHandle h = FuseMount.mount(table, mnt, MountOptions.defaults())) {
        Files.writeString(mnt.resolve("home.txt"), "home");
        Files.writeString(mnt.resolve("team/t.txt"), "team");
        assertTrue(Files.isDirectory(mnt.resolve("work/projects/alpha")));
        assertTrue(Files.isDirectory(mnt.resolve("team/projects/alpha")), "same directory, two places");
        Files.writeString(mnt.resolve("work/projects/alpha/a.txt"), "a");
        assertEquals("a", Files.readString(mnt.resolve("team/projects/alpha/a.txt")));
        assertEquals(Set.of("home.txt", "team", "work"), list(mnt));
        assertEquals(Set.of("projects"), list(mnt.resolve("work")));
        // Across file systems: EXDEV (mv then copies); inside one file system, rename works.
        FileSystemException e = assertThrows(FileSystemException.class, () -> Files.move(mnt.resolve("home.txt"),
            mnt.resolve("team/home.txt"), StandardCopyOption.ATOMIC_MOVE));
        assertTrue(e.getReason().contains("cross-device") || e.getClass().getSimpleName().contains("AtomicMove"),
            e.toString());
        Files.move(mnt.resolve("team/t.txt"), mnt.resolve("work/projects/t.txt"), StandardCopyOption.ATOMIC_MOVE);
        assertEquals("team", Files.readString(mnt.resolve("team/projects/t.txt")));
        // Inode numbers stay unique across the two file systems.
        assertNotEquals(Files.getAttribute(mnt, "unix:ino"), Files.getAttribute(mnt.resolve("team"), "unix:ino"));
        // Entry roots cannot be removed.
        assertTrue(Mounts.sh("rmdir " + mnt.resolve("team")).out().contains("busy"));
      }
      assertFalse(Mounts.isMounted(mnt));
      // The file system outlives its mount and can be mounted again elsewhere.
      Path again = Files.createDirectories(tmp.resolve("again"));
      try (MountHandle h = FuseMount.mount(home, again, MountOptions.defaults())) {
        assertEquals("home", Files.readString(again.resolve("home.txt")));
      } finally {
        Mounts.forceUnmount(again);
      }
    }
  }

  @Test
  void onlySubtrees_makeUpAReadOnlyRoot() throws Exception {
    try (MemKvStore s = new MemKvStore(); FileSystem fs = FileSystems.open(s, FsConfig.defaults())) {
      fs.mkdir(FileSystem.ROOT, "a", 0755, 0, 0);
      fs.mkdir(FileSystem.ROOT, "b", 0755, 0, 0);
      MountTable table = MountTable.builder().add("/vol/a", fs, "/a").add("/vol/b", fs, "/b").build();
      Path mnt = Files.createDirectories(tmp.resolve("sub"));
      try (MountHandle h = FuseMount.mount(table, mnt, MountOptions.defaults())) {
        assertEquals(Set.of("vol"), list(mnt));
        assertEquals(Set.of("a", "b"), list(mnt.resolve("vol")));
        Files.writeString(mnt.resolve("vol/a/f"), "f");
        assertTrue(Mounts.sh("touch " + mnt.resolve("x")).out().contains("Read-only file system"));
        assertEquals("555", Mounts.sh("stat -c %a " + mnt).out().strip());
        // ".." of an entry's root is the directory it is shown in; of a made-up directory, its parent.
        assertEquals(dotDotIno(mnt.resolve("vol/a")), Mounts.sh("stat -c %i " + mnt.resolve("vol")).out().strip());
        assertEquals(dotDotIno(mnt.resolve("vol")), Mounts.sh("stat -c %i " + mnt).out().strip());
      } finally {
        Mounts.forceUnmount(mnt);
      }
      assertEquals("f".length(), fs.getattr(fs.resolve("/a/f").ino()).size());
    }
  }

  private static String dotDotIno(Path dir) {
    return Mounts.direntIno(dir, "..");
  }

  private static Set<String> list(Path dir) {
    return new TreeSet<>(Set.of(dir.toFile().list()));
  }
}
