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

  /**
   * The d_ino that readdir(3) gives for entry {@code name} of {@code dir} (empty if not listed).
   * Through python3's ctypes, since {@code ls -i} may stat the entry instead (it does for ".." of
   * a mount's root, which then names the covered directory).
   */
  static String direntIno(Path dir, String name) {
    String py = String.join("\n",
        "import ctypes, sys",
        "class D(ctypes.Structure):",
        "    _fields_ = [('d_ino', ctypes.c_uint64), ('d_off', ctypes.c_int64), ('d_reclen', ctypes.c_ushort),",
        "                ('d_type', ctypes.c_ubyte), ('d_name', ctypes.c_char * 256)]",
        "libc = ctypes.CDLL(None)",
        "libc.opendir.argtypes = [ctypes.c_char_p]; libc.opendir.restype = ctypes.c_void_p",
        "libc.readdir.argtypes = [ctypes.c_void_p]; libc.readdir.restype = ctypes.POINTER(D)",
        "d = libc.opendir(sys.argv[1].encode())",
        "assert d, 'opendir failed'",
        "while True:",
        "    e = libc.readdir(d)",
        "    if not e: break",
        "    if e.contents.d_name == sys.argv[2].encode(): print(e.contents.d_ino)");
    try {
      Process proc = new ProcessBuilder("python3", "-c", py, dir.toString(), name).redirectErrorStream(true).start();
      String out = new String(proc.getInputStream().readAllBytes()).strip();
      if (!proc.waitFor(120, TimeUnit.SECONDS) || proc.exitValue() != 0) {
        proc.destroyForcibly();
        throw new AssertionError("python3 readdir of " + dir + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
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
