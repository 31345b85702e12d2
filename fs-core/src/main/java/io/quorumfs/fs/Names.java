package io.quorumfs.fs;

import java.nio.charset.StandardCharsets;

/** Checks of names and dentry values. */
final class Names {
  private Names() {}

  /** A name to create, remove or look up (not "." or ".."). */
  static void check(String name) {
    if (name == null || name.isEmpty()) {
      throw new FsException(Errno.EINVAL, "empty name");
    }
    if (name.equals(".") || name.equals("..")) {
      throw new FsException(Errno.EINVAL, "name '" + name + "' is reserved");
    }
    if (name.indexOf('/') >= 0) {
      throw new FsException(Errno.EINVAL, "name '" + name + "' contains '/'");
    }
    if (name.indexOf('\0') >= 0) {
      throw new FsException(Errno.EINVAL, "name contains NUL: '" + name.replace('\0', '?') + "'");
    }
    if (name.length() * 3 <= FileSystem.NAME_MAX) {
      return; // at most 3 UTF-8 bytes per char: short names need no encoding to check
    }
    int n = name.getBytes(StandardCharsets.UTF_8).length;
    if (n > FileSystem.NAME_MAX) {
      throw new FsException(Errno.ENAMETOOLONG, "name of " + n + " bytes exceeds "
          + FileSystem.NAME_MAX + ": '" + name.substring(0, 32) + "...'");
    }
  }

  static byte[] dentryValue(long ino, int mode) {
    byte[] v = new byte[9];
    Keys.putLong(v, 0, ino);
    v[8] = (byte) (Mode.type(mode) >>> 12);
    return v;
  }

  static long dentryIno(byte[] v) {
    return Keys.getLong(v, 0);
  }

  static int dentryType(byte[] v) {
    return (v[8] & 0xFF) << 12;
  }
}
