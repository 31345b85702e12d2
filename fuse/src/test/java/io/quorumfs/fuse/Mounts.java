package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test helpers: is a path mounted, and a last-resort unmount for finally blocks. */
final class Mounts {
  private Mounts() {}

  static boolean isMounted(Path p) {
    return MountInfo.isMounted(p);
  }

  /** Unmounts {@code p} if it is still mounted (lazily, so it cannot fail on a busy mount). */
  static void forceUnmount(Path p) {
    if (!isMounted(p)) {
      return;
    }
    try {
      Process proc = new ProcessBuilder("fusermount", "-u", "-z", p.toString()).inheritIO().start();
      proc.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs a shell command; returns exit code and combined output. */
  static Result sh(String command) {
    try {
      Process proc = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
      String out = new String(proc.getInputStream().readAllBytes());
      if (!proc.waitFor(300, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        throw new AssertionError("Command timed out: " + command);
      }
      return new Result(proc.exitValue(), out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  record Result(int exit, String out) {
    Result ok() {
      if (exit != 0) {
        throw new AssertionError("exit " + exit + ": " + out);
      }
      return this;
    }
  }
}
