package io.quorumfs.fuse;

import io.quorumfs.kv.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ClientMountMain} child JVM mounting one client of a file system, for tests that need
 * a client in a process of its own (to stop or kill it alone). Output goes to {@code log}.
 * {@link #close} resumes it if stopped, ends it (SIGTERM, then SIGKILL) and makes sure nothing
 * stays mounted.
 */
final class ClientProcess implements AutoCloseable {
  private final Path mountPoint;
  private final Path log;
  private final Process process;
  private volatile boolean stopped;

  private ClientProcess(Path mountPoint, Path log, Process process) {
    this.mountPoint = mountPoint;
    this.log = log;
    this.process = process;
  }

  /** Starts the client; call {@link #awaitMounted} before using the mount point. */
  static ClientProcess start(String metaUri, Path blobDir, Path mountPoint, Duration sessionTtl, String name, Path log)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8",
        "-cp", System.getProperty("java.class.path"), ClientMountMain.class.getName(),
        metaUri, blobDir.toString(), mountPoint.toString(), Long.toString(sessionTtl.toSeconds()), name)
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ClientProcess(mountPoint, log, p);
  }

  void awaitMounted(Duration within) {
    Poll.until(within, "client " + mountPoint + " to print MOUNTED (log " + log + ")", () -> {
      if (!process.isAlive()) {
        throw new AssertionError("client for " + mountPoint + " exited " + process.exitValue() + ":\n" + logText());
      }
      return logText().contains("MOUNTED");
    });
  }

  Path mountPoint() {
    return mountPoint;
  }

  long pid() {
    return process.pid();
  }

  /** SIGSTOP: every thread of the client stops (its FUSE requests wait); returns once it is stopped. */
  void stop() {
    stopped = true;
    signal("STOP");
    Poll.until(Duration.ofSeconds(30), "client " + pid() + " to be stopped", () -> "T".equals(state()));
  }

  /** SIGCONT. */
  void resume() {
    signal("CONT");
    stopped = false;
  }

  /** The process state letter from /proc (R, S, D, T, ...), or "" once it is gone. */
  private String state() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
        if (line.startsWith("State:")) {
          return line.substring("State:".length()).strip().substring(0, 1);
        }
      }
    } catch (IOException e) {
      // gone
    }
    return "";
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder(List.of("kill", "-" + name, Long.toString(pid()))).redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes());
      if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + name + " " + pid() + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  String logText() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      if (process.isAlive()) {
        boolean resumed = true;
        if (stopped) {
          try {
            signal("CONT"); // a stopped process would not act on SIGTERM
          } catch (RuntimeException | AssertionError e) {
            resumed = false;
          }
        }
        if (resumed) {
          process.destroy(); // SIGTERM: flush and unmount
        }
        if (!resumed || !process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(30, TimeUnit.SECONDS);
        }
      }
    } finally {
      Mounts.forceUnmount(mountPoint);
    }
  }
}
