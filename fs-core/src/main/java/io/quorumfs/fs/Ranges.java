package io.quorumfs.fs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The key ranges whose feed events {@link MetaCache} installs even for keys it does not hold:
 * <em>complete</em> ranges (every present key of the range is in the cache, so a missing key is
 * absent) and ranges being scanned. A range is named by its prefix; {@code rangeOf} maps a key to
 * the prefix of its range ({@link Keys#rangeOf}), or null for keys outside every such range.
 * Thread-safe.
 */
final class Ranges {
  private static final int MAX_COMPLETE = 65_536;

  private final Function<byte[], byte[]> rangeOf;
  private final Set<Key> complete = ConcurrentHashMap.newKeySet();
  /** Prefixes of ranges being scanned, with the number of scans in progress. */
  private final ConcurrentHashMap<Key, Integer> scanning = new ConcurrentHashMap<>();

  Ranges(Function<byte[], byte[]> rangeOf) {
    this.rangeOf = rangeOf;
  }

  private Key rangeKey(byte[] key) {
    byte[] range = rangeOf.apply(key);
    return range == null ? null : new Key(range);
  }

  /** True if {@code key} lies in a complete range. */
  boolean inComplete(byte[] key) {
    if (complete.isEmpty()) {
      return false;
    }
    Key r = rangeKey(key);
    return r != null && complete.contains(r);
  }

  /** True if feed events for {@code key} are to be installed though it is not cached. */
  boolean tracked(byte[] key) {
    if (complete.isEmpty() && scanning.isEmpty()) {
      return false;
    }
    Key r = rangeKey(key);
    return r != null && (complete.contains(r) || scanning.containsKey(r));
  }

  void markComplete(byte[] range) {
    if (complete.size() >= MAX_COMPLETE) {
      complete.clear(); // only a loss of knowledge
    }
    complete.add(new Key(range));
  }

  void forget(byte[] range) {
    complete.remove(new Key(range));
  }

  boolean isComplete(byte[] range) {
    return complete.contains(new Key(range));
  }

  /** Drops the completeness of the range of {@code key} (a present entry of it leaves the cache). */
  void leaving(byte[] key) {
    if (!complete.isEmpty()) {
      Key r = rangeKey(key);
      if (r != null) {
        complete.remove(r);
      }
    }
  }

  void clear() {
    complete.clear();
  }

  void beginScan(byte[] range) {
    scanning.merge(new Key(range), 1, Integer::sum);
  }

  void endScan(byte[] range) {
    scanning.computeIfPresent(new Key(range), (k, n) -> n == 1 ? null : n - 1);
  }
}
