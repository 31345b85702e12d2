package io.quorumfs.fuse;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What a FUSE mount needs from the host, checked before libfuse is asked, with clear errors. */
final class FuseEnvironment {
  /** fuse 2's userland; fuse3 (or anything recommending it) would remove fusermount. */
  static final String APT_LINE = "apt-get install -y --no-install-recommends fuse libfuse2";

  private FuseEnvironment() {}

  /** Throws unless /dev/fuse, fusermount and libfuse.so.2 are present. */
  static void check() {
    List<String> missing = new ArrayList<>();
    if (!Files.exists(Path.of("/dev/fuse"))) {
      missing.add("/dev/fuse (load the fuse kernel module: modprobe fuse; in a container, pass --device /dev/fuse)");
    }
    if (fusermount().isEmpty()) {
      missing.add("fusermount on PATH (package fuse)");
    }
    if (!libfuseInstalled()) {
      missing.add("libfuse.so.2 (package libfuse2)");
    }
    if (!missing.isEmpty()) {
      throw new FuseMountException("FUSE is not usable on this host; missing: " + String.join(", ", missing)
          + ". Install with: " + APT_LINE + " (not fuse3: it removes fusermount)");
    }
  }

  static Optional<Path> fusermount() {
    String pathVar = System.getenv().getOrDefault("PATH", "");
    List<String> dirs = new ArrayList<>(List.of(pathVar.split(File.pathSeparator)));
    dirs.add("/bin");
    dirs.add("/usr/bin");
    for (String dir : dirs) {
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

  private static boolean libfuseInstalled() {
    for (String dir : List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib")) {
      if (Files.exists(Path.of(dir, "libfuse.so.2"))) {
        return true;
      }
    }
    return false;
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
