package io.quorumfs.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The FUSE file handles ({@code fi->fh}) of one mount: small numbers mapping to open files (an
 * fs-core handle on a volume) or open directories. Thread-safe.
 */
final class Handles<T> {
  private final ConcurrentHashMap<Long, T> open = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  long add(T value) {
    long fh = next.getAndIncrement();
    open.put(fh, value);
    return fh;
  }

  /** The value for {@code fh}; EBADF if it is not open. */
  T get(long fh) {
    T v = open.get(fh);
    if (v == null) {
      throw new Refused(Errors.EBADF, "file handle " + fh + " is not open");
    }
    return v;
  }

  T remove(long fh) {
    return open.remove(fh);
  }

  List<T> snapshot() {
    return new ArrayList<>(open.values());
  }

  void clear() {
    open.clear();
  }
}
