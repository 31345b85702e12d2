package io.quorumfs.cli;

import io.quorumfs.fs.Attr;
import io.quorumfs.fs.DirEntry;
import io.quorumfs.fs.DirPage;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FsException;
import io.quorumfs.fs.StatFs;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * fsck through the public {@link FileSystem} API: walks the tree from the root and checks that
 * every entry's inode exists and has the entry's type, that directory link counts match their
 * subdirectories, that no file has more names than its link count, that symlinks resolve to a
 * target, and (with data checking) that every byte of every file can be read, which fetches every
 * chunk from the blob store and verifies its hash.
 */
final class TreeCheck {

  private static final int PAGE = 1000;
  private static final int MAX_PROBLEMS = 1000;

  private final FileSystem fs;
  private final boolean readData;
  private final Progress progress;
  private final List<String> problems = new ArrayList<>();
  private final Map<Long, Integer> names = new HashMap<>();
  private final Map<Long, Attr> attrs = new HashMap<>();
  private final Map<Long, String> firstPath = new HashMap<>();
  private long inodes;
  private long dirs;
  private long files;
  private long chunksRead;
  private long bytes;

  TreeCheck(FileSystem fs, boolean readData, Progress progress) {
    this.fs = fs;
    this.readData = readData;
    this.progress = progress;
  }

  Parts.FsckReport run() {
    StatFs st = fs.statfs();
    progress.total(Math.max(1, st.files() - st.ffree()) + 1);
    Attr root = fs.resolve("/");
    Deque<Long> todo = new ArrayDeque<>();
    Deque<String> paths = new ArrayDeque<>();
    todo.add(root.ino());
    paths.add("");
    attrs.put(root.ino(), root);
    inodes++;
    progress.advance(1);
    while (!todo.isEmpty() && problems.size() < MAX_PROBLEMS) {
      long dir = todo.poll();
      String path = paths.poll();
      dirs++;
      int subdirs = 0;
      String after = null;
      DirPage page;
      do {
        try {
          page = fs.readdir(dir, after, PAGE);
        } catch (FsException e) {
          problem((path.isEmpty() ? "/" : path) + ": cannot list: " + e.getMessage());
          break;
        }
        for (DirEntry e : page.entries()) {
          if (e.name().equals(".") || e.name().equals("..")) {
            continue;
          }
          String p = path + "/" + e.name();
          Attr a = check(p, e);
          if (a != null && a.isDir()) {
            subdirs++;
            todo.add(a.ino());
            paths.add(p);
          }
        }
        after = page.more() ? page.next() : null;
      } while (after != null);
      Attr self = attrs.get(dir);
      if (self != null && self.nlink() != 2 + subdirs) {
        problem((path.isEmpty() ? "/" : path) + ": directory link count " + self.nlink()
            + ", expected " + (2 + subdirs) + " (2 + " + subdirs + " subdirectories)");
      }
    }
    for (Map.Entry<Long, Integer> n : names.entrySet()) {
      Attr a = attrs.get(n.getKey());
      if (a != null && !a.isDir() && n.getValue() > a.nlink()) {
        problem(firstPath.get(n.getKey()) + ": inode " + a.ino() + " has " + n.getValue()
            + " names but link count " + a.nlink());
      }
    }
    return new Parts.FsckReport(inodes, dirs, files, chunksRead, bytes, List.copyOf(problems),
        List.of(), 0);
  }

  private Attr check(String path, DirEntry e) {
    int count = names.merge(e.ino(), 1, Integer::sum);
    if (count > 1) {
      Attr seen = attrs.get(e.ino());
      if (seen != null && seen.isDir()) {
        problem(path + ": second name of directory inode " + e.ino() + " (first: "
            + firstPath.get(e.ino()) + ")");
      }
      return null;
    }
    firstPath.put(e.ino(), path);
    Attr a;
    try {
      a = fs.getattr(e.ino());
    } catch (FsException ex) {
      problem(path + ": entry points at inode " + e.ino() + " which cannot be read: "
          + ex.getMessage());
      return null;
    }
    attrs.put(e.ino(), a);
    inodes++;
    progress.advance(1);
    if (e.type() != 0 && e.type() != a.type()) {
      problem(path + ": entry type " + e.type() + " but inode " + a.ino() + " has type " + a.type());
    }
    if (a.isSymlink()) {
      try {
        fs.readlink(a.ino());
      } catch (FsException ex) {
        problem(path + ": symlink target unreadable: " + ex.getMessage());
      }
    } else if (a.isReg()) {
      files++;
      bytes += a.size();
      if (readData) {
        readAll(path, a);
      }
    }
    return a;
  }

  private void readAll(String path, Attr a) {
    long fh;
    try {
      fh = fs.open(a.ino(), FileSystem.O_RDONLY);
    } catch (FsException ex) {
      problem(path + ": cannot open: " + ex.getMessage());
      return;
    }
    byte[] buf = new byte[1 << 20];
    try {
      long off = 0;
      while (off < a.size()) {
        int n = fs.read(fh, off, buf, 0, (int) Math.min(buf.length, a.size() - off));
        if (n <= 0) {
          problem(path + ": size " + a.size() + " but data ends at " + off);
          return;
        }
        off += n;
        chunksRead++;
      }
    } catch (RuntimeException ex) {
      problem(path + ": data unreadable: " + ex.getMessage());
    } finally {
      fs.release(fh);
    }
  }

  private void problem(String p) {
    problems.add(p);
  }
}
