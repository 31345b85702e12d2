package io.quorumfs.fs;

import io.quorumfs.kv.Versioned;

/**
 * rename(2) as one transaction, with RENAME_NOREPLACE and RENAME_EXCHANGE. A directory moving to
 * another parent has the chain of ancestors of its new parent checked (and required unchanged), so
 * two concurrent renames that would together make a cycle cannot both commit.
 */
final class Renamer {
  private final Meta meta;
  private final Keys k;
  private final Namespace ns;

  Renamer(Meta meta, Namespace ns) {
    this.meta = meta;
    this.k = meta.keys;
    this.ns = ns;
  }

  /**
   * Renames; returns the inode this client's hold was added for in the same commit (a replaced
   * file open here, see {@link Namespace#dropLink}), or 0.
   */
  long rename(long oldParent, String oldName, long newParent, String newName, int flags) {
    if ((flags & ~(FileSystem.RENAME_NOREPLACE | FileSystem.RENAME_EXCHANGE)) != 0
        || flags == (FileSystem.RENAME_NOREPLACE | FileSystem.RENAME_EXCHANGE)) {
      throw new FsException(Errno.EINVAL, "bad rename flags " + flags);
    }
    Names.check(oldName);
    Names.check(newName);
    boolean exchange = (flags & FileSystem.RENAME_EXCHANGE) != 0;
    boolean noReplace = (flags & FileSystem.RENAME_NOREPLACE) != 0;
    return meta.run("rename", tx -> {
      meta.delegs.guard(tx, oldParent, Delegations.Use.WRITE);
      if (newParent != oldParent) {
        meta.delegs.guard(tx, newParent, Delegations.Use.WRITE);
      }
      byte[] skey = k.dentry(oldParent, oldName);
      Versioned sd = tx.get(skey);
      if (!sd.exists()) {
        ns.dirRequired(tx, oldParent);
        throw new FsException(Errno.ENOENT, "no entry '" + oldName + "' in directory " + oldParent);
      }
      tx.require(sd);
      Inode src = ns.inodeRequired(tx, Names.dentryIno(sd.value()));
      ns.dirRequired(tx, newParent);
      byte[] tkey = k.dentry(newParent, newName);
      // An uncached target is assumed absent on the first attempt (the compare checks it, a
      // conflict reads it): a rename to a new name costs one commit and no read.
      Versioned td = exchange ? tx.get(tkey) : tx.getOptimistic(tkey);
      if (td == null) {
        td = Versioned.absent(tkey);
      }
      tx.require(td);
      boolean same = oldParent == newParent && oldName.equals(newName);
      if (td.exists() && noReplace) {
        throw new FsException(Errno.EEXIST, "'" + newName + "' exists in directory " + newParent);
      }
      if (same) {
        return 0L;
      }
      if (src.isDir() && oldParent != newParent) {
        checkNotInside(tx, src.ino(), newParent);
      }
      long now = meta.now();
      if (exchange) {
        if (!td.exists()) {
          throw new FsException(Errno.ENOENT, "no entry '" + newName + "' in directory "
              + newParent + " to exchange with");
        }
        Inode dst = ns.inodeRequired(tx, Names.dentryIno(td.value()));
        if (dst.isDir() && oldParent != newParent) {
          checkNotInside(tx, dst.ino(), oldParent);
        }
        tx.put(tkey, Names.dentryValue(src.ino(), src.mode()));
        tx.put(skey, Names.dentryValue(dst.ino(), dst.mode()));
        moved(tx, src, newParent, now);
        moved(tx, dst, oldParent, now);
        int subdirDelta = (src.isDir() ? 1 : 0) - (dst.isDir() ? 1 : 0);
        if (oldParent != newParent && subdirDelta != 0) {
          tx.add(k.subdirs(oldParent), -subdirDelta);
          tx.add(k.subdirs(newParent), subdirDelta);
        }
        ns.touchParent(tx, oldParent, now, 0, 0);
        if (newParent != oldParent) {
          ns.touchParent(tx, newParent, now, 0, 0);
        }
        return 0L;
      }
      long held = 0;
      int newEntries = 1;
      int newSubdirs = src.isDir() ? 1 : 0;
      if (td.exists()) {
        long tino = Names.dentryIno(td.value());
        if (tino == src.ino()) {
          return 0L; // two links of one inode: POSIX says do nothing
        }
        Inode dst = ns.inodeRequired(tx, tino);
        if (src.isDir() && !dst.isDir()) {
          throw new FsException(Errno.ENOTDIR, "cannot rename directory '" + oldName
              + "' over non-directory '" + newName + "'");
        }
        if (!src.isDir() && dst.isDir()) {
          throw new FsException(Errno.EISDIR, "cannot rename non-directory '" + oldName
              + "' over directory '" + newName + "'");
        }
        newEntries -= 1;
        if (dst.isDir()) {
          meta.delegs.guard(tx, tino, Delegations.Use.REMOVE);
          ns.requireEmpty(tx, tino, newName);
          ns.deleteDirKeys(tx, tino);
          newSubdirs -= 1;
        } else {
          held = ns.dropLink(tx, dst, now);
        }
      }
      tx.delete(skey);
      tx.put(tkey, Names.dentryValue(src.ino(), src.mode()));
      moved(tx, src, newParent, now);
      int oldSubdirs = src.isDir() ? -1 : 0;
      if (oldParent == newParent) {
        ns.touchParent(tx, oldParent, now, newEntries - 1, newSubdirs + oldSubdirs);
      } else {
        ns.touchParent(tx, oldParent, now, -1, oldSubdirs);
        ns.touchParent(tx, newParent, now, newEntries, newSubdirs);
      }
      return held;
    });
  }

  private void moved(Tx tx, Inode in, long newParent, long now) {
    Inode out = in.withCtime(now);
    if (in.isDir()) {
      out = out.withParent(newParent);
    }
    tx.put(k.attr(in.ino()), out.encode());
  }

  /** EINVAL if {@code dir} is {@code target} or one of its ancestors; requires the chain. */
  private void checkNotInside(Tx tx, long dir, long target) {
    long at = target;
    for (int depth = 0; ; depth++) {
      if (at == dir) {
        throw new FsException(Errno.EINVAL, "cannot move directory " + dir
            + " into its own subtree (" + target + ")");
      }
      if (at == FileSystem.ROOT) {
        return;
      }
      if (depth > 100_000) {
        throw new FsException(Errno.EIO, "directory chain above " + target + " does not reach the root");
      }
      Inode a = ns.inodeRequired(tx, at);
      at = a.parent();
    }
  }
}
