package io.quorumfs.fs;

/**
 * The attributes of one inode, as {@code stat(2)} reports them. Times are nanoseconds since the
 * epoch. For a directory, {@code nlink} is 2 plus its subdirectories and {@code size} is 4096.
 *
 * @param mode type bits ({@link Mode#S_IFMT}) and permission bits
 * @param blocks 512-byte blocks in use (the size rounded up; sparse ranges are not subtracted)
 * @param blksize the preferred I/O size (the chunk size)
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, long rdev, long size,
    long blocks, long atimeNs, long mtimeNs, long ctimeNs, int blksize) {

  public int type() {
    return Mode.type(mode);
  }

  public boolean isDir() {
    return Mode.isDir(mode);
  }

  public boolean isReg() {
    return Mode.isReg(mode);
  }

  public boolean isSymlink() {
    return Mode.isLink(mode);
  }

  /** The permission bits (and setuid/setgid/sticky) without the type. */
  public int perm() {
    return mode & Mode.PERM_MASK;
  }
}
