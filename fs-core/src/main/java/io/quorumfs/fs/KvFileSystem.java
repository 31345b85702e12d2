package io.quorumfs.fs;

import java.util.ArrayList;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Versioned;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link FileSystem} over a {@link KvStore} and a {@link BlobStore}: wires the parts. */
final class KvFileSystem implements FileSystem {
  private static final Logger log = LoggerFactory.getLogger(KvFileSystem.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Meta meta;
  private final Keys k;
  private final FsConfig config;
  private final MetaCache cache;
  private final FileData data;
  private final Namespace ns;
  private final AttrOps attrs;
  private final Renamer renamer;
  private final Sessions sessions;
  private final Holds holds;
  private final Locks locks;
  private final Paths paths;
  private final ExecutorService prefetch;
  private final ExecutorService uploads;
  private final ScheduledExecutorService background;
  private volatile boolean closed;

  private KvFileSystem(KvStore kv, BlobStore blobs, FsConfig config) {
    KvStore store = new CountingStore(kv, config.metrics());
    this.config = config;
    this.k = new Keys(config.keyPrefix());
    this.cache = new MetaCache(store, config.cacheEntries(), config.cacheBytes(), config.metrics(), k::rangeOf);
    this.meta = new Meta(store, cache, k, config);
    Format.ensure(meta);
    cache.start();
    this.prefetch = Executors.newFixedThreadPool(2, r -> daemon(r, "quorumfs-readahead"));
    java.util.concurrent.ScheduledThreadPoolExecutor bg =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> daemon(r, "quorumfs-session"));
    bg.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // hold retries end with the session
    this.background = bg;
    // Chunk uploads wait on the blob store (an fsync per chunk for file://): more threads than cores.
    this.uploads = Executors.newFixedThreadPool(4, r -> daemon(r, "quorumfs-upload"));
    this.data = new FileData(meta, blobs, prefetch, uploads);
    this.ns = new Namespace(meta, new InodeAllocator(meta), data);
    this.attrs = new AttrOps(meta, ns, data);
    this.renamer = new Renamer(meta, ns);
    this.holds = new Holds(meta, data, background, cache.fed());
    this.sessions = Sessions.start(meta, holds);
    data.setSession(sessions.id());
    meta.delegs.start(sessions.id());
    this.locks = new Locks(meta, sessions, data);
    this.paths = new Paths(meta, ns, this::readlink);
    cache.observe(this::onFeed);
    if (config.background()) {
      long period = Math.max(50, Math.min(config.sessionTtl().toMillis() / 3, 5_000));
      background.scheduleWithFixedDelay(this::maintainQuietly, period, period, TimeUnit.MILLISECONDS);
    }
  }

  static KvFileSystem open(KvStore meta, BlobStore blobs, FsConfig config) {
    return new KvFileSystem(meta, blobs, config);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  }

  /** Feed observer: lock waiters, and holds on inodes this client has open that got unlinked. */
  private void onFeed(ChangeEvent e) {
    locks.onEvent(e);
    holds.onEvent(e);
    meta.delegs.onEvent(e);
  }

  private void maintainQuietly() {
    try {
      maintain();
    } catch (RuntimeException e) {
      if (!closed) { // at close, a round cut short by the shutdown is expected, not a failure
        log.warn("session maintenance failed; will retry", e);
      }
    }
  }

  /** One round of background work: heartbeat, expire dead sessions, reclaim the trash. */
  void maintain() {
    sessions.heartbeat();
    sessions.expireOthers();
    sessions.reclaimTrash();
  }

  Sessions sessions() {
    return sessions;
  }

  MetaCache cache() {
    return cache;
  }

  // ---- names and attributes ----

  @Override
  public Attr lookup(long parent, String name) {
    Attr a = ns.lookup(parent, name);
    return a.isReg() ? getattr(a.ino()) : a; // the size as getattr answers it (see there)
  }

  /**
   * The attributes with this client's uncommitted writes in the size. The pending end is read
   * before the committed attributes: a flush ending between the two reads is then in the second.
   * (Read the other way round, a size answered during a flush's commit was the old one, and the
   * kernel shrank its own file size to it and cut later reads short.)
   */
  @Override
  public void barrier() {
    cache.barrier(config.barrierTimeout().toNanos());
  }

