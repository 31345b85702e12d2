package io.quorumfs.fuse;

import io.quorumfs.fs.FileLock;
import io.quorumfs.fs.FileSystem;
import ru.serce.jnrfuse.struct.Flock;

/**
 * fcntl record locks between libfuse's {@code struct flock} and fs-core. libfuse has already made
 * the range absolute (l_whence = SEEK_SET; l_len 0 = to end of file).
 */
final class RecordLocks {
  static final int F_GETLK = 5;
  static final int F_SETLK = 6;
  static final int F_SETLKW = 7;

  private RecordLocks() {}

  /** Runs fcntl command {@code cmd} for {@code owner} on handle {@code fh}; 0 or -errno. */
  static int apply(FileSystem fs, long fh, long owner, int cmd, Flock flock) {
    FileLock want = new FileLock(flock.l_type.get(), flock.l_start.get(), flock.l_len.get(), flock.l_pid.get());
    if (cmd == F_GETLK) {
      FileLock held = fs.getlk(fh, owner, want);
      flock.l_type.set((short) held.type());
      if (held.type() != FileSystem.F_UNLCK) {
        flock.l_start.set(held.start());
        flock.l_len.set(held.length());
        flock.l_pid.set((int) held.pid());
      }
      return 0;
    }
    if (cmd != F_SETLK && cmd != F_SETLKW) {
      return -Errors.EINVAL;
    }
    fs.setlk(fh, owner, want, cmd == F_SETLKW);
    return 0;
  }
}
