package io.quorumfs.kv;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@code mem:} - an in-memory backend with the full contract: versions, atomic commits,
 * commutative ops, ordered scans and a watch history of the last {@code history} commits
 * ({@code mem:?history=N}, default 100,000). Nothing survives {@link #close}.
 *
 * <p>One read-write lock: reads share it, a commit takes it exclusively, so commits are
 * serializable and reads see whole commits. Each watch has its own delivery thread.
 */
public final class MemKvStore implements KvStore {

  public static final int DEFAULT_HISTORY = 100_000;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final Condition committed = lock.writeLock().newCondition();
  private final NavigableMap<byte[], Versioned> data = new TreeMap<>(Bytes.ORDER);
  /** The same entries hashed, so point reads cost one hash probe instead of a tree descent. */
  private final Map<Key, Versioned> index = new java.util.HashMap<>();
  private final ArrayDeque<ChangeEvent> history = new ArrayDeque<>();
  private final int historyLimit;
  private final int maxWatchValue;
  private long revision;
  /** Highest revision no longer in {@link #history}. */
  private long trimmedThrough;
  private boolean closed;

  public MemKvStore() {
    this(DEFAULT_HISTORY);
  }

  public MemKvStore(int historyLimit) {
    this(historyLimit, 64 * 1024);
  }

  public MemKvStore(int historyLimit, int maxWatchValueBytes) {
    if (historyLimit < 1) {
      throw new IllegalArgumentException("history must be >= 1, got " + historyLimit);
    }
    this.historyLimit = historyLimit;
    this.maxWatchValue = maxWatchValueBytes;
  }

  @Override
  public Versioned get(byte[] key) {
    Txn.checkKey(key);
    lock.readLock().lock();
    try {
      checkOpen();
      Versioned v = index.get(new Key(key));
      return v != null ? v : Versioned.absent(key);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    keys.forEach(Txn::checkKey);
    lock.readLock().lock();
    try {
      checkOpen();
      List<Versioned> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        Versioned v = index.get(new Key(k));
        out.add(v != null ? v : Versioned.absent(k));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    java.util.Objects.requireNonNull(range, "range");
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    lock.readLock().lock();
    try {
      checkOpen();
      NavigableMap<byte[], Versioned> view = after != null && Bytes.compare(after, range.start()) >= 0
          ? data.tailMap(after, false)
          : data.tailMap(range.start(), true);
      if (range.end() != null) {
        if (after != null && Bytes.compare(after, range.end()) >= 0) {
          return new ScanPage(List.of(), false);
        }
        view = view.headMap(range.end(), false);
      }
      List<Versioned> out = new ArrayList<>(Math.min(limit, 1024));
      Iterator<Versioned> it = view.values().iterator();
      while (it.hasNext() && out.size() < limit) {
        out.add(it.next());
      }
      return new ScanPage(out, it.hasNext());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public CommitResult commit(Txn txn) {
    lock.writeLock().lock();
    try {
      checkOpen();
      long rev = revision + 1;
      TxnApply.Outcome o = TxnApply.apply(txn, rev, key -> {
        Versioned v = index.get(new Key(key));
        return v != null ? v : Versioned.absent(key);
      }, maxWatchValue);
      if (o.failed() != null) {
        return CommitResult.conflict(o.failedCompares(txn));
      }
      if (o.invalid() != null) {
        throw new IllegalArgumentException(o.invalid());
      }
      for (Versioned w : o.writes()) {
        Key k = new Key(w.key());
        if (w.exists()) {
          data.put(w.key(), w);
          index.put(k, w);
        } else {
          data.remove(w.key());
          index.remove(k);
        }
      }
      revision = rev;
      history.addLast(new ChangeEvent(rev, o.changes()));
      while (history.size() > historyLimit) {
        trimmedThrough = history.removeFirst().revision();
      }
      committed.signalAll();
      return CommitResult.ok(rev, o.resultList());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public long revision() {
    lock.readLock().lock();
    try {
      checkOpen();
      return revision;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    if (fromRevision < 0) {
      throw new IllegalArgumentException("fromRevision must be >= 0, got " + fromRevision);
    }
    java.util.Objects.requireNonNull(listener, "listener");
    lock.readLock().lock();
    try {
      checkOpen();
    } finally {
      lock.readLock().unlock();
    }
    Subscription s = new Subscription(fromRevision, listener);
    Thread t = new Thread(s, "mem-watch");
    t.setDaemon(true);
    t.start();
    return s;
  }

  @Override
  public int maxWatchValueBytes() {
    return maxWatchValue;
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.WATCH_HISTORY, Capability.LARGE_VALUES, Capability.IDEMPOTENT_COMMIT,
        Capability.CONFIGURABLE_HISTORY);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      data.clear();
      index.clear();
      history.clear();
      committed.signalAll();
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new KvClosedException("mem: store is closed");
    }
  }

  @Override
  public String toString() {
    return "mem:";
  }

  /**
   * A byte[] with value equality, the key of the point-read index. Its hash mixes 8 bytes at a time
   * (Arrays.hashCode collides heavily on keys that differ only in their last bytes).
   */
  private record Key(byte[] b) {
    private static final java.lang.invoke.VarHandle LONGS =
        java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && java.util.Arrays.equals(b, k.b);
    }

    @Override
    public int hashCode() {
      long h = 0x9E3779B97F4A7C15L ^ b.length;
      int i = 0;
      for (; i + 8 <= b.length; i += 8) {
        h = mix(h ^ (long) LONGS.get(b, i));
      }
      long tail = 0;
      for (; i < b.length; i++) {
        tail = (tail << 8) | (b[i] & 0xFF);
      }
      h = mix(h ^ tail);
      return (int) (h ^ (h >>> 32));
    }

    private static long mix(long z) {
      z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
      z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
      return z ^ (z >>> 33);
    }
  }

  private final class Subscription implements Watch, Runnable {
    private final WatchListener listener;
    private long delivered;
    private long progressSent;
    private volatile boolean stopped;

    Subscription(long from, WatchListener listener) {
      this.delivered = from;
      this.progressSent = from;
      this.listener = listener;
    }

    @Override
    public void run() {
      Throwable cause = null;
      try {
        while (true) {
          List<ChangeEvent> batch = new ArrayList<>();
          long resyncTo = -1;
          long head;
          lock.writeLock().lock();
          try {
            while (!stopped && !closed && revision <= delivered && progressSent >= revision) {
              committed.await();
            }
            if (stopped || closed) {
              break;
            }
            head = revision;
            if (delivered < trimmedThrough) {
              resyncTo = head;
            } else {
              // From the newest event back: a subscriber is usually a few events behind, and a
              // scan from the oldest cost O(history) (100,000) under the write lock per commit.
              ArrayDeque<ChangeEvent> newer = new ArrayDeque<>();
              for (var it = history.descendingIterator(); it.hasNext(); ) {
                ChangeEvent e = it.next();
                if (e.revision() <= delivered) {
                  break;
                }
                newer.addFirst(e);
              }
              while (!newer.isEmpty() && batch.size() < 1024) {
                batch.add(newer.pollFirst());
              }
            }
          } finally {
            lock.writeLock().unlock();
          }
          if (resyncTo >= 0) {
            delivered = resyncTo;
            listener.onResync(resyncTo);
          }
          for (ChangeEvent e : batch) {
            if (stopped) {
              break;
            }
            listener.onEvent(e);
            delivered = e.revision();
          }
          if (!stopped && delivered >= head && progressSent < head) {
            progressSent = head;
            listener.onProgress(head);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        cause = e;
      }
      listener.onClose(cause);
    }

    @Override
    public void close() {
      stopped = true;
      lock.writeLock().lock();
      try {
        committed.signalAll();
      } finally {
        lock.writeLock().unlock();
      }
    }
  }
}