  @Override
  public long attrVersion(long ino) {
    if (meta.delegs.pending(k.attr(ino)) != null) {
      meta.delegs.flush(); // a version is a committed one: a delegated create commits first
    }
    Versioned v = cache.get(k.attr(ino));
    if (!v.exists()) {
      throw new FsException(Errno.ENOENT, "inode " + ino + " does not exist");
    }
    return v.version();
  }

  @Override
  public Attr getattr(long ino) {
    long end = data.pendingEnd(ino);
    return withPending(ns.getattr(ino), end);
  }

  private static Attr withPending(Attr a, long end) {
    if (!a.isReg() || end <= a.size()) {
      return a;
    }
    return new Attr(a.ino(), a.mode(), a.nlink(), a.uid(), a.gid(), a.rdev(), end,
        (end + 511) / 512, a.atimeNs(), a.mtimeNs(), a.ctimeNs(), a.blksize());
  }

  @Override
  public Attr setattr(long ino, SetAttr changes) {
    // This client's buffered writes go first, so explicit times (cp -a, tar) and sizes win over
    // the mtime and size a later flush would otherwise stamp. Cheap when nothing is buffered.
    data.flushInode(ino);
    return attrs.setattr(ino, changes);
  }

  @Override
  public void access(long ino, int mask, int uid, int[] gids) {
    attrs.access(ino, mask, uid, gids);
  }

  // ---- creating and removing ----

  @Override
  public Attr mknod(long parent, String name, int mode, int uid, int gid, long rdev) {
    int type = Mode.type(mode);
    if (type == 0) {
      mode |= Mode.S_IFREG;
    } else if (type == Mode.S_IFDIR || type == Mode.S_IFLNK) {
      throw new FsException(Errno.EINVAL, "mknod cannot create a " + Mode.typeName(mode));
    }
    return ns.createNode("mknod", parent, name, mode, uid, gid, rdev, null);
  }

  @Override
  public Opened create(long parent, String name, int mode, int uid, int gid, int flags) {
    Attr a;
    try {
      a = ns.createNode("create", parent, name, Mode.S_IFREG | (mode & Mode.PERM_MASK), uid, gid,
          0, null);
    } catch (FsException e) {
      if (e.errno() != Errno.EEXIST || (flags & O_EXCL) != 0) {
        throw e;
      }
      Attr existing = ns.lookup(parent, name);
      if (existing.isDir()) {
        throw new FsException(Errno.EISDIR, "'" + name + "' in " + parent + " is a directory");
      }
      long fh = open(existing.ino(), flags);
      return new Opened(getattr(existing.ino()), fh);
    }
    OpenFile h = data.register(a.ino(), flags & ~O_TRUNC);
    return new Opened(a, h.fh);
  }

  @Override
  public Attr mkdir(long parent, String name, int mode, int uid, int gid) {
    return ns.createNode("mkdir", parent, name, Mode.S_IFDIR | (mode & Mode.PERM_MASK), uid, gid,
        0, null);
  }

  @Override
  public Attr symlink(long parent, String name, String target, int uid, int gid) {
    if (target == null || target.isEmpty()) {
      throw new FsException(Errno.EINVAL, "empty symlink target");
    }
    int n = Keys.utf8(target).length;
    if (n >= PATH_MAX) {
      throw new FsException(Errno.ENAMETOOLONG, "symlink target of " + n + " bytes exceeds "
          + (PATH_MAX - 1));
    }
    if (target.indexOf('\0') >= 0) {
      throw new FsException(Errno.EINVAL, "symlink target contains NUL");
    }
    return ns.createNode("symlink", parent, name, Mode.S_IFLNK | 0777, uid, gid, 0, target);
  }

  @Override
  public String readlink(long ino) {
    return meta.run("readlink", tx -> {
      Inode in = ns.inode(tx, ino);
      if (!Mode.isLink(in.mode())) {
        throw new FsException(Errno.EINVAL, "inode " + ino + " is a " + Mode.typeName(in.mode())
            + ", not a symlink");
      }
      Versioned v = tx.get(k.symlink(ino));
      if (!v.exists()) {
        throw new FsException(Errno.EIO, "symlink " + ino + " has no target");
      }
      return new String(v.value(), java.nio.charset.StandardCharsets.UTF_8);
    });
  }

  @Override
  public Attr link(long ino, long newParent, String newName) {
    return ns.link(ino, newParent, newName);
  }

  @Override
  public void unlink(long parent, String name) {
    holds.settleUnlinkHold(ns.unlink(parent, name));
  }

  @Override
  public void rmdir(long parent, String name) {
    ns.rmdir(parent, name);
  }

