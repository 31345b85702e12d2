package io.quorumfs.meta;

/**
 * Revision encoding of raft://: the txn at position {@code p} (0-based) inside the log entry at
 * Raft index {@code i} gets revision {@code i * 4096 + p + 1}. Revisions are unique per txn,
 * increase with log order, are never 0, and name their log index ({@link #index}), which is what
 * a follower read "at or after revision r" waits for.
 */
final class Revisions {

  /** The most txns one log entry may carry. */
  static final int MAX_TXNS_PER_ENTRY = 4095;

  private Revisions() {}

  static long of(long index, int position) {
    if (index < 0 || index >= (1L << 50)) {
      throw new IllegalArgumentException("log index " + index + " out of range");
    }
    if (position < 0 || position >= MAX_TXNS_PER_ENTRY) {
      throw new IllegalArgumentException("position " + position + " out of range 0.." + (MAX_TXNS_PER_ENTRY - 1));
    }
    return (index << 12) + position + 1;
  }

  /** The log index holding revision {@code revision} (0 for revision 0). */
  static long index(long revision) {
    return revision <= 0 ? 0 : (revision - 1) >>> 12;
  }
}
