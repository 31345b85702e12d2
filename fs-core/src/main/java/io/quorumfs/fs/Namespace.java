package io.quorumfs.fs;

import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import java.util.ArrayList;
import java.util.List;

/**
 * Names and attributes: lookup, getattr, creating nodes, link, unlink, rmdir, readdir. Each
 * operation is one {@link Meta#run} transaction.
 */
final class Namespace {
  /** What the namespace needs to know about this client's open files. */
  interface Opens {
    boolean isOpen(long ino);

    /** Marks an inode open here as one its last close must unhold; false if not open. */
    boolean markHeld(long ino);

    long sessionId();
  }

  private final Meta meta;
  private final Keys k;
  private final InodeAllocator inodes;
  private final Opens opens;
  private final int blksize;
  private final java.util.concurrent.atomic.AtomicLong uncheckedCreates =
      new java.util.concurrent.atomic.AtomicLong();

  Namespace(Meta meta, InodeAllocator inodes, Opens opens) {
    this.meta = meta;
    this.k = meta.keys;
    this.inodes = inodes;
    this.opens = opens;
    this.blksize = Math.max(4096, meta.config.chunkSize() / 4096 * 4096);
  }

  // ---- reading ----

  /** The inode record of {@code ino} as read in {@code tx} (no compare), or ENOENT. */
  Inode inode(Tx tx, long ino) {
    Versioned v = tx.get(k.attr(ino));
    if (!v.exists()) {
      throw new FsException(Errno.ENOENT, "inode " + ino + " does not exist");
    }
    return Inode.decode(ino, v.value());
  }

  /** Reads the inode and requires it unchanged at commit. */
  Inode inodeRequired(Tx tx, long ino) {
    Versioned v = tx.get(k.attr(ino));
    if (!v.exists()) {
      throw new FsException(Errno.ENOENT, "inode " + ino + " does not exist");
    }
    tx.require(v);
    return Inode.decode(ino, v.value());
  }

  /** A directory's inode, required unchanged (so it cannot vanish under a create). */
  Inode dirRequired(Tx tx, long ino) {
    Inode d = inodeRequired(tx, ino);
    if (!d.isDir()) {
      throw new FsException(Errno.ENOTDIR, "inode " + ino + " is a " + Mode.typeName(d.mode())
          + ", not a directory");
    }
    return d;
  }

  Attr getattr(long ino) {
    return meta.run("getattr", tx -> attrOf(tx, ino));
  }

  Attr attrOf(Tx tx, long ino) {
    Inode in = inode(tx, ino);
    if (!in.isDir()) {
      return toAttr(in, in.mtime(), in.ctime(), 0);
    }
    meta.delegs.guard(tx, ino, Delegations.Use.READ); // its mtime and nlink follow its entries
    List<Versioned> extra = tx.getAll(List.of(k.mtime(ino), k.subdirs(ino)));
    long m = Meta.longOf(extra.get(0));
    return toAttr(in, Math.max(in.mtime(), m), Math.max(in.ctime(), m), Meta.longOf(extra.get(1)));
  }

  Attr toAttr(Inode in, long mtime, long ctime, long subdirs) {
    boolean dir = in.isDir();
    long size = dir ? 4096 : in.size();
    int nlink = dir ? (int) Math.min(Integer.MAX_VALUE, 2 + subdirs) : in.nlink();
    return new Attr(in.ino(), in.mode(), nlink, in.uid(), in.gid(), in.rdev(), size,
        (size + 511) / 512, in.atime(), mtime, ctime, blksize);
  }

  long lookupIno(Tx tx, long parent, String name) {
    if (name.equals(".")) {
      Inode d = inode(tx, parent);
      checkDir(d);
      return parent;
    }
    if (name.equals("..")) {
      Inode d = inode(tx, parent);
      checkDir(d);
      return d.parent() == 0 ? parent : d.parent();
    }
    Names.check(name);
    meta.delegs.guard(tx, parent, Delegations.Use.READ);
    byte[] dkey = k.dentry(parent, name);
    if (!meta.cache.cached(dkey) && missedBefore(parent)) {
      // A second uncached name in one directory in a row (a cold client walking a directory):
      // load the entries from this name on in one scan rather than one read per name.
      meta.cache.scan(k.dirPrefix(parent), new KeyRange(dkey, k.dir(parent).end()), SCAN_AHEAD,
          null, dkey);
    }
    Versioned de = tx.get(dkey);
    if (!de.exists()) {
      checkDir(inode(tx, parent));
      throw new FsException(Errno.ENOENT, "no entry '" + name + "' in directory " + parent);
    }
    long ino = Names.dentryIno(de.value());
    prefetch(tx, ino, Names.dentryType(de.value()));
    return ino;
  }

