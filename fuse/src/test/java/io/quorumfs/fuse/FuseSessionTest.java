package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mount machinery on a stub file system: mount, unmount, guard, refusals. */
class FuseSessionTest {
  @TempDir Path tmp;
  private Path mnt;

  @AfterEach
  void unmountAlways() {
    if (mnt != null) {
      Mounts.forceUnmount(mnt);
      assertFalse(Mounts.isMounted(mnt), "still mounted: " + mnt);
    }
  }

  private FuseSession mountStub(Duration opTimeout) throws Exception {
    mnt = Files.createDirectories(tmp.resolve("mnt"));
    return FuseSession.start(new StubFs(opTimeout, tmp.resolve("flushed")), mnt, MountOptions.defaults());
  }

  @Test
  void mount_servesFiles_andCloseUnmountsAfterFlushing() throws Exception {
    FuseSession s = mountStub(Duration.ofSeconds(30));
    assertTrue(Mounts.isMounted(mnt));
    assertTrue(Mounts.sh("grep ' " + mnt + " fuse.quorumfs ' /proc/mounts").exit() == 0);
    assertEquals("hello\n", Files.readString(mnt.resolve("hello")));
    assertEquals(42L, Files.getAttribute(mnt.resolve("hello"), "unix:ino"));
    s.close();
    assertFalse(s.isMounted());
    assertFalse(Mounts.isMounted(mnt));
    assertEquals("flushed", Files.readString(tmp.resolve("flushed")));
    s.close(); // idempotent
  }

  @Test
  void externalUnmount_endsAwaitUnmount() throws Exception {
    FuseSession s = mountStub(Duration.ofSeconds(30));
    Mounts.sh("fusermount -u " + mnt).ok();
    assertTrue(s.awaitUnmount(Duration.ofSeconds(15)));
    assertFalse(s.isMounted());
  }

  @Test
  void exceptionInCallback_isEio_andMountStaysUp() throws Exception {
    try (FuseSession s = mountStub(Duration.ofSeconds(30))) {
      Mounts.Result r = Mounts.sh("stat " + mnt + "/boom");
      assertTrue(r.out().contains("Input/output error"), r.out());
      assertEquals("hello\n", Files.readString(mnt.resolve("hello")));
    }
  }

  @Test
  void slowCallback_timesOutWithEtimedout_andMountStaysUp() throws Exception {
    try (FuseSession s = mountStub(Duration.ofMillis(500))) {
      Mounts.Result r = Mounts.sh("stat " + mnt + "/slow");
      assertTrue(r.out().contains("Connection timed out"), r.out());
      assertEquals("hello\n", Files.readString(mnt.resolve("hello")));
    }
  }

  @Test
  void close_whileAProcessHoldsAFileOpen_detachesWithoutHanging() throws Exception {
    FuseSession s = mountStub(Duration.ofSeconds(30));
    Process holder = new ProcessBuilder("bash", "-c", "exec 3<" + mnt + "/hello; sleep 30").start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!Mounts.sh("ls -l /proc/" + holder.pid() + "/fd").out().contains(mnt + "/hello")) {
        assertTrue(System.nanoTime() < deadline, "holder never opened the file");
        Thread.sleep(20);
      }
      long start = System.nanoTime();
      s.close();
      assertTrue(System.nanoTime() - start < 20_000_000_000L, "close took too long");
      assertFalse(Mounts.isMounted(mnt));
      assertEquals("flushed", Files.readString(tmp.resolve("flushed")));
    } finally {
      holder.destroyForcibly();
      holder.waitFor();
    }
    assertTrue(s.awaitUnmount(Duration.ofSeconds(15)), "loop ends once the last open file is closed");
  }

  @Test
  void nonEmptyMountPoint_isRefused() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(dir.resolve("x"), "x");
    FuseMountException e = assertThrows(FuseMountException.class,
        () -> FuseSession.start(new StubFs(Duration.ofSeconds(5), null), dir, MountOptions.defaults()));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertFalse(Mounts.isMounted(dir));
  }

  @Test
  void nonEmptyMountPoint_mountsWhenAsked() throws Exception {
    mnt = Files.createDirectories(tmp.resolve("full"));
    Files.writeString(mnt.resolve("x"), "x");
    try (FuseSession s = FuseSession.start(new StubFs(Duration.ofSeconds(5), null), mnt,
        MountOptions.defaults().toBuilder().allowNonEmpty(true).build())) {
      assertTrue(Files.exists(mnt.resolve("hello")));
      assertFalse(Files.exists(mnt.resolve("x")));
    }
    assertTrue(Files.exists(mnt.resolve("x")));
  }

  @Test
  void missingMountPoint_isRefusedClearly() {
    FuseMountException e = assertThrows(FuseMountException.class,
        () -> FuseSession.start(new StubFs(Duration.ofSeconds(5), null), tmp.resolve("nope"), MountOptions.defaults()));
    assertTrue(e.getMessage().contains("not an existing directory"), e.getMessage());
  }
}