  @Override
  public void rename(long oldParent, String oldName, long newParent, String newName, int flags) {
    holds.settleUnlinkHold(renamer.rename(oldParent, oldName, newParent, newName, flags));
  }

  @Override
  public DirPage readdir(long ino, String after, int limit) {
    return ns.readdir(ino, after, limit);
  }

  // ---- xattrs, statfs ----

  @Override
  public byte[] getxattr(long ino, String name) {
    return attrs.getxattr(ino, name);
  }

  @Override
  public void setxattr(long ino, String name, byte[] value, int flags) {
    attrs.setxattr(ino, name, value, flags);
  }

  @Override
  public List<String> listxattr(long ino) {
    return attrs.listxattr(ino);
  }

  @Override
  public void removexattr(long ino, String name) {
    attrs.removexattr(ino, name);
  }

  @Override
  public StatFs statfs() {
    return attrs.statfs();
  }

  // ---- data ----

  @Override
  public long open(long ino, int flags) {
    int acc = flags & O_ACCMODE;
    if (acc == O_ACCMODE) {
      throw new FsException(Errno.EINVAL, "bad access mode in open flags 0" + Integer.toOctalString(flags));
    }
    barrier();
    Inode in = meta.run("open", tx -> ns.inode(tx, ino));
    boolean writable = acc != O_RDONLY;
    if (in.isDir() && writable) {
      throw new FsException(Errno.EISDIR, "inode " + ino + " is a directory");
    }
    if (!in.isDir() && (flags & O_DIRECTORY) != 0) {
      throw new FsException(Errno.ENOTDIR, "inode " + ino + " is not a directory");
    }
    OpenFile h = data.register(ino, flags);
    try {
      if ((flags & O_TRUNC) != 0 && writable && in.isReg() && in.size() > 0) {
        attrs.setattr(ino, SetAttr.size(0));
      }
      // Read again now that the handle is registered (a cache hit): an unlink the feed showed
      // before the registration found no handle to hold for (Holds), so this open holds itself.
      Inode now = meta.run("open", tx -> ns.inode(tx, ino));
      if (now.nlink() == 0 && meta.cache.get(k.trash(ino)).exists() && data.markHeld(ino)
          && !holds.holdForOpen(ino)) {
        throw new FsException(Errno.ENOENT, "inode " + ino + " was unlinked and reclaimed");
      }
    } catch (RuntimeException e) {
      release(h.fh);
      throw e;
    }
    return h.fh;
  }

