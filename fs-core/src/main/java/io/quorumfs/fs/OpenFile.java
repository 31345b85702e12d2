package io.quorumfs.fs;

import java.util.HashSet;
import java.util.Set;

/**
 * One open handle: its inode, access mode, read-ahead state, and the write buffer of its inode
 * (shared with this client's other handles on the inode).
 */
final class OpenFile {
  final long fh;
  final long ino;
  final int flags;
  final boolean readable;
  final boolean writable;
  final boolean append;
  final WriteBuffer buffer;
  /** Owners that took flocks through this handle (released with it). */
  final Set<Long> flockOwners = new HashSet<>();
  /** Owners that asked for any lock (flock or POSIX) through this handle. Guarded by this. */
  final Set<Long> lockOwners = new HashSet<>();
  /**
   * A lock taken through this handle was lost (another client expired this session): lock
   * requests and I/O through it fail with EIO until it is closed.
   */
  volatile boolean locksLost;
  long lastReadEnd = -1;
  long prefetchedThrough = -1;
  /** Highest chunk index whose map entry a sequential read has loaded ahead (see FileData). */
  long chunkMapThrough = -1;

  OpenFile(long fh, long ino, int flags, WriteBuffer buffer) {
    this.fh = fh;
    this.ino = ino;
    this.flags = flags;
    int acc = flags & FileSystem.O_ACCMODE;
    this.readable = acc == FileSystem.O_RDONLY || acc == FileSystem.O_RDWR;
    this.writable = acc == FileSystem.O_WRONLY || acc == FileSystem.O_RDWR;
    this.append = (flags & FileSystem.O_APPEND) != 0;
    this.buffer = buffer;
  }
}
