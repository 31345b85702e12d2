package io.quorumfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Runs the real launcher, bin/quorumfs, as a child process, as a user would. */
final class Launcher {

  static final Path SCRIPT = Path.of("..", "bin", "quorumfs").toAbsolutePath().normalize();

  private Launcher() {}

  record Result(int code, String out, String err) {}

  /** A started long-running command with its output going to files. */
  record Started(Process process, Path out, Path err) {
    String stdout() throws IOException {
      return Files.exists(out) ? Files.readString(out) : "";
    }

    String stderr() throws IOException {
      return Files.exists(err) ? Files.readString(err) : "";
    }
  }

  private static ProcessBuilder builder(List<String> args, Map<String, String> extraEnv) {
    List<String> cmd = new ArrayList<>();
    cmd.add(SCRIPT.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("QUORUMFS_"));
    env.put("QUORUMFS_HEAP", "384m");
    // Maven packaged the artifact before these tests: a nested build must never start here.
    env.put("QUORUMFS_NO_BUILD", "1");
    // Up to six JVMs start at once on a small machine: C1 only, serial GC (start-up over peak).
    env.put("QUORUMFS_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    env.putAll(extraEnv);
    return pb;
  }

  static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
    return run(timeout, Map.of(), args);
  }

  /** As {@link #run(Duration, String...)} with {@code env} added to the environment. */
  static Result run(Duration timeout, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("quorumfs-out", ".txt");
    Path err = Files.createTempFile("quorumfs-err", ".txt");
    try {
      Process p = builder(List.of(args), env).redirectOutput(out.toFile())
          .redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("quorumfs " + String.join(" ", args) + " did not finish in "
            + timeout + "; stderr: " + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static Started start(Path logDir, String name, String... args) throws IOException {
    return start(logDir, name, Map.of(), args);
  }

  /** As {@link #start(Path, String, String...)} with {@code env} added to the environment. */
  static Started start(Path logDir, String name, Map<String, String> env, String... args)
      throws IOException {
    Path out = logDir.resolve(name + ".out");
    Path err = logDir.resolve(name + ".err");
    Process p = builder(List.of(args), env).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    return new Started(p, out, err);
  }

  /** Polls {@code condition} every 100 ms until it holds or {@code timeout} passes. */
  static boolean waitFor(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  /** Sends SIGINT (what Ctrl-C sends) to {@code pid}. */
  static void sigint(long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).start();
    kill.waitFor(10, TimeUnit.SECONDS);
  }

  static boolean mounted(Path dir) {
    try {
      String want = dir.toAbsolutePath().normalize().toString();
      for (String line : Files.readAllLines(Path.of("/proc/mounts"), StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].equals(want)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops a {@code quorumfs up} this test started (SIGINT, then SIGKILL after 90 s), unmounts
   * {@code dir}/mnt if it is still mounted, and deletes {@code dir}. Either may be null.
   */
  static void stopAndDelete(Started up, Path dir) throws IOException, InterruptedException {
    if (up != null && up.process().isAlive()) {
      sigint(up.process().pid());
      if (!up.process().waitFor(90, java.util.concurrent.TimeUnit.SECONDS)) {
        up.process().destroyForcibly();
      }
    }
    if (dir == null) {
      return;
    }
    if (mounted(dir.resolve("mnt"))) {
      new ProcessBuilder("fusermount", "-u", "-z", dir.resolve("mnt").toString()).start()
          .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
