package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumfs.kv.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * How soon a change made through one client shows on another that only polls (issue #14: p99 ≤ 5 ms):
 * two client processes ({@link ClientProcess}) on three replica processes ({@link RaftCluster}).
 * Each sample: A makes a change and closes (or unlinks), then at once B polls until it sees it;
 * the figure is the time from A's return to the end of B's first answer that shows the change,
 * and how many polls that took. Kinds: {@code create} (A creates and writes a new file; B stats it),
 * {@code overwrite} (A rewrites a file with O_TRUNC, a new size each time; B opens and reads it
 * whole), {@code unlink} (B stats until ENOENT). Two baselines, with A idle: {@code stat} (B
 * stats an unchanged file it has stat'ed before: a cache hit) and {@code cold} (B's first stat of
 * a file A made well before: B's cache misses the name and the new inode and reads them from the
 * store, alternating between two directories so no lookup scans ahead). Not part of the default
 * test run (the name ends in Bench):
 *
 * <pre>
 * mvn -B -ntp verify -pl fuse -am -Dtest=PollingVisibilityBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     [-Dvisibility.samples=1000] [-Dvisibility.warmup=200]
 * </pre>
 *
 * Prints one line per kind ({@code visibility: KIND n=... p50=... p90=... p99=... max=... ms; polls
 * > 1: N}) to the test's output file (fuse/target/surefire-reports/...-output.txt). It asserts
 * only that every change was seen, never a time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PollingVisibilityBench {
  private static final int SAMPLES = Integer.getInteger("visibility.samples", 1000);
  private static final int WARMUP = Integer.getInteger("visibility.warmup", 200);
  /** A poll that has not seen the change by then is a violation of close-to-open, not a slow sample. */
  private static final long GIVE_UP_NANOS = Duration.ofSeconds(30).toNanos();
  private RaftCluster cluster;
  private ClientProcess a;
  private ClientProcess b;
  private Path dirA;
  private Path dirB;
  private final Random random = new Random(14);

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    cluster = new RaftCluster(tmp.resolve("cluster"));
    Path blobs = Files.createDirectories(tmp.resolve("blobs"));
    Path mntA = Files.createDirectories(tmp.resolve("a"));
    Path mntB = Files.createDirectories(tmp.resolve("b"));
    a = ClientProcess.start(cluster.uri(), blobs, mntA, Duration.ofSeconds(60), "vis-a", tmp.resolve("client-a.log"));
    b = ClientProcess.start(cluster.uri(), blobs, mntB, Duration.ofSeconds(60), "vis-b", tmp.resolve("client-b.log"));
    a.awaitMounted(Duration.ofSeconds(180));
    b.awaitMounted(Duration.ofSeconds(180));
    dirA = Files.createDirectory(mntA.resolve("vis"));
    dirB = mntB.resolve("vis");
    Poll.until(Duration.ofSeconds(30), "directory vis made on A to show on B", () -> Files.isDirectory(dirB));
  }

  @AfterAll
  void stop() throws Exception {
    try {
      for (ClientProcess c : new ClientProcess[] {a, b}) {
        if (c != null) {
          c.close();
        }
      }
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  @Test
  void changesOnA_showOnAPollingB() throws Exception {
    System.out.printf("visibility: %d samples per kind after %d warm-up; load average %s%n", SAMPLES, WARMUP,
        Files.readString(Path.of("/proc/loadavg")).strip());
    Files.write(dirA.resolve("still"), new byte[100]);
    Poll.until(Duration.ofSeconds(30), "file still to show on B", () -> Files.exists(dirB.resolve("still")));
    report("stat", run(i -> {
      long t = System.nanoTime();
      Files.size(dirB.resolve("still"));
      return new long[] {System.nanoTime() - t, 1};
    }));
    Path[] coldA = {Files.createDirectory(dirA.resolve("cold0")), Files.createDirectory(dirA.resolve("cold1"))};
    for (int i = 0; i < WARMUP + SAMPLES; i++) {
      Files.write(coldA[i % 2].resolve("k" + i), content(1 + random.nextInt(4096)));
    }
    Files.write(dirA.resolve("cold-done"), new byte[1]); // after them: once B sees it, it could see them all
    Poll.until(Duration.ofSeconds(60), "A's files to show on B", () -> Files.exists(dirB.resolve("cold-done")));
    report("cold", run(i -> {
      Path p = dirB.resolve("cold" + i % 2).resolve("k" + i);
      long t = System.nanoTime();
      Files.size(p);
      return new long[] {System.nanoTime() - t, 1};
    }));
    report("create", run(i -> {
      Files.write(dirA.resolve("c" + i), content(1 + random.nextInt(4096)));
      return pollB(() -> Files.exists(dirB.resolve("c" + i)));
    }));
    report("overwrite", run(i -> {
      byte[] c = content(1 + (i % 2 == 0 ? 4096 : 0) + random.nextInt(4096)); // sizes differ from the last
      Files.write(dirA.resolve("o"), c);
      return pollB(() -> Arrays.equals(c, Files.readAllBytes(dirB.resolve("o"))));
    }));
    report("unlink", run(i -> {
      Files.delete(dirA.resolve("c" + i));
      return pollB(() -> !Files.exists(dirB.resolve("c" + i)));
    }));
  }

  private interface Sample {
    /** Returns {nanos, polls}. */
    long[] take(int i) throws Exception;
  }

  private interface Check {
    boolean seen() throws IOException;
  }

  /** Warm-up and then {@link #SAMPLES} samples; {nanos[], polls[]}. */
  private long[][] run(Sample s) throws Exception {
    long[] nanos = new long[SAMPLES];
    long[] polls = new long[SAMPLES];
    for (int i = -WARMUP; i < SAMPLES; i++) {
      long[] r = s.take(i + WARMUP);
      if (i >= 0) {
        nanos[i] = r[0];
        polls[i] = r[1];
      }
    }
    return new long[][] {nanos, polls};
  }

  /** Polls B with no pause from the moment A's call returned; {nanos until the first poll that saw it, polls}. */
  private static long[] pollB(Check seen) throws IOException {
    long t = System.nanoTime();
    for (long polls = 1; ; polls++) {
      boolean ok;
      try {
        ok = seen.seen();
      } catch (java.nio.file.NoSuchFileException e) {
        ok = false;
      }
      long now = System.nanoTime();
      if (ok) {
        return new long[] {now - t, polls};
      }
      assertEquals(true, now - t < GIVE_UP_NANOS, "B did not see A's change within 30 s");
    }
  }

  private static void report(String kind, long[][] r) {
    long[] nanos = r[0].clone();
    Arrays.sort(nanos);
    long slow = Arrays.stream(r[1]).filter(p -> p > 1).count();
    System.out.printf("visibility: %-9s n=%d p50=%.3f p90=%.3f p99=%.3f max=%.3f ms; samples needing more than one poll: %d%n",
        kind, nanos.length, pct(nanos, 50), pct(nanos, 90), pct(nanos, 99), nanos[nanos.length - 1] / 1e6, slow);
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
  }

  private byte[] content(int length) {
    byte[] c = new byte[length];
    random.nextBytes(c);
    return c;
  }
}
