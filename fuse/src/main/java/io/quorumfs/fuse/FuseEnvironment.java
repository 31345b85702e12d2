package io.quorumfs.fuse;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a FUSE mount needs from the host, checked before libfuse is asked, with clear errors. The
 * one place this is checked in Java: {@link FuseSession} and the cli's mount and up call it.
 */
public final class FuseEnvironment {
  /** fuse 2's userland; fuse3 (or anything recommending it) would remove fusermount. */
  public static final String APT_LINE = "apt-get install -y --no-install-recommends fuse libfuse2";

  private static final List<String> LIB_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
      "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
      "/usr/local/lib");

  private FuseEnvironment() {}

  /**
   * Why this process cannot mount here (/dev/fuse, fusermount or libfuse.so.2 missing, or
   * /dev/fuse not readable and writable by it), with what to do; empty if it can.
   */
  public static Optional<String> problem() {
    return problem(Path.of("/dev/fuse"), searchPath(), LIB_DIRS);
  }

  /** {@link #problem()} for a given device, fusermount search path and library directories. */
  static Optional<String> problem(Path dev, String searchPath, List<String> libDirs) {
    List<String> missing = new ArrayList<>();
    if (!Files.exists(dev)) {
      missing.add(dev + " (load the fuse kernel module: modprobe fuse; in a container, pass --device /dev/fuse)");
    }
    if (fusermount(searchPath).isEmpty()) {
      missing.add("fusermount on PATH (package fuse)");
    }
    if (libDirs.stream().noneMatch(d -> Files.exists(Path.of(d, "libfuse.so.2")))) {
      missing.add("libfuse.so.2 (package libfuse2)");
    }
    if (!missing.isEmpty()) {
      return Optional.of("FUSE is not usable on this host; missing: " + String.join(", ", missing)
          + ". Install with: " + APT_LINE + " (not fuse3: it removes fusermount)");
    }
    if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
      // fusermount opens the device as the calling user: a mode of 0600 means root only
      return Optional.of("FUSE is not usable by this user (uid " + uid() + "): " + dev + " is not readable and "
          + "writable by it; run as root, or let users mount (as root: chmod 0666 " + dev + ", its usual mode)");
    }
    return Optional.empty();
  }

  /** Throws unless /dev/fuse, fusermount and libfuse.so.2 are present and /dev/fuse is usable. */
  static void check() {
    problem().ifPresent(p -> {
      throw new FuseMountException(p);
    });
  }

  static Optional<Path> fusermount() {
    return fusermount(searchPath());
  }

  /** $PATH, then /bin and /usr/bin (where Debian's fuse puts fusermount). */
  private static String searchPath() {
    return System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/bin" + File.pathSeparator + "/usr/bin";
  }

  private static Optional<Path> fusermount(String searchPath) {
    for (String dir : searchPath.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "fusermount");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  /**
   * Checks the mount point: an existing directory, not a dead FUSE mount, and empty unless
   * {@code allowNonEmpty}.
   */
  static void checkMountPoint(Path mountPoint, boolean allowNonEmpty) {
    if (MountInfo.isMounted(mountPoint)) {
      throw new FuseMountException("Mount point " + mountPoint + " is already a mount point; unmount it first"
          + " (fusermount -u " + mountPoint + ", or fusermount -u -z for a dead FUSE mount)");
    }
    if (!Files.isDirectory(mountPoint)) {
      throw new FuseMountException("Mount point " + mountPoint + " is not an existing directory");
    }
    if (allowNonEmpty) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(mountPoint)) {
      if (entries.iterator().hasNext()) {
        throw new FuseMountException("Mount point " + mountPoint + " is not empty; its files would be hidden"
            + " by the mount. Choose an empty directory or mount with the non-empty option");
      }
    } catch (IOException e) {
      throw new FuseMountException("Cannot list mount point " + mountPoint + ": " + e, e);
    }
  }
}