  /** Entries loaded ahead by a lookup in a directory whose names miss the cache in a row. */
  static final int SCAN_AHEAD = 64;

  private volatile long lastMissDir = -1;
  private volatile long lastMissNanos;

  /** Records an uncached name in {@code dir}; true if the previous one (within 1 s) was there too. */
  private boolean missedBefore(long dir) {
    long now = System.nanoTime();
    boolean again = lastMissDir == dir && now - lastMissNanos < 1_000_000_000L;
    lastMissDir = dir;
    lastMissNanos = now;
    return again;
  }

  /**
   * A lookup that missed its inode loads, in one store read, what comes next by the dentry's
   * type: a directory's attributes with its mtime and subdirectory count (getattr needs all
   * three), a regular file's attributes with its first chunk-map entry (the read after an open
   * of a small file needs nothing else).
   */
  private void prefetch(Tx tx, long ino, int type) {
    byte[] attr = k.attr(ino);
    if (meta.cache.peek(attr) != null) {
      return;
    }
    if (type == Mode.S_IFDIR) {
      tx.getAll(List.of(attr, k.mtime(ino), k.subdirs(ino)));
    } else if (type == Mode.S_IFREG) {
      tx.getAll(List.of(attr, k.chunk(ino, 0)));
    }
  }

  Attr lookup(long parent, String name) {
    return meta.run("lookup", tx -> attrOf(tx, lookupIno(tx, parent, name)));
  }

  private static void checkDir(Inode d) {
    if (!d.isDir()) {
      throw new FsException(Errno.ENOTDIR, "inode " + d.ino() + " is a " + Mode.typeName(d.mode())
          + ", not a directory");
    }
  }

  DirPage readdir(long ino, String after, int limit) {
    if (limit <= 0) {
      throw new FsException(Errno.EINVAL, "readdir limit must be > 0, got " + limit);
    }
    meta.run("readdir", tx -> {
      meta.delegs.guard(tx, ino, Delegations.Use.READ);
      checkDir(inode(tx, ino));
      return null;
    });
    if (meta.delegs.holds(ino)) {
      meta.delegs.flush(); // the listing comes from the store's scan: this client's creates first
    }
    ScanPage page;
    try {
      page = meta.cache.scan(k.dirPrefix(ino), k.dir(ino), limit,
          after == null || after.isEmpty() ? null : k.dentry(ino, after), null);
    } catch (KvException e) {
      throw new FsException(Errno.EIO, "readdir of " + ino + ": " + e.getMessage(), e);
    }
    List<DirEntry> out = new ArrayList<>(page.entries().size());
    for (Versioned v : page.entries()) {
      out.add(new DirEntry(k.nameOfDentry(v.key()), Names.dentryIno(v.value()),
          Names.dentryType(v.value())));
    }
    return new DirPage(out, page.more());
  }

  // ---- creating ----

  /**
   * Creates {@code name} in {@code parent} as a new inode of {@code mode} (type bits included).
   * For a symlink {@code target} is stored with it.
   */
  Attr createNode(String what, long parent, String name, int mode, int uid, int gid, long rdev,
      String target) {
    Names.check(name);
    checkInodeLimit();
    long ino = inodes.next();
    // The new inode's ranges are empty and only this client can write under its number before
    // the commit below: negative lookups in a new directory, and reads of a new inode's counters,
    // lock table, xattrs and chunk map, need no store read.
    List<byte[]> ranges = new ArrayList<>(2);
    ranges.add(k.inodePrefix(ino));
    if (Mode.isDir(mode)) {
      ranges.add(k.dirPrefix(ino));
      ranges.add(k.delegPrefix(ino));
    } else if (Mode.type(mode) == Mode.S_IFREG) {
      ranges.add(k.chunkPrefix(ino));
    }
    ranges.forEach(meta.cache::markComplete);
    try {
      return createNode(what, ino, parent, name, mode, uid, gid, rdev, target);
    } catch (RuntimeException e) {
      ranges.forEach(meta.cache::forgetComplete);
      throw e;
    }
  }

