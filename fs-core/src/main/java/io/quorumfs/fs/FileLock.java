package io.quorumfs.fs;

/**
 * A POSIX record lock as {@code fcntl(F_GETLK/F_SETLK/F_SETLKW)} describes it: {@code type} is
 * {@link FileSystem#F_RDLCK}, {@link FileSystem#F_WRLCK} or {@link FileSystem#F_UNLCK};
 * the range starts at {@code start} (absolute, already resolved from {@code l_whence}) and covers
 * {@code length} bytes, 0 meaning "to the end of file and beyond". {@code pid} is informational
 * (reported by getlk for a conflicting lock; -1 when the holder is another client).
 */
public record FileLock(int type, long start, long length, long pid) {

  public FileLock {
    if (type != FileSystem.F_RDLCK && type != FileSystem.F_WRLCK && type != FileSystem.F_UNLCK) {
      throw new FsException(Errno.EINVAL, "lock type " + type + " is not F_RDLCK, F_WRLCK or F_UNLCK");
    }
    if (start < 0 || length < 0) {
      throw new FsException(Errno.EINVAL, "lock range start " + start + " length " + length
          + " is negative");
    }
  }

  /** The exclusive end of the range; Long.MAX_VALUE for "to EOF". */
  public long end() {
    if (length == 0 || start + length < 0) {
      return Long.MAX_VALUE;
    }
    return start + length;
  }

  public static FileLock unlocked() {
    return new FileLock(FileSystem.F_UNLCK, 0, 0, 0);
  }
}
