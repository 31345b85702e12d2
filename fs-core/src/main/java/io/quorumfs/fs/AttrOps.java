package io.quorumfs.fs;

import io.quorumfs.kv.KvException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** setattr, access, xattrs and statfs. */
final class AttrOps {
  /** Adds to a txn what shrinking a file's chunk map to {@code newSize} takes. */
  interface Truncator {
    /** Prepares a large shrink in steps before the final txn (each step is a smaller truncate). */
    void shrinkInSteps(long ino, long newSize);

    void truncate(Tx tx, Inode in, long newSize);
  }

  private final Meta meta;
  private final Keys k;
  private final Namespace ns;
  private final Truncator truncator;

  AttrOps(Meta meta, Namespace ns, Truncator truncator) {
    this.meta = meta;
    this.k = meta.keys;
    this.ns = ns;
    this.truncator = truncator;
  }

  Attr setattr(long ino, SetAttr c) {
    if (c.size() != null) {
      long size = c.size();
      if (size < 0) {
        throw new FsException(Errno.EINVAL, "negative size " + size + " for inode " + ino);
      }
      if (size > FileSystem.MAX_FILE_SIZE) {
        throw new FsException(Errno.EFBIG, "size " + size + " exceeds the maximum file size "
            + FileSystem.MAX_FILE_SIZE);
      }
      truncator.shrinkInSteps(ino, size);
    }
    return meta.run("setattr", tx -> {
      Inode in = ns.inodeRequired(tx, ino);
      long now = meta.now();
      int mode = c.mode() == null ? in.mode() : (in.mode() & Mode.S_IFMT) | (c.mode() & Mode.PERM_MASK);
      int uid = c.uid() == null ? in.uid() : c.uid();
      int gid = c.gid() == null ? in.gid() : c.gid();
      long size = in.size();
      if (c.size() != null) {
        if (in.isDir()) {
          throw new FsException(Errno.EISDIR, "cannot set the size of directory " + ino);
        }
        if (!in.isReg()) {
          throw new FsException(Errno.EINVAL, "cannot set the size of a "
              + Mode.typeName(in.mode()) + " (" + ino + ")");
        }
        if (c.size() != size) {
          truncator.truncate(tx, in, c.size());
          tx.add(k.usedBytes(ino), c.size() - size);
          size = c.size();
        }
      }
      long atime = c.atimeNs() == null ? in.atime() : c.atimeNs() == SetAttr.NOW ? now : c.atimeNs();
      long mtime = c.mtimeNs() == null ? in.mtime() : c.mtimeNs() == SetAttr.NOW ? now : c.mtimeNs();
      if (c.size() != null && c.mtimeNs() == null && c.size() != in.size()) {
        mtime = now;
      }
      Inode out = in.with(mode, uid, gid, size, atime, mtime, now);
      tx.put(k.attr(ino), out.encode());
      if (in.isDir() && c.mtimeNs() != null) {
        tx.put(k.mtime(ino), io.quorumfs.kv.Bytes.ofLong(mtime));
      }
      if (in.isDir()) {
        List<Versioned> extra = tx.getAll(List.of(k.mtime(ino), k.subdirs(ino)));
        long m = c.mtimeNs() != null ? mtime : Math.max(mtime, Meta.longOf(extra.get(0)));
        return ns.toAttr(out, m, Math.max(now, m), Meta.longOf(extra.get(1)));
      }
      return ns.toAttr(out, mtime, now, 0);
    });
  }

  void access(long ino, int mask, int uid, int[] gids) {
    Attr a = ns.getattr(ino);
    if (mask == FileSystem.F_OK) {
      return;
    }
    int perm;
    if (uid == 0) {
      boolean anyX = (a.mode() & 0111) != 0 || a.isDir();
      if ((mask & FileSystem.X_OK) != 0 && !anyX) {
        throw new FsException(Errno.EACCES, "no execute bit on inode " + ino);
      }
      return;
    }
    if (a.uid() == uid) {
      perm = (a.mode() >> 6) & 7;
    } else if (inGroup(a.gid(), gids)) {
      perm = (a.mode() >> 3) & 7;
    } else {
      perm = a.mode() & 7;
    }
    if ((perm & mask) != mask) {
      throw new FsException(Errno.EACCES, "uid " + uid + " lacks access " + mask + " to inode "
          + ino + " (mode 0" + Integer.toOctalString(a.perm()) + ", owner " + a.uid() + ":"
          + a.gid() + ")");
    }
  }