  private Attr createNode(String what, long ino, long parent, String name, int mode, int uid,
      int gid, long rdev, String target) {
    java.util.function.Function<Tx, Attr> body = tx -> {
      meta.delegs.guard(tx, parent, Delegations.Use.WRITE);
      dirRequired(tx, parent);
      byte[] dkey = k.dentry(parent, name);
      Versioned de = tx.getOptimistic(dkey);
      if (de != null && de.exists()) {
        throw new FsException(Errno.EEXIST, "'" + name + "' already exists in directory " + parent);
      }
      tx.requireAbsent(dkey);
      long now = meta.now();
      boolean dir = Mode.isDir(mode);
      Inode in = new Inode(ino, mode, dir ? 2 : 1, uid, gid, rdev,
          target == null ? 0 : Keys.utf8(target).length, now, now, now, dir ? parent : 0);
      tx.put(k.attr(ino), in.encode());
      tx.put(dkey, Names.dentryValue(ino, mode));
      if (target != null) {
        tx.put(k.symlink(ino), Keys.utf8(target));
      }
      touchParent(tx, parent, now, +1, dir ? +1 : 0);
      tx.add(k.usedInodes(ino), 1);
      return toAttr(in, now, now, 0);
    };
    Attr a = meta.delegs.runLocal(parent, body);
    if (a != null) {
      return a;
    }
    a = meta.run(what, body);
    meta.delegs.noteWrite(parent);
    return a;
  }

  /** Parent bookkeeping with commutative ops only: entries, subdirs, mtime (= ctime). */
  void touchParent(Tx tx, long parent, long now, int entries, int subdirs) {
    if (entries != 0) {
      tx.add(k.entries(parent), entries);
    }
    if (subdirs != 0) {
      tx.add(k.subdirs(parent), subdirs);
    }
    tx.max(k.mtime(parent), now);
  }

  /**
   * ENOSPC at the inode limit. Summing the 16 counter shards costs 16 cache reads, so far from the
   * limit (over 2^20 inodes of room) the count is redone only every 1024 creates of this client.
   */
  private void checkInodeLimit() {
    if (uncheckedCreates.getAndDecrement() > 0) {
      return;
    }
    long used = 0;
    for (Versioned v : meta.cache.getAll(k.usedInodesShards())) {
      used += Meta.longOf(v);
    }
    long max = meta.config.maxInodes();
    if (used >= max) {
      uncheckedCreates.set(0);
      throw new FsException(Errno.ENOSPC, "inode limit of " + max + " reached");
    }
    uncheckedCreates.set(max - used > (1L << 20) ? 1024 : 0);
  }

  Attr link(long ino, long newParent, String newName) {
    Names.check(newName);
    return meta.run("link", tx -> {
      Inode in = inodeRequired(tx, ino);
      if (in.isDir()) {
        throw new FsException(Errno.EPERM, "cannot hard-link directory " + ino);
      }
      if (in.nlink() == 0) {
        throw new FsException(Errno.ENOENT, "inode " + ino + " was unlinked");
      }
      meta.delegs.guard(tx, newParent, Delegations.Use.WRITE);
      dirRequired(tx, newParent);
      byte[] dkey = k.dentry(newParent, newName);
      if (tx.get(dkey).exists()) {
        throw new FsException(Errno.EEXIST, "'" + newName + "' already exists in directory "
            + newParent);
      }
      tx.requireAbsent(dkey);
      long now = meta.now();
      Inode out = in.withNlink(in.nlink() + 1).withCtime(now);
      tx.put(k.attr(ino), out.encode());
      tx.put(dkey, Names.dentryValue(ino, in.mode()));
      touchParent(tx, newParent, now, +1, 0);
      return toAttr(out, out.mtime(), out.ctime(), 0);
    });
  }

  // ---- removing ----

