package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** POSIX behaviour through a real mount of fs-core over mem:, seen with Java file I/O and shell tools. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PosixBehaviourTest {
  private Path tmp;
  private MountedFs m;
  private Path d;

  @BeforeAll
  void mount(@TempDir Path dir) throws Exception {
    tmp = dir;
    m = MountedFs.mount(tmp, "posix");
  }

  @AfterAll
  void unmount() throws Exception {
    if (m != null) {
      m.close();
    }
  }

  @BeforeEach
  void testDir(TestInfo info) throws IOException {
    d = Files.createDirectories(m.path(info.getTestMethod().orElseThrow().getName()));
  }

  private static String sh(String cmd) {
    return Mounts.sh(cmd).out();
  }

  private static String reason(Exception e) {
    return e instanceof FileSystemException ? ((FileSystemException) e).getReason() : e.toString();
  }

  // ---- attributes ----

  @Test
  void stat_reportsStableInodeNlinkBlocksAndNanosecondTimes() throws Exception {
    Path f = d.resolve("f");
    Files.write(f, new byte[10_000]);
    Object ino = Files.getAttribute(f, "unix:ino");
    assertEquals(ino, Files.getAttribute(f, "unix:ino"));
    assertEquals(1, Files.getAttribute(f, "unix:nlink"));
    assertEquals(10_000L, Files.size(f));
    String blocks = sh("stat -c %b " + f).strip();
    assertTrue(Long.parseLong(blocks) >= 10_000 / 512, "st_blocks " + blocks);
    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z")));
    assertEquals("2020-01-02 03:04:05.123456789 +0000", sh("TZ=UTC stat -c %y " + f).strip());
    Path sub = Files.createDirectory(d.resolve("sub"));
    Files.createDirectory(sub.resolve("a"));
    Files.createDirectory(sub.resolve("b"));
    assertEquals(4, Files.getAttribute(sub, "unix:nlink"));
    assertEquals("4096", sh("stat -c %s " + sub).strip());
  }

  @Test
  void chmodChownTouch_areVisibleInStat() throws Exception {
    Path f = Files.createFile(d.resolve("f"));
    Mounts.sh("chmod 640 " + f + " && chown 65534:65534 " + f).ok();
    assertEquals("640 65534 65534", sh("stat -c '%a %u %g' " + f).strip());
    Mounts.sh("touch -d '2001-02-03 04:05:06.5 UTC' " + f).ok();
    assertEquals("2001-02-03 04:05:06.500000000 +0000", sh("TZ=UTC stat -c %y " + f).strip());
    Mounts.sh("touch -a -d '2002-02-03 04:05:06 UTC' " + f).ok();
    assertEquals("2001-02-03 04:05:06.500000000 +0000", sh("TZ=UTC stat -c %y " + f).strip(), "mtime kept (UTIME_OMIT)");
    assertEquals("2002-02-03 04:05:06.000000000 +0000", sh("TZ=UTC stat -c %x " + f).strip());
  }

  @Test
  void statfs_reportsNameMax255() {
    assertEquals("255", sh("stat -f -c %l " + d).strip());
    assertTrue(Mounts.sh("df " + d).exit() == 0);
  }

  // ---- errno through the kernel ----

  @Test
  void errnos_ofTheFsCoreContract_reachTheCaller() throws Exception {
    Path f = Files.writeString(d.resolve("f"), "x");
    Path dir = Files.createDirectory(d.resolve("dir"));
    Files.writeString(dir.resolve("inside"), "y");
    assertThrows(NoSuchFileException.class, () -> Files.readAttributes(d.resolve("missing"), "unix:ino"));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(dir));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createFile(f));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(dir));
    assertEquals("Not a directory", reason(assertThrows(FileSystemException.class,
        () -> Files.createFile(f.resolve("x")))));
    assertEquals("Is a directory", reason(assertThrows(FileSystemException.class,
        () -> Files.writeString(dir, "z"))));
    assertTrue(sh("rmdir " + f).contains("Not a directory"));
    assertTrue(sh("unlink " + dir).contains("Is a directory"));
    assertTrue(sh("ln " + dir + " " + d.resolve("dirlink")).contains("not allowed"), "hard link to a dir");
  }

  @Test
  void rename_ofDirectoryIntoItself_isEinval_andMountStaysUp() throws Exception {
    Path a = Files.createDirectories(d.resolve("a/b"));
    FileSystemException e = assertThrows(FileSystemException.class,
        () -> Files.move(d.resolve("a"), a.resolve("c"), StandardCopyOption.ATOMIC_MOVE));
    assertEquals("Invalid argument", reason(e));
    assertTrue(Files.isDirectory(a));
  }

  @Test
  void rename_overDirectories_followsPosix() throws Exception {
    Path x = Files.createDirectory(d.resolve("x"));
    Path y = Files.createDirectory(d.resolve("y"));
    Files.writeString(y.resolve("keep"), "k");
    Path f = Files.writeString(d.resolve("f"), "f");
    assertEquals("Directory not empty", reason(assertThrows(FileSystemException.class,
        () -> Files.move(x, y, StandardCopyOption.ATOMIC_MOVE))));
    assertEquals("Is a directory", reason(assertThrows(FileSystemException.class,
        () -> Files.move(f, x, StandardCopyOption.ATOMIC_MOVE))));
    assertEquals("Not a directory", reason(assertThrows(FileSystemException.class,
        () -> Files.move(x, f, StandardCopyOption.ATOMIC_MOVE))));
    Files.delete(y.resolve("keep"));
    Files.move(x, y, StandardCopyOption.ATOMIC_MOVE); // over an empty directory
    assertFalse(Files.exists(x));
  }

  @Test
  void longNames_upTo255BytesWork_256IsEnametoolong() throws Exception {
    String ok = "n".repeat(255);
    Files.writeString(d.resolve(ok), "ok");
    assertEquals("ok", Files.readString(d.resolve(ok)));
    String multibyte = "é".repeat(127); // 254 bytes
    Files.writeString(d.resolve(multibyte), "é");
    assertTrue(Files.exists(d.resolve(multibyte)));
    assertEquals("File name too long", reason(assertThrows(FileSystemException.class,
        () -> Files.writeString(d.resolve("n".repeat(256)), "no"))));
    assertEquals("File name too long", reason(assertThrows(FileSystemException.class,
        () -> Files.createDirectory(d.resolve("é".repeat(128))))));
  }

  @Test
  void writePastMaxFileSize_isEfbig() throws Exception {
    Path f = Files.createFile(d.resolve("big"));
    Mounts.Result r = Mounts.sh("truncate -s " + ((1L << 50) + 1) + " " + f);
    assertTrue(r.out().contains("File too large"), r.out());
    r = Mounts.sh("dd if=/dev/zero of=" + f + " bs=1 count=1 seek=" + (1L << 50) + " conv=notrunc 2>&1");
    assertTrue(r.out().contains("File too large"), r.out());
    assertEquals(0L, Files.size(f));
  }

  // ---- open flags ----

  @Test
  void openFlags_appendExclTrunc() throws Exception {
    Path f = d.resolve("f");
    Files.writeString(f, "hello", StandardOpenOption.CREATE_NEW);
    assertThrows(FileAlreadyExistsException.class,
        () -> Files.writeString(f, "again", StandardOpenOption.CREATE_NEW));
    Files.writeString(f, " world", StandardOpenOption.APPEND);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.APPEND)) {
      ch.write(ByteBuffer.wrap("!".getBytes()));
    }
    assertEquals("hello world!", Files.readString(f));
    Files.writeString(f, "new", StandardOpenOption.TRUNCATE_EXISTING);
    assertEquals("new", Files.readString(f));
    Mounts.sh("echo shell >> " + f).ok();
    assertEquals("newshell\n", Files.readString(f));
  }

  @Test
  void truncate_shrinksAndExtendsWithZeros() throws Exception {
    Path f = Files.writeString(d.resolve("f"), "0123456789");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(4);
    }
    assertEquals("0123", Files.readString(f));
    Mounts.sh("truncate -s 8 " + f).ok();
    assertArrayEquals(new byte[] {'0', '1', '2', '3', 0, 0, 0, 0}, Files.readAllBytes(f));
  }

  // ---- data ----

  @Test
  void sparseFile_readsZerosInHoles() throws Exception {
    Path f = d.resolve("sparse");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("head".getBytes()), 0);
      ch.write(ByteBuffer.wrap("tail".getBytes()), 10L << 20);
    }
    assertEquals((10L << 20) + 4, Files.size(f));
    try (FileChannel ch = FileChannel.open(f)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      ch.read(b, 5L << 20);
      assertArrayEquals(new byte[4096], b.array());
      b = ByteBuffer.allocate(4);
      ch.read(b, 10L << 20);
      assertEquals("tail", new String(b.array()));
    }
  }

  @Test
  void largeFile_roundTripsAcrossChunks() throws Exception {
    byte[] data = new byte[5 << 20];
    new java.util.Random(7).nextBytes(data);
    Path f = d.resolve("large");
    Files.write(f, data);
    assertArrayEquals(data, Files.readAllBytes(f));
    assertEquals(sh("sha256sum < " + f).split(" ")[0], sha256(data));
  }

  private static String sha256(byte[] data) throws Exception {
    byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(data);
    StringBuilder s = new StringBuilder();
    for (byte b : h) {
      s.append(String.format("%02x", b));
    }
    return s.toString();
  }

  @Test
  void mmap_readAndWrite() throws Exception {
    Path f = d.resolve("mapped");
    Files.write(f, new byte[8192]);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
      map.put(100, (byte) 'M');
      map.put(5000, (byte) 'N');
      map.force();
    }
    byte[] back = Files.readAllBytes(f);
    assertEquals('M', back[100]);
    assertEquals('N', back[5000]);
    try (FileChannel ch = FileChannel.open(f)) {
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, 8192);
      assertEquals('N', map.get(5000));
    }
  }

  @Test
  void renameOverOpenFile_keepsTheOpenFileReadable() throws Exception {
    Path a = Files.writeString(d.resolve("a"), "old contents");
    Path b = Files.writeString(d.resolve("b"), "new contents");
    try (FileChannel open = FileChannel.open(a)) {
      Files.move(b, a, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      ByteBuffer buf = ByteBuffer.allocate(64);
      open.read(buf, 0);
      assertEquals("old contents", new String(buf.array(), 0, buf.position()));
      assertEquals(12, open.size());
    }
    assertEquals("new contents", Files.readString(a));
    assertFalse(Files.exists(b));
  }

  @Test
  void unlinkedButOpenFile_staysUsableUntilClosed() throws Exception {
    Path f = Files.writeString(d.resolve("gone"), "still here");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      Files.delete(f);
      assertFalse(Files.exists(f));
      ch.write(ByteBuffer.wrap(" and more".getBytes()), 10);
      assertEquals(19, ch.size());
      ByteBuffer buf = ByteBuffer.allocate(64);
      ch.read(buf, 0);
      assertEquals("still here and more", new String(buf.array(), 0, buf.position()));
    }
    assertFalse(Files.exists(f));
    try (Stream<Path> s = Files.list(d)) {
      assertEquals(0, s.filter(p -> !p.getFileName().toString().startsWith(".fuse_hidden")).count());
    }
  }

  @Test
  void hardLinks_shareInodeAndData() throws Exception {
    Path a = Files.writeString(d.resolve("a"), "shared");
    Path b = Files.createLink(d.resolve("b"), a);
    assertEquals(Files.getAttribute(a, "unix:ino"), Files.getAttribute(b, "unix:ino"));
    assertEquals(2, Files.getAttribute(a, "unix:nlink"));
    Files.writeString(b, "changed");
    assertEquals("changed", Files.readString(a));
    Files.delete(a);
    assertEquals(1, Files.getAttribute(b, "unix:nlink"));
    assertEquals("changed", Files.readString(b));
  }

  @Test
  void symlinks_resolveAndReadlink() throws Exception {
    Path target = Files.writeString(d.resolve("target"), "t");
    Path link = Files.createSymbolicLink(d.resolve("link"), Path.of("target"));
    assertEquals(Path.of("target"), Files.readSymbolicLink(link));
    assertEquals("t", Files.readString(link));
    assertTrue(Files.isSymbolicLink(link));
    Files.delete(target);
    assertThrows(NoSuchFileException.class, () -> Files.readString(link));
  }

  @Test
  void xattrs_setGetListRemove_andOversizeIsE2big() throws Exception {
    Path f = Files.createFile(d.resolve("f"));
    UserDefinedFileAttributeView v = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
    v.write("color", ByteBuffer.wrap("blue".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of("color"), v.list());
    ByteBuffer out = ByteBuffer.allocate(v.size("color"));
    v.read("color", out);
    assertEquals("blue", new String(out.array(), StandardCharsets.UTF_8));
    v.delete("color");
    assertTrue(v.list().isEmpty());
    FileSystemException e = assertThrows(FileSystemException.class,
        () -> v.write("huge", ByteBuffer.allocate(70_000)));
    assertTrue(reason(e).contains("Argument list too long") || reason(e).contains("No space"), reason(e));
    assertTrue(Files.exists(f));
  }

  @Test
  void tenThousandEntries_inOneDirectory_listCompletely() throws Exception {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String name = "entry-" + i;
      Files.createFile(d.resolve(name));
      names.add(name);
    }
    Set<String> listed = new HashSet<>();
    try (Stream<Path> s = Files.list(d)) {
      s.forEach(p -> assertTrue(listed.add(p.getFileName().toString()), "listed twice: " + p));
    }
    assertEquals(names, listed);
    assertEquals("10000", sh("ls -f " + d + " | grep -c entry-").strip());
    assertEquals("10000", sh("find " + d + " -type f | wc -l").strip());
  }

  @Test
  void lsF_ofTwoThousandFiles_printsEveryEntryAndDotDotWithTheParentsInode() throws Exception {
    for (int i = 0; i < 2_000; i++) {
      Files.createFile(d.resolve("f" + i));
    }
    List<String> lines = sh("ls -f " + d).lines().toList();
    assertEquals(2_002, lines.size(), "ls -f prints the 2,000 files, . and ..");
    assertEquals(2_002, new HashSet<>(lines).size(), "no name twice");
    assertTrue(lines.contains("..") && lines.contains("."), "ls -f lists . and ..");
    // ".." carries the parent's inode number (glibc's readdir drops entries with d_ino 0).
    String parentIno = sh("stat -c %i " + d.getParent()).strip();
    assertEquals(parentIno, Mounts.direntIno(d, ".."));
    assertTrue(sh("ls -la " + d).lines().anyMatch(l -> l.endsWith(" ..")), "ls -la shows ..");
    Path sub = Files.createDirectory(d.resolve("sub"));
    assertEquals(sh("stat -c %i " + d).strip(), Mounts.direntIno(sub, ".."));
    // The mount's root is its own ".." (a stat of ".." there crosses the mount boundary instead).
    assertEquals(sh("stat -c %i " + m.mnt).strip(), Mounts.direntIno(m.mnt, ".."));
  }

  @Test
  void listingWhileOtherNamesComeAndGo_hasEveryStableNameExactlyOnce() throws Exception {
    Set<String> stable = new HashSet<>();
    for (int i = 0; i < 1_500; i++) {
      String name = "stable-" + i;
      Files.createFile(d.resolve(name));
      stable.add(name);
    }
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger churned = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<Throwable> churnFailure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread churn = new Thread(() -> {
      java.util.Random r = new java.util.Random(5);
      try {
        while (!stop.get()) {
          // Names spread over the whole listing order, before, among and after the stable ones.
          Path p = d.resolve((r.nextBoolean() ? "churn-" : "zz-churn-") + r.nextInt(400));
          if (!Files.deleteIfExists(p)) {
            Files.createFile(p);
          }
          churned.incrementAndGet();
        }
      } catch (Throwable e) {
        churnFailure.set(e);
      }
    });
    churn.start();
    try {
      for (int listing = 0; listing < 8; listing++) {
        List<String> names = sh("ls -f " + d).lines().toList();
        Set<String> seen = new HashSet<>();
        for (String n : names) {
          assertTrue(seen.add(n), "listing " + listing + ": " + n + " twice");
        }
        assertTrue(seen.contains("."), "listing " + listing + ": no .");
        assertTrue(seen.contains(".."), "listing " + listing + ": no ..");
        Set<String> missing = new HashSet<>(stable);
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "listing " + listing + ": stable names missing: " + missing);
      }
    } finally {
      stop.set(true);
      churn.join(60_000);
    }
    assertEquals(null, churnFailure.get());
    assertTrue(churned.get() > 0, "the churn thread created or unlinked nothing");
  }

  // ---- locks ----

  @Test
  void flockAndFcntlLocks_conflictBetweenProcesses() throws Exception {
    Path f = Files.writeString(d.resolve("lock"), "l");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock lock = ch.lock(); // fcntl F_SETLKW
      Mounts.Result r = Mounts.sh("python3 -c \"import fcntl,sys; f=open('" + f + "','r+');"
          + " fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\" 2>&1");
      assertNotEquals(0, r.exit(), r.out());
      lock.release();
      Mounts.sh("python3 -c \"import fcntl; f=open('" + f + "','r+'); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\"").ok();
    }
    Process holder = new ProcessBuilder("flock", "-o", f.toString(), "sleep", "60").start();
    try {
      Mounts.Result r = Mounts.sh("for i in $(seq 100); do flock -n " + f + " true || exit 7; sleep 0.05; done");
      assertEquals(7, r.exit(), "flock -n must fail while another process holds the lock");
    } finally {
      holder.destroy();
      holder.waitFor();
    }
    Mounts.sh("flock -w 10 " + f + " true").ok();
  }

  // ---- permissions for other users (allow_other + default_permissions) ----

  @Test
  void otherUser_isCheckedByModeBits() throws Exception {
    Path priv = Files.writeString(d.resolve("private"), "secret");
    Mounts.sh("chmod 755 " + tmp + " " + m.mnt + " " + d + " && chmod 600 " + priv).ok();
    String nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    assertTrue(sh(nobody + "cat " + priv).contains("Permission denied"));
    assertTrue(sh(nobody + "touch " + d.resolve("x")).contains("Permission denied"));
    Path shared = Files.createDirectory(d.resolve("shared"));
    Mounts.sh("chmod 1777 " + shared).ok();
    Mounts.sh(nobody + "sh -c 'echo mine > " + shared.resolve("n") + "'").ok();
    assertEquals("65534 65534", sh("stat -c '%u %g' " + shared.resolve("n")).strip());
    assertEquals("mine\n", sh(nobody + "cat " + shared.resolve("n")));
    Files.writeString(shared.resolve("rootfile"), "r");
    assertTrue(sh(nobody + "rm -f " + shared.resolve("rootfile")).contains("Operation not permitted"),
        "sticky directory protects other users' files");
    Mounts.sh("chmod 644 " + priv).ok();
    assertEquals("secret", sh(nobody + "cat " + priv));
  }

  @Test
  void fsync_andCloseToOpen_onOneMount() throws Exception {
    Path f = d.resolve("synced");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("durable".getBytes()));
      ch.force(true);
      assertEquals("durable", sh("cat " + f));
    }
    assertArrayEquals("durable".getBytes(), Arrays.copyOf(Files.readAllBytes(f), 7));
  }
}
