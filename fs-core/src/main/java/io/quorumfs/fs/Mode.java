package io.quorumfs.fs;

/** The file-type and permission bits of {@code st_mode} (Linux values, octal). */
public final class Mode {
  public static final int S_IFMT = 0170000;
  public static final int S_IFSOCK = 0140000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFIFO = 0010000;
  public static final int S_ISUID = 04000;
  public static final int S_ISGID = 02000;
  public static final int S_ISVTX = 01000;
  /** Permission bits plus setuid/setgid/sticky. */
  public static final int PERM_MASK = 07777;

  private Mode() {}

  public static int type(int mode) {
    return mode & S_IFMT;
  }

  public static boolean isDir(int mode) {
    return type(mode) == S_IFDIR;
  }

  public static boolean isReg(int mode) {
    return type(mode) == S_IFREG;
  }

  public static boolean isLink(int mode) {
    return type(mode) == S_IFLNK;
  }

  /** A short name of the type for messages: "file", "dir", "symlink", ... */
  public static String typeName(int mode) {
    switch (type(mode)) {
      case S_IFREG: return "file";
      case S_IFDIR: return "dir";
      case S_IFLNK: return "symlink";
      case S_IFCHR: return "chardev";
      case S_IFBLK: return "blockdev";
      case S_IFIFO: return "fifo";
      case S_IFSOCK: return "socket";
      default: return "type-0" + Integer.toOctalString(type(mode));
    }
  }
}