  /**
   * Unlinks; returns the inode this client's hold was added for in the same commit (the file is
   * open here, see {@link #dropLink}), or 0.
   */
  long unlink(long parent, String name) {
    Names.check(name);
    return meta.run("unlink", tx -> {
      meta.delegs.guard(tx, parent, Delegations.Use.WRITE);
      byte[] dkey = k.dentry(parent, name);
      Versioned de = tx.get(dkey);
      if (!de.exists()) {
        checkDir(inode(tx, parent));
        throw new FsException(Errno.ENOENT, "no entry '" + name + "' in directory " + parent);
      }
      tx.require(de);
      long ino = Names.dentryIno(de.value());
      Inode in = inodeRequired(tx, ino);
      if (in.isDir()) {
        throw new FsException(Errno.EISDIR, "'" + name + "' in " + parent + " is a directory");
      }
      long now = meta.now();
      tx.delete(dkey);
      touchParent(tx, parent, now, -1, 0);
      return dropLink(tx, in, now);
    });
  }

  /**
   * One link of a non-directory goes; at zero the inode moves to the trash, held by this session
   * in the same txn if it is open here. Returns the inode so held, or 0: the last handle may close
   * before the txn commits (its unhold then finds nothing to drop), so the caller settles the hold
   * once the txn committed ({@link Holds#settleUnlinkHold}).
   */
  long dropLink(Tx tx, Inode in, long now) {
    Inode out = in.withNlink(Math.max(0, in.nlink() - 1)).withCtime(now);
    tx.put(k.attr(in.ino()), out.encode());
    if (out.nlink() == 0) {
      tx.put(k.trash(in.ino()), Keys.longBytes(now));
      if (opens.markHeld(in.ino())) {
        tx.put(k.sessionHold(opens.sessionId(), in.ino()), new byte[0]);
        tx.add(k.holds(in.ino()), 1);
        return in.ino();
      }
    }
    return 0;
  }

  void rmdir(long parent, String name) {
    Names.check(name);
    meta.run("rmdir", tx -> {
      meta.delegs.guard(tx, parent, Delegations.Use.WRITE);
      byte[] dkey = k.dentry(parent, name);
      Versioned de = tx.get(dkey);
      if (!de.exists()) {
        checkDir(inode(tx, parent));
        throw new FsException(Errno.ENOENT, "no entry '" + name + "' in directory " + parent);
      }
      tx.require(de);
      long ino = Names.dentryIno(de.value());
      Inode in = inodeRequired(tx, ino);
      if (!in.isDir()) {
        throw new FsException(Errno.ENOTDIR, "'" + name + "' in " + parent + " is a "
            + Mode.typeName(in.mode()));
      }
      meta.delegs.guard(tx, ino, Delegations.Use.REMOVE);
      requireEmpty(tx, ino, name);
      long now = meta.now();
      tx.delete(dkey);
      deleteDirKeys(tx, ino);
      meta.cache.forgetComplete(k.dirPrefix(ino));
      meta.cache.forgetComplete(k.inodePrefix(ino));
      meta.cache.forgetComplete(k.delegPrefix(ino));
      touchParent(tx, parent, now, -1, -1);
      return null;
    });
  }

  /** Requires directory {@code ino} to be empty, by the version of its entry counter. */
  void requireEmpty(Tx tx, long ino, String name) {
    Versioned n = tx.get(k.entries(ino));
    tx.require(n);
    if (Meta.longOf(n) != 0) {
      throw new FsException(Errno.ENOTEMPTY, "directory '" + name + "' (" + ino + ") has "
          + Meta.longOf(n) + " entries");
    }
  }

  /** Deletes every key of an empty directory inode (xattrs included, up to a bound). */
  void deleteDirKeys(Tx tx, long ino) {
    tx.delete(k.attr(ino));
    tx.delete(k.mtime(ino));
    tx.delete(k.entries(ino));
    tx.delete(k.subdirs(ino));
    tx.delete(k.locks(ino));
    ScanPage xs = meta.store.scan(k.xattrs(ino), Math.max(1, meta.batch() - 16), null);
    for (Versioned x : xs.entries()) {
      tx.delete(x.key());
    }
    tx.add(k.usedInodes(ino), -1);
  }
}
