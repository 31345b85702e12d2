package io.quorumfs.meta;

import java.util.function.LongSupplier;

/**
 * The time a leader stamps on the entries it batches ({@link Wire#GROUP}), which the dedupe
 * table's expiry uses ({@link CommitSessions}): carried in the log, never going back from one
 * stamp to the next, and independent of wall-clock steps and of the wall-clock offsets between
 * replicas. At its first stamp of a term a leader starts from the time of the last entry it
 * applied (or its own last stamp, if later) and adds its monotonic elapsed time since then. The
 * wall clock is read only for the first stamp of a group whose log carries no time yet.
 *
 * <p>A leader whose state machine has not applied every earlier entry yet starts from an older
 * time: that only delays expiry, never hastens it. The time between two leaders (no leader) is
 * not counted either. Thread-safe.
 */
final class LogClock {
  private final LongSupplier nanos;
  private final LongSupplier wallMillis;
  private long term = -1;
  private long baseMillis;
  private long baseNanos;
  private long last;

  /** {@code nanos}: a monotonic clock ({@link System#nanoTime}); {@code wallMillis}: only for a group's first stamp. */
  LogClock(LongSupplier nanos, LongSupplier wallMillis) {
    this.nanos = nanos;
    this.wallMillis = wallMillis;
  }

  static LogClock system() {
    return new LogClock(System::nanoTime, System::currentTimeMillis);
  }

  /**
   * The time for an entry this replica batches as leader of {@code term}; {@code appliedMillis} is
   * the time of the last entry its state machine applied (0: none carried one).
   */
  synchronized long stamp(long term, long appliedMillis) {
    if (term != this.term) {
      this.term = term;
      long from = appliedMillis > 0 ? appliedMillis : last > 0 ? last : wallMillis.getAsLong();
      baseMillis = Math.max(last, from);
      baseNanos = nanos.getAsLong();
    }
    last = Math.max(last, baseMillis + (nanos.getAsLong() - baseNanos) / 1_000_000);
    return last;
  }
}
