package io.quorumfs.fuse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The open files of one mount: FUSE handle → fs-core handle on a volume. Thread-safe. */
final class OpenFiles {
  private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);

  /** An open file: the fs-core handle {@code fh} on {@code vol}, for inode {@code ino}. */
  record OpenFile(Namespace.Volume vol, long fh, long ino) {}

  private final Handles<OpenFile> handles = new Handles<>();

  long add(Namespace.Volume vol, long fh, long ino) {
    return handles.add(new OpenFile(vol, fh, ino));
  }

  /** EBADF if {@code fuseFh} is not open. */
  OpenFile get(long fuseFh) {
    return handles.get(fuseFh);
  }

  OpenFile remove(long fuseFh) {
    return handles.remove(fuseFh);
  }

  /** Flushes every open file (before unmount); failures are logged, never thrown. */
  void flushAll() {
    for (OpenFile f : handles.snapshot()) {
      try {
        f.vol().fs().flush(f.fh());
      } catch (RuntimeException e) {
        log.error("Flushing open file (inode {}) before unmount failed", f.ino(), e);
      }
    }
  }

  /** Releases every open file (after libfuse stopped); failures are logged, never thrown. */
  void releaseAll() {
    for (OpenFile f : handles.snapshot()) {
      try {
        f.vol().fs().release(f.fh());
      } catch (RuntimeException e) {
        log.error("Releasing open file (inode {}) at unmount failed", f.ino(), e);
      }
    }
    handles.clear();
  }
}
