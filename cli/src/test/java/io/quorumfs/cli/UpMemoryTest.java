package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 2: {@code quorumfs up} (3 replicas, blobs and the mount in one JVM) with its default
 * settings survives a file several times its heap written through the mount. The child runs at
 * -Xmx256m with -XX:+ExitOnOutOfMemoryError (as bin/quorumfs does), so an OOM ends it instead of
 * wedging the mount; before the memory bounds it died ~10 s into the write.
 */
class UpMemoryTest {

  private static final long FILE_BYTES = 768L << 20;
  private static final int BLOCK = 1 << 20;

  private Path dir;
  private Process up;

  @AfterEach
  void stop() throws Exception {
    if (up != null && up.isAlive()) {
      up.destroy(); // SIGTERM: unmounts, then stops the replicas
      if (!up.waitFor(120, TimeUnit.SECONDS)) {
        up.destroyForcibly();
        up.waitFor(30, TimeUnit.SECONDS);
      }
    }
    if (dir != null && Launcher.mounted(dir.resolve("mnt"))) {
      new ProcessBuilder("fusermount", "-u", "-z", dir.resolve("mnt").toString()).start()
          .waitFor(10, TimeUnit.SECONDS);
    }
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void up_at256mHeap_survivesA768MiBWriteThroughTheMount_andReadsItBack() throws Exception {
    dir = Files.createTempDirectory("quorumfs-upmem-");
    Path mnt = dir.resolve("mnt");
    Path out = dir.resolve("up.out");
    Path err = dir.resolve("up.err");
    List<String> cmd = new ArrayList<>();
    if (new ProcessBuilder("env", "--default-signal=INT", "true").start().waitFor() == 0) {
      // As bin/quorumfs does: a Maven started in the background passes SIGINT on ignored.
      cmd.addAll(List.of("env", "--default-signal=INT"));
    }
    cmd.addAll(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxDirectMemorySize=512m",
        "-Dio.netty.tryReflectionSetAccessible=true",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "up", mnt.toString(), "--data-dir", dir.resolve("data").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("QUORUMFS_"));
    long t0 = System.nanoTime();
    up = pb.start();
    assertTrue(Launcher.waitFor(Duration.ofSeconds(120),
        () -> read(out).contains("READY") || !up.isAlive()), "up did not get ready: " + read(err));
    assertTrue(up.isAlive(), "up exited: " + read(out) + read(err));
    assertTrue(Launcher.mounted(mnt), "not mounted: " + mnt);

    long t1 = System.nanoTime();
    Path big = mnt.resolve("big");
    MessageDigest written = MessageDigest.getInstance("SHA-256");
    SplittableRandom random = new SplittableRandom(13);
    byte[] block = new byte[BLOCK];
    try (FileOutputStream f = new FileOutputStream(big.toFile())) {
      for (long done = 0; done < FILE_BYTES; done += BLOCK) {
        fill(random, block);
        f.write(block);
        written.update(block);
      }
      f.getFD().sync();
    } catch (IOException e) {
      throw new AssertionError("write through the mount failed: " + e + "; " + fate(out, err), e);
    }
    assertTrue(up.isAlive(), () -> "up died during the write: " + fate(out, err));
    assertEquals(FILE_BYTES, Files.size(big));

    long t2 = System.nanoTime();
    MessageDigest read = MessageDigest.getInstance("SHA-256");
    try (FileInputStream f = new FileInputStream(big.toFile())) {
      int n;
      while ((n = f.read(block)) > 0) {
        read.update(block, 0, n);
      }
    }
    assertArrayEquals(written.digest(), read.digest(), "what was read differs from what was written");
    assertTrue(up.isAlive(), () -> "up died during the read: " + fate(out, err));
    try (Stream<Path> l = Files.list(mnt)) {
      assertEquals(List.of("big"), l.map(p -> p.getFileName().toString()).toList());
    }
    assertFalse(read(err).contains("OutOfMemoryError"), tail(err));

    long t3 = System.nanoTime();
    Launcher.sigint(up.pid());
    assertTrue(up.waitFor(120, TimeUnit.SECONDS), "up did not stop on SIGINT: " + tail(err));
    System.out.printf("UpMemoryTest: ready %.1f s, write+fsync %.1f s, read %.1f s, stop %.1f s%n",
        (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (System.nanoTime() - t3) / 1e9);
    assertFalse(Launcher.mounted(mnt), "still mounted after the stop");
  }

  /** What became of the child: its exit (given a minute to end) and the tails of its output. */
  private String fate(Path out, Path err) {
    boolean ended;
    try {
      ended = up.waitFor(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ended = false;
    }
    return (ended ? "up exited with " + up.exitValue() : "up still running") + "\n--- stdout\n"
        + tail(out) + "\n--- stderr\n" + tail(err);
  }

  private static void fill(SplittableRandom r, byte[] b) {
    for (int i = 0; i < b.length; i += 8) {
      long v = r.nextLong();
      for (int j = 0; j < 8; j++) {
        b[i + j] = (byte) (v >>> (8 * j));
      }
    }
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "(cannot read " + p + ": " + e + ")";
    }
  }

  private static String tail(Path p) {
    String s = read(p);
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }
}
