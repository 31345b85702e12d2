package io.quorumfs.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code <data-dir>/up.properties}: what a running {@code quorumfs up} started (pid, metadata and
 * blob URIs, mount point, metrics URL), so {@code status}, {@code fsck}, {@code gc}, {@code stats}
 * and {@code umount} find it without options. It also keeps the replicas' ports across restarts,
 * because the Raft group configuration persisted by each replica names them.
 */
final class UpState {

  static final String FILE = "up.properties";

  private UpState() {}

  static Path file(Path dataDir) {
    return dataDir.resolve(FILE);
  }

  static Properties read(Path dataDir) {
    Properties p = new Properties();
    Path f = file(dataDir);
    if (Files.exists(f)) {
      try (Reader r = Files.newBufferedReader(f)) {
        p.load(r);
      } catch (IOException e) {
        throw new CommandFailedException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    return p;
  }

  static void write(Path dataDir, Properties p) {
    Path f = file(dataDir);
    Path tmp = f.resolveSibling(FILE + ".tmp");
    try {
      Files.createDirectories(dataDir);
      try (Writer w = Files.newBufferedWriter(tmp)) {
        p.store(w, "written by quorumfs up; read by status, fsck, gc, stats");
      }
      Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new CommandFailedException("cannot write " + f + ": " + e.getMessage(), e);
    }
  }

  /** A property of a running {@code up} (its pid is alive), if any. */
  static Optional<String> running(Path dataDir, String key) {
    Properties p = read(dataDir);
    String pid = p.getProperty("pid");
    if (pid == null || !alive(Long.parseLong(pid))) {
      return Optional.empty();
    }
    return Optional.ofNullable(p.getProperty(key)).filter(s -> !s.isEmpty());
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
