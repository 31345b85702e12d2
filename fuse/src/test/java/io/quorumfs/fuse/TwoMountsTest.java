package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.MemKvStore;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clients (two FileSystem instances) on one shared store, each mounted on its own directory:
 * what one writes, renames, removes and locks the other sees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoMountsTest {
  private static final Duration FEED = Duration.ofSeconds(10);
  private Path tmp;
  private MemKvStore store;
  private MountedFs a;
  private MountedFs b;

  @BeforeAll
  void mount(@TempDir Path dir) throws Exception {
    tmp = dir;
    store = new MemKvStore();
    a = MountedFs.mountShared(tmp, "a", store);
    b = MountedFs.mountShared(tmp, "b", store);
  }

  @AfterAll
  void unmount() throws Exception {
    try {
      if (a != null) {
        a.close();
      }
    } finally {
      if (b != null) {
        b.close();
      }
      store.close();
    }
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + FEED.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + FEED.toSeconds() + " s: " + what);
      }
      Thread.sleep(20); // polling interval; the deadline bounds the wait
    }
  }

  @Test
  void closeToOpen_fileWrittenAndClosedOnA_readsIdenticallyOnB() throws Exception {
    byte[] data = new byte[3 << 20];
    new Random(3).nextBytes(data);
    Files.write(a.path("c2o.bin"), data);
    eventually("c2o.bin visible on b", () -> Files.exists(b.path("c2o.bin")));
    assertArrayEquals(data, Files.readAllBytes(b.path("c2o.bin")));
    // Overwrite on A; a new open on B sees the new contents whole.
    byte[] second = new byte[1 << 20];
    new Random(4).nextBytes(second);
    Files.write(a.path("c2o.bin"), second);
    assertArrayEquals(second, Files.readAllBytes(b.path("c2o.bin")));
    assertEquals(Files.getAttribute(a.path("c2o.bin"), "unix:ino"), Files.getAttribute(b.path("c2o.bin"), "unix:ino"));
  }

  @Test
  void renameAndUnlinkOnA_areSeenOnB() throws Exception {
    Files.createDirectories(a.path("rn"));
    Files.writeString(a.path("rn/old"), "moving");
    eventually("rn/old on b", () -> Files.exists(b.path("rn/old")));
    Files.move(a.path("rn/old"), a.path("rn/new"));
    eventually("rename seen on b", () -> Files.exists(b.path("rn/new")) && !Files.exists(b.path("rn/old")));
    assertEquals("moving", Files.readString(b.path("rn/new")));
    Files.delete(a.path("rn/new"));
    eventually("unlink seen on b", () -> !Files.exists(b.path("rn/new")));
    eventually("listing on b empty", () -> b.path("rn").toFile().list().length == 0);
  }

  @Test
  void directoryReplacedOnA_isFollowedByPathsOnB() throws Exception {
    Files.createDirectories(a.path("swap/x"));
    Files.writeString(a.path("swap/x/f"), "one");
    eventually("swap/x/f on b", () -> Files.exists(b.path("swap/x/f")));
    assertEquals("one", Files.readString(b.path("swap/x/f")));
    Files.move(a.path("swap/x"), a.path("swap/y"));
    Files.createDirectories(a.path("swap/x"));
    Files.writeString(a.path("swap/x/f"), "two");
    eventually("new swap/x/f on b", () -> {
      try {
        return Files.readString(b.path("swap/x/f")).equals("two");
      } catch (java.io.IOException e) {
        return false;
      }
    });
    assertEquals("one", Files.readString(b.path("swap/y/f")));
  }

  @Test
  void flockHeldOnA_blocksOnB_untilReleased() throws Exception {
    Files.writeString(a.path("locked"), "l");
    eventually("locked on b", () -> Files.exists(b.path("locked")));
    Process holder = new ProcessBuilder("flock", "-o", a.path("locked").toString(), "sleep", "60").start();
    try {
      Mounts.Result r = Mounts.sh("for i in $(seq 100); do flock -n " + b.path("locked") + " true || exit 7; sleep 0.05; done");
      assertEquals(7, r.exit(), "flock -n on b must fail while a holds the lock");
      Process waiter = new ProcessBuilder("flock", "-w", "20", b.path("locked").toString(), "true").start();
      // The waiter is blocked once it sits in the flock(2) system call (73 on x86_64).
      Path syscall = Path.of("/proc/" + waiter.pid() + "/syscall");
      eventually("waiter blocked in flock(2)", () -> {
        try {
          return Files.readString(syscall).startsWith("73 ");
        } catch (java.io.IOException e) {
          return false;
        }
      });
      assertTrue(waiter.isAlive(), "a blocking flock on b must wait while a holds the lock");
      holder.destroy();
      holder.waitFor();
      assertTrue(waiter.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(0, waiter.exitValue());
    } finally {
      holder.destroy();
      holder.waitFor();
    }
  }

  @Test
  void fcntlLockHeldOnA_conflictsOnB() throws Exception {
    Files.writeString(a.path("rec"), "0123456789");
    eventually("rec on b", () -> Files.exists(b.path("rec")));
    try (FileChannel ca = FileChannel.open(a.path("rec"), StandardOpenOption.WRITE);
        FileChannel cb = FileChannel.open(b.path("rec"), StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock la = ca.lock(0, 5, false);
      assertEquals(null, cb.tryLock(0, 5, false), "overlapping range is held on a");
      java.nio.channels.FileLock lb = cb.tryLock(5, 5, false);
      assertNotEquals(null, lb, "a disjoint range is free");
      la.release();
      java.nio.channels.FileLock lb2 = cb.tryLock(0, 5, false);
      assertNotEquals(null, lb2);
      lb2.release();
      lb.release();
    }
  }

  @Test
  void writesOnBothMounts_toDifferentFiles_areAllVisibleOnBoth() throws Exception {
    Files.createDirectories(a.path("both"));
    eventually("both/ on b", () -> Files.isDirectory(b.path("both")));
    for (int i = 0; i < 50; i++) {
      Files.writeString(a.path("both/a" + i), "a" + i);
      Files.writeString(b.path("both/b" + i), "b" + i);
    }
    eventually("100 entries on a", () -> a.path("both").toFile().list().length == 100);
    eventually("100 entries on b", () -> b.path("both").toFile().list().length == 100);
    assertEquals("b7", Files.readString(a.path("both/b7")));
    assertEquals("a7", Files.readString(b.path("both/a7")));
  }
}
