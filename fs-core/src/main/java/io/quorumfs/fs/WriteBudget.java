package io.quorumfs.fs;

import java.util.function.BooleanSupplier;

/**
 * The bytes of file data one client may hold in write buffers at once, over all its handles:
 * buffered chunks and chunks being committed. A writer that would pass the bound first makes room
 * (its caller flushes its own handle, then the fullest other one) and otherwise blocks until a
 * commit gives bytes back; it never fails for want of room. Thread-safe.
 */
final class WriteBudget {
  /** Longest wait before a blocked writer tries again to make room itself. */
  private static final long RECHECK_MILLIS = 1000;

  private final long limit;
  private long used;
  private long peak;
  private long releases;
  private long waits;

  WriteBudget(long limit) {
    this.limit = limit;
  }

  /**
   * Takes {@code n} bytes, blocking while they would pass the limit. {@code makeRoom} is called
   * (without any lock held) before each wait; it returns true if it flushed something, in which
   * case the bytes are asked for again at once. A request larger than the whole limit is granted
   * when nothing else is held.
   *
   * @throws FsException EINTR if interrupted while waiting
   */
  void acquire(long n, BooleanSupplier makeRoom) {
    if (n <= 0) {
      return;
    }
    while (true) {
      long seen;
      synchronized (this) {
        if (fits(n)) {
          take(n);
          return;
        }
        seen = releases;
        waits++;
      }
      if (makeRoom.getAsBoolean()) {
        continue;
      }
      synchronized (this) {
        if (!fits(n) && releases == seen) {
          try {
            wait(RECHECK_MILLIS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EINTR, "interrupted while waiting for write buffer room");
          }
        }
      }
    }
  }

  /** Takes {@code n} bytes without waiting (a write that grew more than it reserved). */
  synchronized void charge(long n) {
    if (n > 0) {
      take(n);
    }
  }

  /** Gives back {@code n} bytes (committed or dropped) and wakes the writers waiting for room. */
  synchronized void release(long n) {
    if (n <= 0) {
      return;
    }
    used = Math.max(0, used - n);
    releases++;
    notifyAll();
  }

  private boolean fits(long n) {
    return used + n <= limit || used == 0;
  }

  private void take(long n) {
    used += n;
    peak = Math.max(peak, used);
  }

  long limit() {
    return limit;
  }

  synchronized long used() {
    return used;
  }

  /** The most ever held at once. */
  synchronized long peak() {
    return peak;
  }

  /** Times a writer found no room and had to flush or wait. */
  synchronized long waits() {
    return waits;
  }
}