  @Override
  public int read(long fh, long offset, byte[] dst, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, dst.length);
    OpenFile h = usable(fh);
    if (data.pendingEnd(h.ino) > 0) {
      data.flushInode(h.ino);
    }
    long size = meta.run("read", tx -> ns.inode(tx, h.ino)).size();
    return data.read(h, offset, dst, off, len, size);
  }

  /** The bound on this client's buffered write bytes (tests). */
  WriteBudget writeBudget() {
    return data.budget();
  }

  @Override
  public int write(long fh, long offset, byte[] src, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, src.length);
    OpenFile h = usable(fh);
    return data.write(h, offset, src, off, len, () -> meta.run("append", tx -> ns.inode(tx, h.ino)).size());
  }

  @Override
  public void flush(long fh) {
    data.flush(usable(fh));
  }

  @Override
  public void fsync(long fh, boolean dataOnly) {
    data.flush(usable(fh));
    meta.delegs.flush();
  }

  @Override
  public void syncfs() {
    meta.delegs.flush();
  }

  /** This client's directory delegations (tests). */
  Delegations delegations() {
    return meta.delegs;
  }

  @Override
  public void release(long fh) {
    OpenFile h;
    try {
      h = data.handle(fh);
    } catch (FsException e) {
      return;
    }
    try {
      data.flush(h);
    } finally {
      for (long owner : h.flockOwners) {
        try {
          locks.releaseOwner(h.ino, owner, LockTable.FLOCK);
        } catch (RuntimeException e) {
          log.warn("releasing flock of owner {} on inode {}", owner, h.ino, e);
        }
      }
      if (data.unregister(h)) {
        holds.unhold(h.ino);
        if (config.reclaimOnClose()) {
          sessions.reclaim(h.ino);
        }
      }
    }
  }

  @Override
  public void fallocate(long fh, int mode, long offset, long length) {
    OpenFile h = usable(fh);
    if (!h.writable) {
      throw new FsException(Errno.EBADF, "handle " + fh + " is not open for writing");
    }
    if (offset < 0 || length <= 0) {
      throw new FsException(Errno.EINVAL, "fallocate range " + offset + "+" + length);
    }
    if ((mode & ~FALLOC_FL_KEEP_SIZE) != 0) {
      throw new FsException(Errno.EOPNOTSUPP, "fallocate mode " + mode + " is not supported");
    }
    if (offset + length > MAX_FILE_SIZE || offset + length < 0) {
      throw new FsException(Errno.EFBIG, "fallocate to " + offset + "+" + length
          + " passes the maximum file size");
    }
    if ((mode & FALLOC_FL_KEEP_SIZE) != 0) {
      return;
    }
    data.flushInode(h.ino);
    long end = offset + length;
    if (getattr(h.ino).size() < end) {
      meta.run("fallocate", tx -> {
        Inode in = ns.inodeRequired(tx, h.ino);
        if (in.size() < end) {
          tx.put(k.attr(h.ino), in.withSize(end).withCtime(meta.now()).encode());
          tx.add(k.usedBytes(h.ino), end - in.size());
        }
        return null;
      });
    }
  }

  // ---- locks ----

  @Override
  public void flock(long fh, long owner, int op) {
    OpenFile h = lockingThrough(fh, owner);
    locks.flock(h.ino, owner, op);
    synchronized (h) {
      if ((op & LOCK_UN) != 0) {
        h.flockOwners.remove(owner);
      } else {
        h.flockOwners.add(owner);
      }
    }
  }

  @Override
  public FileLock getlk(long fh, long owner, FileLock lock) {
    return locks.getlk(usable(fh).ino, owner, lock);
  }

  @Override
  public void setlk(long fh, long owner, FileLock lock, boolean wait) {
    locks.setlk(lockingThrough(fh, owner).ino, owner, lock, wait);
  }

  /** The handle, unless a lock taken through it was lost (EIO: see {@link Locks}). */
  private OpenFile usable(long fh) {
    OpenFile h = data.handle(fh);
    if (h.locksLost) {
      throw new FsException(Errno.EIO, "a lock taken through handle " + fh + " on inode " + h.ino
          + " was lost: another client expired this session");
    }
    return h;
  }

  /** {@link #usable}, noting that {@code owner} asks for a lock through it (before it may hold one). */
  private OpenFile lockingThrough(long fh, long owner) {
    OpenFile h = usable(fh);
    synchronized (h) {
      h.lockOwners.add(owner);
    }
    return h;
  }

  // ---- paths ----

  @Override
  public Attr resolve(String path) {
    return getattr(paths.resolve(path, false));
  }

  @Override
  public Attr resolveFollow(String path) {
    return getattr(paths.resolve(path, true));
  }

  @Override
  public ParentAndName resolveParent(String path) {
    return paths.parent(path);
  }

  @Override
  public long sessionId() {
    return sessions.id();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<Long> lost = new ArrayList<>();
    RuntimeException firstLoss = null;
    for (OpenFile h : data.allHandles()) {
      try {
        release(h.fh);
      } catch (RuntimeException e) {
        log.error("flushing handle {} of inode {} at close failed; its writes are lost", h.fh, h.ino, e);
        lost.add(h.ino);
        firstLoss = firstLoss == null ? e : firstLoss;
      }
    }
    try {
      meta.delegs.close(); // commits what is queued and releases the delegations
    } catch (RuntimeException e) {
      log.error("committing delegated operations at close failed", e);
      firstLoss = firstLoss == null ? e : firstLoss;
    }
    holds.close();
    background.shutdown(); // let a running maintenance round finish its commit (bounded below)
    try {
      if (!background.awaitTermination(2, TimeUnit.SECONDS)) {
        background.shutdownNow();
      }
    } catch (InterruptedException e) {
      background.shutdownNow();
      Thread.currentThread().interrupt();
    }
    prefetch.shutdownNow();
    uploads.shutdown(); // uploads still running belong to no commit now (orphans for the blob GC)
    try {
      sessions.endOwn();
    } catch (RuntimeException e) {
      log.warn("ending session {} failed; others will expire it", sessions.id(), e);
    }
    cache.close();
    if (firstLoss != null) {
      throw new FsException(Errno.EIO, "closing the file system lost the pending writes of inodes "
          + lost + ": " + firstLoss.getMessage(), firstLoss);
    }
  }
}