  private static boolean inGroup(int gid, int[] gids) {
    if (gids != null) {
      for (int g : gids) {
        if (g == gid) {
          return true;
        }
      }
    }
    return false;
  }

  // ---- xattrs ----

  private static void checkXattrName(String name) {
    if (name == null || name.isEmpty()) {
      throw new FsException(Errno.ERANGE, "empty xattr name");
    }
    int n = name.getBytes(StandardCharsets.UTF_8).length;
    if (n > FileSystem.XATTR_NAME_MAX) {
      throw new FsException(Errno.ERANGE, "xattr name of " + n + " bytes exceeds "
          + FileSystem.XATTR_NAME_MAX);
    }
    if (name.indexOf('\0') >= 0) {
      throw new FsException(Errno.EINVAL, "xattr name contains NUL");
    }
  }

  byte[] getxattr(long ino, String name) {
    checkXattrName(name);
    return meta.run("getxattr", tx -> {
      ns.inode(tx, ino);
      Versioned v = tx.get(k.xattr(ino, name));
      if (!v.exists()) {
        throw new FsException(Errno.ENODATA, "no xattr '" + name + "' on inode " + ino);
      }
      return v.value().clone();
    });
  }

  void setxattr(long ino, String name, byte[] value, int flags) {
    checkXattrName(name);
    if (value.length > FileSystem.XATTR_SIZE_MAX) {
      throw new FsException(Errno.E2BIG, "xattr value of " + value.length + " bytes exceeds "
          + FileSystem.XATTR_SIZE_MAX);
    }
    if (flags != 0 && flags != FileSystem.XATTR_CREATE && flags != FileSystem.XATTR_REPLACE) {
      throw new FsException(Errno.EINVAL, "bad setxattr flags " + flags);
    }
    byte[] copy = value.clone();
    meta.run("setxattr", tx -> {
      Inode in = ns.inodeRequired(tx, ino);
      Versioned v = tx.get(k.xattr(ino, name));
      if (v.exists() && flags == FileSystem.XATTR_CREATE) {
        throw new FsException(Errno.EEXIST, "xattr '" + name + "' exists on inode " + ino);
      }
      if (!v.exists() && flags == FileSystem.XATTR_REPLACE) {
        throw new FsException(Errno.ENODATA, "no xattr '" + name + "' on inode " + ino);
      }
      tx.require(v);
      tx.put(k.xattr(ino, name), copy);
      tx.put(k.attr(ino), in.withCtime(meta.now()).encode());
      return null;
    });
  }

  List<String> listxattr(long ino) {
    ns.getattr(ino);
    List<String> out = new ArrayList<>();
    byte[] after = null;
    try {
      while (true) {
        ScanPage p = meta.store.scan(k.xattrs(ino), 1000, after);
        for (Versioned v : p.entries()) {
          out.add(k.xattrNameOf(v.key()));
        }
        if (!p.more() || p.entries().isEmpty()) {
          return out;
        }
        after = p.next();
      }
    } catch (KvException e) {
      throw new FsException(Errno.EIO, "listxattr of " + ino + ": " + e.getMessage(), e);
    }
  }

  void removexattr(long ino, String name) {
    checkXattrName(name);
    meta.run("removexattr", tx -> {
      Inode in = ns.inodeRequired(tx, ino);
      Versioned v = tx.get(k.xattr(ino, name));
      if (!v.exists()) {
        throw new FsException(Errno.ENODATA, "no xattr '" + name + "' on inode " + ino);
      }
      tx.require(v);
      tx.delete(k.xattr(ino, name));
      tx.put(k.attr(ino), in.withCtime(meta.now()).encode());
      return null;
    });
  }

  private long sum(List<byte[]> shards) {
    long n = 0;
    for (Versioned v : meta.cache.getAll(shards)) {
      n += Meta.longOf(v);
    }
    return n;
  }

  /** Inodes in use, summed over the counter shards. */
  long usedInodes() {
    return sum(k.usedInodesShards());
  }

  StatFs statfs() {
    long bsize = 4096;
    long blocks = meta.config.capacityBytes() / bsize;
    long used = Math.max(0, sum(k.usedBytesShards())) / bsize;
    long files = meta.config.maxInodes();
    long usedFiles = Math.max(0, sum(k.usedInodesShards()));
    long bfree = Math.max(0, blocks - used);
    return new StatFs(bsize, bsize, blocks, bfree, bfree, files, Math.max(0, files - usedFiles),
        FileSystem.NAME_MAX);
  }
}
