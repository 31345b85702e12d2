package io.quorumfs.kv.rocks;

import io.quorumfs.kv.UriQuery;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of a {@link RocksKvStore}. Immutable; start from {@link #defaults()} and change fields
 * with the {@code with*} methods. The same settings are accepted as URI query parameters by
 * {@link #parse} ({@code rocks:///path?cache=256m&fsync=commit}):
 *
 * <ul>
 *   <li>{@code cache} – block cache size in bytes, with an optional k/m/g suffix (default 64m).</li>
 *   <li>{@code fsync} – {@code off} (default): every commit is written to the WAL before it is
 *       acknowledged, the OS flushes it later, so a process crash loses nothing but a power loss
 *       may lose the last commits; {@code commit}: the WAL is fsynced before each commit returns.</li>
 *   <li>{@code history} – how many revisions of change history are kept for {@code watch}
 *       (default 100000): a subscriber from an older revision gets RESYNC. Trimmed in steps, so
 *       up to 1/8 more may be kept. Minimum 1.</li>
 *   <li>{@code watchValueBytes} – the largest value carried inline in a change event (default
 *       65536); larger values are omitted from events (and from the stored history).</li>
 *   <li>{@code writeBuffer} – RocksDB memtable size in bytes, k/m/g suffix allowed (default 64m).</li>
 * </ul>
 *
 * @param blockCacheBytes size of the LRU block cache
 * @param fsyncEachCommit fsync the write-ahead log before each commit returns
 * @param historyRevisions revisions of change history kept for watch resume (persisted)
 * @param maxWatchValueBytes largest value carried in a change event
 * @param writeBufferBytes memtable size
 */
public record RocksOptions(long blockCacheBytes, boolean fsyncEachCommit, long historyRevisions,
    int maxWatchValueBytes, long writeBufferBytes) {

  /** The parameter names {@link #parse} accepts. */
  public static final String KNOWN = "cache, fsync, history, watchValueBytes, writeBuffer";

  public RocksOptions {
    if (blockCacheBytes < 0) {
      throw new IllegalArgumentException("rocks:// cache must be >= 0 bytes, got " + blockCacheBytes);
    }
    if (historyRevisions < 1) {
      throw new IllegalArgumentException("rocks:// history must be >= 1 revision, got " + historyRevisions);
    }
    if (maxWatchValueBytes < 0) {
      throw new IllegalArgumentException("rocks:// watchValueBytes must be >= 0, got " + maxWatchValueBytes);
    }
    if (writeBufferBytes < 64 * 1024) {
      throw new IllegalArgumentException("rocks:// writeBuffer must be >= 64k, got " + writeBufferBytes);
    }
  }

  public static RocksOptions defaults() {
    return new RocksOptions(64L << 20, false, 100_000, 64 * 1024, 64L << 20);
  }

  public RocksOptions withBlockCacheBytes(long v) {
    return new RocksOptions(v, fsyncEachCommit, historyRevisions, maxWatchValueBytes, writeBufferBytes);
  }

  public RocksOptions withFsyncEachCommit(boolean v) {
    return new RocksOptions(blockCacheBytes, v, historyRevisions, maxWatchValueBytes, writeBufferBytes);
  }

  public RocksOptions withHistoryRevisions(long v) {
    return new RocksOptions(blockCacheBytes, fsyncEachCommit, v, maxWatchValueBytes, writeBufferBytes);
  }

  public RocksOptions withMaxWatchValueBytes(int v) {
    return new RocksOptions(blockCacheBytes, fsyncEachCommit, historyRevisions, v, writeBufferBytes);
  }

  public RocksOptions withWriteBufferBytes(long v) {
    return new RocksOptions(blockCacheBytes, fsyncEachCommit, historyRevisions, maxWatchValueBytes, v);
  }

  /**
   * Applies the URI parameters {@code query} to {@link #defaults()}.
   *
   * @throws IllegalArgumentException naming the parameter for an unknown name or a bad value
   */
  public static RocksOptions parse(UriQuery query) {
    RocksOptions o = defaults();
    for (Map.Entry<String, String> e : query.asMap().entrySet()) {
      String k = e.getKey();
      String v = e.getValue();
      switch (k) {
        case "cache" -> o = o.withBlockCacheBytes(size(k, v));
        case "writeBuffer" -> o = o.withWriteBufferBytes(size(k, v));
        case "history" -> o = o.withHistoryRevisions(number(k, v));
        case "watchValueBytes" -> o = o.withMaxWatchValueBytes((int) Math.min(Integer.MAX_VALUE, size(k, v)));
        case "fsync" -> {
          if (v.equals("commit")) {
            o = o.withFsyncEachCommit(true);
          } else if (v.equals("off")) {
            o = o.withFsyncEachCommit(false);
          } else {
            throw new IllegalArgumentException("rocks:// parameter 'fsync' must be 'commit' or 'off', got '" + v + "'");
          }
        }
        default -> throw new IllegalArgumentException("rocks:// unknown parameter '" + k + "'; known: " + KNOWN);
      }
    }
    return o;
  }


  private static long number(String name, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rocks:// parameter '" + name + "' must be an integer, got '" + v + "'");
    }
  }

  private static long size(String name, String v) {
    String s = v.toLowerCase(Locale.ROOT);
    long mult = 1;
    if (s.endsWith("k") || s.endsWith("m") || s.endsWith("g")) {
      mult = s.endsWith("k") ? 1L << 10 : s.endsWith("m") ? 1L << 20 : 1L << 30;
      s = s.substring(0, s.length() - 1);
    }
    try {
      long n = Long.parseLong(s);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("rocks:// parameter '" + name
          + "' must be a byte size like 65536, 512k, 64m or 1g, got '" + v + "'");
    }
  }
}
