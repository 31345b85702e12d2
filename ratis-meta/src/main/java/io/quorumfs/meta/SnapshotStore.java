package io.quorumfs.meta;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Snapshots in the Raft storage's state-machine dir: one directory per snapshot,
 * {@code snapshot.<term>_<index>/}, holding whatever the replica store wrote (a RocksDB
 * checkpoint, or a mem: dump). A snapshot is written under a {@code .tmp} name and renamed when
 * complete. Ratis ships every file of the latest snapshot to a follower behind the purged log
 * (install by file transfer); after install the directory reappears under the same name.
 */
final class SnapshotStore implements StateMachineStorage {

  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  static final int KEEP = 2;

  private volatile File smDir;
  private volatile SnapshotInfo latest;

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    smDir = raftStorage.getStorageDir().getStateMachineDir();
    Files.createDirectories(smDir.toPath());
    refresh();
  }

  @Override
  public File getSnapshotDir() {
    return smDir;
  }

  Path dirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  Path tmpDirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex() + ".tmp");
  }

  /** Rescans the directory; returns the latest complete snapshot, or null. */
  SnapshotInfo refresh() throws IOException {
    Path best = null;
    TermIndex bestTi = null;
    for (Path p : snapshotDirs()) {
      TermIndex ti = termIndexOf(p);
      if (bestTi == null || ti.getIndex() > bestTi.getIndex()) {
        best = p;
        bestTi = ti;
      }
    }
    if (best == null) {
      latest = null;
      return null;
    }
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(best)) {
      for (Path f : (Iterable<Path>) walk.sorted()::iterator) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().endsWith(".md5")) {
          files.add(new FileInfo(f, null));
        }
      }
    }
    latest = new FileListSnapshotInfo(files, bestTi);
    return latest;
  }

  Path latestDir() {
    SnapshotInfo s = latest;
    return s == null ? null : dirFor(s.getTermIndex());
  }

  private List<Path> snapshotDirs() throws IOException {
    List<Path> out = new ArrayList<>();
    if (smDir == null || !smDir.exists()) {
      return out;
    }
    try (Stream<Path> list = Files.list(smDir.toPath())) {
      list.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches())
          .forEach(out::add);
    }
    return out;
  }

  private static TermIndex termIndexOf(Path p) {
    Matcher m = NAME.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a snapshot dir: " + p);
    }
    return TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  @Override
  public void format() {
    // nothing to format: directories are created on demand
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    List<Path> dirs = snapshotDirs();
    dirs.sort(Comparator.comparingLong((Path p) -> termIndexOf(p).getIndex()).reversed());
    for (int i = KEEP; i < dirs.size(); i++) {
      RocksReplicaStore.deleteTree(dirs.get(i));
    }
    try (Stream<Path> list = Files.list(smDir.toPath())) {
      for (Path p : (Iterable<Path>) list::iterator) {
        if (p.getFileName().toString().endsWith(".tmp")) {
          RocksReplicaStore.deleteTree(p);
        }
      }
    }
  }
}
