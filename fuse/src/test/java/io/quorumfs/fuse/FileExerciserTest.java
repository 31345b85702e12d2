package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link FileExerciser} (in a child JVM: it maps the file) on real mounts of a file system
 * with 16 KiB chunks and a 64 KiB write buffer, so its writes, truncates and maps cross chunk
 * boundaries and fill the buffer often: with mmap, without, and on one file through two mounts (two
 * clients of one store, switching at close and open). {@code -Dexerciser.ops=N} sets the ops per
 * run (default 3,000), {@code -Dexerciser.seeds=1,2,...} runs every mode with each of those seeds;
 * the Maven profile {@code exerciser-long} runs 100,000 ops per seed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileExerciserTest {
  static final int CHUNK = 16 * 1024;
  private static final FsConfig CONFIG =
      FsConfig.defaults().toBuilder().chunkSize(CHUNK).writeBufferBytes(4L * CHUNK).build();
  private static final long OPS = Long.getLong("exerciser.ops", 3_000);

  private Path tmp;
  private MemKvStore store;
  private MountedFs a;
  private MountedFs b;

  @BeforeAll
  void mount(@TempDir Path dir) throws Exception {
    tmp = dir;
    store = new MemKvStore();
    a = MountedFs.mount(tmp, "a", store, true, MountOptions.defaults(), CONFIG);
    b = MountedFs.mount(tmp, "b", store, false, MountOptions.defaults(), CONFIG);
  }

  @AfterAll
  void unmount() throws Exception {
    try {
      if (b != null) {
        b.close();
      }
    } finally {
      if (a != null) {
        a.close(); // owns the store: fsck must be clean after all the runs
      } else {
        store.close();
      }
    }
  }

  @Test
  void randomOps_withMmap_matchTheModel() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(1)) {
      exercise(failures, "mmap-" + seed, seed, List.of(a.path("mmap-" + seed)), "--mmap", "on");
    }
    assertNoFailures(failures);
  }

  @Test
  void randomOps_withoutMmap_matchTheModel() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(2)) {
      exercise(failures, "plain-" + seed, seed, List.of(a.path("plain-" + seed)), "--mmap", "off");
    }
    assertNoFailures(failures);
  }

  @Test
  void randomOps_throughTwoMounts_matchTheModelAtEveryOpen() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(3)) {
      String name = "two-" + seed;
      exercise(failures, name, seed, List.of(a.path(name), b.path(name)), "--mmap", "on");
    }
    assertNoFailures(failures);
  }

  private static long[] seeds(long dflt) {
    String s = System.getProperty("exerciser.seeds", "");
    if (s.isBlank()) {
      return new long[] {dflt};
    }
    return Arrays.stream(s.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
  }

  private static void assertNoFailures(List<String> failures) {
    if (!failures.isEmpty()) {
      fail(failures.size() + " exerciser run(s) failed:\n" + String.join("\n", failures));
    }
  }

  /** Runs one seed in a child JVM; adds its output to {@code failures} if it fails. */
  private void exercise(List<String> failures, String name, long seed, List<Path> files, String... flags) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        FileExerciser.class.getName(), "--seed", Long.toString(seed), "--ops", Long.toString(OPS),
        "--max-size", Integer.toString(256 * 1024), "--max-len", Integer.toString(64 * 1024),
        "--chunk-size", Integer.toString(CHUNK)));
    for (Path f : files) {
      cmd.add("--file");
      cmd.add(f.toString());
    }
    cmd.addAll(List.of(flags));
    Path log = tmp.resolve(name + ".log");
    // Generous: a loaded 2-core machine runs the ops of the default run in well under a minute.
    Duration limit = Duration.ofSeconds(120 + OPS / 20);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        fail("exerciser " + name + " did not finish within " + limit.toSeconds() + " s:\n" + Files.readString(log));
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    String out = Files.readString(log);
    System.out.printf("exerciser %s: exit %d in %.1f s%n%s", name, p.exitValue(),
        (System.nanoTime() - start) / 1e9, out);
    if (p.exitValue() != 0) {
      failures.add("exerciser " + name + " (seed " + seed + ") exit " + p.exitValue() + ":\n" + out);
    }
  }
}
