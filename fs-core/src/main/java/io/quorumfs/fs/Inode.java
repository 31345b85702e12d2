package io.quorumfs.fs;

import java.nio.ByteBuffer;

/**
 * The stored attributes of an inode (key {@code I ino 'a'}). A directory's mtime/ctime are the
 * maximum of these and its {@code 'm'}/{@code 'c'} keys; its nlink is 2 + its {@code 's'} key.
 *
 * @param parent for a directory, the inode of its parent (root: itself); 0 otherwise
 */
record Inode(long ino, int mode, int nlink, int uid, int gid, long rdev, long size, long atime,
    long mtime, long ctime, long parent) {

  private static final byte LAYOUT = 1;
  private static final int BYTES = 1 + 4 + 4 + 4 + 4 + 8 + 8 + 8 + 8 + 8 + 8;

  boolean isDir() {
    return Mode.isDir(mode);
  }

  boolean isReg() {
    return Mode.isReg(mode);
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(BYTES);
    b.put(LAYOUT).putInt(mode).putInt(nlink).putInt(uid).putInt(gid).putLong(rdev).putLong(size)
        .putLong(atime).putLong(mtime).putLong(ctime).putLong(parent);
    return b.array();
  }

  static Inode decode(long ino, byte[] v) {
    if (v == null || v.length != BYTES || v[0] != LAYOUT) {
      throw new FsException(Errno.EIO, "inode " + ino + " has a malformed attribute record ("
          + (v == null ? "null" : v.length + " bytes") + ")");
    }
    ByteBuffer b = ByteBuffer.wrap(v, 1, BYTES - 1);
    return new Inode(ino, b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getLong(), b.getLong(),
        b.getLong(), b.getLong(), b.getLong(), b.getLong());
  }

  Inode withNlink(int n) {
    return new Inode(ino, mode, n, uid, gid, rdev, size, atime, mtime, ctime, parent);
  }

  Inode withSize(long s) {
    return new Inode(ino, mode, nlink, uid, gid, rdev, s, atime, mtime, ctime, parent);
  }

  Inode withCtime(long t) {
    return new Inode(ino, mode, nlink, uid, gid, rdev, size, atime, mtime, t, parent);
  }

  Inode withMtimeCtime(long t) {
    return new Inode(ino, mode, nlink, uid, gid, rdev, size, atime, t, t, parent);
  }

  Inode withParent(long p) {
    return new Inode(ino, mode, nlink, uid, gid, rdev, size, atime, mtime, ctime, p);
  }

  Inode with(int newMode, int newUid, int newGid, long newSize, long newAtime, long newMtime,
      long newCtime) {
    return new Inode(ino, newMode, nlink, newUid, newGid, rdev, newSize, newAtime, newMtime,
        newCtime, parent);
  }
}
