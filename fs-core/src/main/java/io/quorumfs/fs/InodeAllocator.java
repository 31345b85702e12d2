package io.quorumfs.fs;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.Txn;

/**
 * Hands out inode numbers from ranges reserved with one {@code Add} on the {@code G "ino"}
 * counter (the committed new value is the range's last number), so a create needs no extra
 * round trip. Numbers of a range not used before the client closes are simply skipped.
 */
final class InodeAllocator {
  private final Meta meta;
  private final int batch;
  private long next;
  private long last = -1;

  InodeAllocator(Meta meta) {
    this.meta = meta;
    this.batch = meta.config.inodeBatch();
  }

  synchronized long next() {
    if (next > last) {
      CommitResult r;
      try {
        r = meta.store.commit(Txn.builder().add(meta.keys.nextIno(), batch).build());
      } catch (KvException e) {
        throw new FsException(Errno.EIO, "cannot reserve inode numbers: " + e.getMessage(), e);
      }
      last = r.opResult(0);
      next = last - batch + 1;
    }
    return next++;
  }
}
