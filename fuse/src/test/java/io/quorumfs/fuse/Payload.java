package io.quorumfs.fuse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * Data for the fault tests: local files of seeded random bytes that a child process (dd) writes
 * through a mount, fed on its stdin so the test decides how far the writer has got when it
 * injects the fault; compared with {@code cmp}, which reads the mount from another process.
 */
final class Payload {
  static final long MIB = 1L << 20;

  private Payload() {}

  /** Writes {@code size} seeded random bytes to the local {@code file}. */
  static Path random(Path file, long size, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = size; left > 0; ) {
        random.nextBytes(buf);
        int n = (int) Math.min(left, buf.length);
        out.write(buf, 0, n);
        left -= n;
      }
    }
    return file;
  }

  /**
   * Writes bytes {@code [from, to)} of {@code file} to {@code out} (a child's stdin) on another
   * thread, waiting at most {@code limitSeconds}: a writer stuck in the mount fails the test
   * instead of hanging it.
   */
  static void push(Path file, long from, long to, OutputStream out, long limitSeconds) throws Exception {
    FutureTask<Void> f = new FutureTask<>(() -> {
      try (InputStream in = Files.newInputStream(file)) {
        in.skipNBytes(from);
        byte[] buf = new byte[64 * 1024];
        for (long left = to - from; left > 0; ) {
          int n = in.read(buf, 0, (int) Math.min(left, buf.length));
          out.write(buf, 0, n);
          left -= n;
        }
        out.flush();
      }
      return null;
    });
    Thread t = new Thread(f, "payload-push"); // its own thread: one stuck push cannot block the next
    t.setDaemon(true);
    t.start();
    f.get(limitSeconds, TimeUnit.SECONDS);
  }

  /** Fails unless the first {@code n} bytes of {@code actual} equal those of {@code expected}. */
  static void assertPrefix(Path expected, Path actual, long n) {
    Mounts.sh("cmp -n " + n + " " + expected + " " + actual).ok();
  }

  /** Fails unless {@code actual} equals {@code expected} byte for byte, size included. */
  static void assertSame(Path expected, Path actual) {
    Mounts.sh("cmp " + expected + " " + actual).ok();
  }
}
