package io.quorumfs.fuse;

import io.quorumfs.fs.Attr;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.Mode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link MountTable} made live: resolves FUSE paths to (file system, inode) by one {@link
 * FileSystem#lookup} per component from the entry's directory (answered from fs-core's cache),
 * and makes up the read-only directories that lead to entries. Immutable after construction.
 */
final class Namespace {
  /** Top bits of st_ino that say which file system (or the made-up directories) an inode is from. */
  private static final int INO_SHIFT = 52;
  private static final long SYNTHETIC_TAG = 0xFFFL << INO_SHIFT;

  /** One file system of the table. {@code inoTag} is or-ed into its inode numbers. */
  record Volume(FileSystem fs, long inoTag) {
    long stIno(long ino) {
      return ino | inoTag;
    }
  }

  /** A mounted entry: the file system directory shown at {@code at}. */
  private record Mounted(String at, Volume vol, long baseIno) {}

  /**
   * A resolved path: in a volume ({@code vol} non-null) or a made-up directory ({@code vol} null,
   * {@code ino} its st_ino). {@code entryRoot}: the path is a mount entry's own directory.
   */
  record Node(Volume vol, long ino, Attr attr, boolean entryRoot) {
    boolean synthetic() {
      return vol == null;
    }

    /** The inode number the kernel sees. */
    long stIno() {
      return vol == null ? ino : vol.stIno(ino);
    }

    FileSystem fs() {
      if (vol == null) {
        throw new Refused(Errors.EROFS, "a read-only directory made up by the mount table");
      }
      return vol.fs();
    }
  }

  /** Where a name is to be created, removed or renamed. */
  record Target(Volume vol, long parent, String name) {}

  private final List<Mounted> mounted = new ArrayList<>(); // longest 'at' first
  private final Map<String, Long> syntheticDirs = new HashMap<>(); // path -> st_ino
  private final Map<String, Set<String>> childNames = new HashMap<>(); // dir path -> names of entries/synthetic dirs in it
  private final List<Volume> volumes = new ArrayList<>();
  private final long syntheticTimeNs;
  private final LongSupplier clock;

  private static final long DIR_CACHE_NANOS = 1_000_000_000L;
  private static final int DIR_CACHE_MAX = 100_000;

  /** {@code started}: when its resolution began (a ticket); a later-started one replaces it, never an earlier one. */
  private record CachedDir(FileSystem fs, long ino, long expiresNanos, long started) {}

  private final java.util.concurrent.atomic.AtomicLong resolutions = new java.util.concurrent.atomic.AtomicLong();

  private final ConcurrentHashMap<String, CachedDir> dirCache = new ConcurrentHashMap<>();

  Namespace(MountTable table, long nowNs) {
    this(table, nowNs, System::nanoTime);
  }

  Namespace(MountTable table, long nowNs, LongSupplier nanoClock) {
    this.syntheticTimeNs = nowNs;
    this.clock = nanoClock;
    Map<FileSystem, Volume> byFs = new IdentityHashMap<>();
    for (MountTable.Entry e : table.entries()) {
      byFs.computeIfAbsent(e.fs(), fs -> {
        Volume v = new Volume(fs, (long) byFs.size() << INO_SHIFT);
        volumes.add(v);
        return v;
      });
    }
    for (MountTable.Entry e : table.entries()) {
      Attr base = e.fs().resolve(e.subdir());
      if (!base.isDir()) {
        throw new IllegalArgumentException("Mount table entry " + e.at() + ": " + e.subdir() + " is not a directory");
      }
      mounted.add(new Mounted(e.at(), byFs.get(e.fs()), base.ino()));
    }
    mounted.sort((a, b) -> Integer.compare(b.at().length(), a.at().length()));
    for (Mounted m : mounted) {
      String child = m.at();
      while (!child.equals("/")) {
        String parent = parentPath(child);
        childNames.computeIfAbsent(parent, k -> new LinkedHashSet<>()).add(lastName(child));
        if (covering(parent) == null && !syntheticDirs.containsKey(parent)) {
          syntheticDirs.put(parent, SYNTHETIC_TAG | (syntheticDirs.size() + 1));
        }
        child = parent;
      }
    }
  }

  List<Volume> volumes() {
    return volumes;
  }

  /** Resolves {@code path} without following a final symlink. */
  Node resolve(String path) {
    Long synthetic = syntheticDirs.get(path);
    if (synthetic != null) {
      return new Node(null, synthetic, syntheticAttr(synthetic), false);
    }
    Mounted m = covering(path);
    if (m == null) {
      throw new Refused(Errors.ENOENT, "no mount table entry covers " + path);
    }
    FileSystem fs = m.vol().fs();
    long started = resolutions.incrementAndGet();
    if (path.length() == m.at().length()) {
      return new Node(m.vol(), m.baseIno(), fs.getattr(m.baseIno()), true);
    }
    CachedDir cachedParent = cachedParent(fs, path, m);
    Attr attr = null;
    if (cachedParent != null) {
      attr = fs.lookup(cachedParent.ino(), lastName(path)); // ENOENT here is as fresh as a hit
      started = Math.min(started, cachedParent.started()); // no fresher than the parent it came from
    } else {
      long ino = m.baseIno();
      int start = m.at().equals("/") ? 1 : m.at().length() + 1;
      while (start <= path.length()) {
        int slash = path.indexOf('/', start);
        int end = slash < 0 ? path.length() : slash;
        attr = fs.lookup(ino, path.substring(start, end));
        ino = attr.ino();
        start = end + 1;
      }
    }
    if (attr.isDir()) {
      if (dirCache.size() >= DIR_CACHE_MAX) {
        dirCache.clear();
      }
      // Concurrent walks may finish out of order: keep the one that began last, so a walk that
      // began before another client's rename cannot overwrite what a walk after it found.
      dirCache.merge(path, new CachedDir(fs, attr.ino(), clock.getAsLong() + DIR_CACHE_NANOS, started),
          (old, now) -> now.started() > old.started() ? now : old);
    }
    return new Node(m.vol(), attr.ino(), attr, false);
  }

  /**
   * The kernel resolves a path one LOOKUP per component, top down, and libfuse hands us each
   * prefix as a full path, so resolving every one from the entry's root would cost d(d+1)/2
   * lookups. Instead each directory resolved in the last second remembers its inode, and its
   * children are looked up from there: the walk that reaches a child has just refreshed its
   * parent. A miss or an expired entry falls back to the full walk; a local rename or rmdir drops
   * the entries below it.
   */
  private CachedDir cachedParent(FileSystem fs, String path, Mounted m) {
    String parent = parentPath(path);
    if (parent.length() <= m.at().length()) {
      return null;
    }
    CachedDir dir = dirCache.get(parent);
    if (dir == null || dir.fs() != fs || clock.getAsLong() - dir.expiresNanos() > 0) {
      return null;
    }
    return dir;
  }

  /**
   * Takes the read barrier of the file system {@code path} is in (made-up directories have none):
   * lookups after it see every change committed before it began.
   */
  void barrier(String path) {
    if (syntheticDirs.containsKey(path)) {
      return;
    }
    Mounted m = covering(path);
    if (m != null) {
      m.vol().fs().barrier();
    }
  }

  /**
   * The st_ino of ".." in directory {@code path} (resolved as {@code dir}): its parent's; the
   * mount's root is its own parent, and a mount table entry's parent is the directory it is shown
   * in, not its parent in its own file system.
   */
  long parentStIno(String path, Node dir) {
    if (path.equals("/")) {
      return dir.stIno();
    }
    if (dir.synthetic() || dir.entryRoot()) {
      return resolve(parentPath(path)).stIno();
    }
    return dir.vol().stIno(dir.fs().lookup(dir.ino(), "..").ino());
  }

  /** Drops cached directories at or below {@code path} (after a local rename or rmdir of it). */
  void forget(String path) {
    if (!dirCache.containsKey(path)) {
      return;
    }
    String below = path + "/";
    dirCache.keySet().removeIf(k -> k.equals(path) || k.startsWith(below));
  }

  /** The directory and name {@code path} names, for an operation that changes that name. */
  Target target(String path, int errnoIfEntryRoot) {
    if (path.equals("/") || syntheticDirs.containsKey(path) || isEntryRoot(path)) {
      throw new Refused(errnoIfEntryRoot, path + " is a mount table entry or a directory leading to one");
    }
    Node parent = resolve(parentPath(path));
    if (parent.synthetic()) {
      throw new Refused(Errors.EROFS, parentPath(path) + " is a read-only directory made up by the mount table");
    }
    if (!parent.attr().isDir()) {
      throw new Refused(Errors.ENOTDIR, parentPath(path) + " is not a directory");
    }
    return new Target(parent.vol(), parent.ino(), lastName(path));
  }

  /** Names of mount entries and made-up directories directly inside directory {@code path}. */
  Set<String> childMounts(String path) {
    return childNames.getOrDefault(path, Set.of());
  }

  Attr syntheticAttr(long stIno) {
    return new Attr(stIno, Mode.S_IFDIR | 0555, 2, 0, 0, 0, 4096, 8, syntheticTimeNs, syntheticTimeNs,
        syntheticTimeNs, 4096);
  }

  private boolean isEntryRoot(String path) {
    for (Mounted m : mounted) {
      if (m.at().equals(path)) {
        return true;
      }
    }
    return false;
  }

  private Mounted covering(String path) {
    for (Mounted m : mounted) {
      String at = m.at();
      if (at.equals("/") || path.equals(at) || (path.startsWith(at) && path.charAt(at.length()) == '/')) {
        return m;
      }
    }
    return null;
  }

  static String parentPath(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  static String lastName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
