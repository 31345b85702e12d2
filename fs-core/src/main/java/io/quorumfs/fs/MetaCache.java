package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keys of the metadata store with their versions, kept coherent by the store's change feed.
 *
 * <p>Each entry carries a <em>stamp</em>: the revision as of which it is known to be current (its
 * version for a loaded key, the feed position at load start for an absent one, the event revision
 * for a fed one). A change is applied only if newer than the stamp, so a slow load never
 * overwrites a newer event and an old event never overwrites a newer load. Keys being loaded are
 * fed too, so a load racing an event cannot install a stale value. Own commits are applied at
 * their revision right away (read-your-writes before the feed catches up). A stale entry is
 * harmless for writes (the txn compare catches it) and bounded by the feed latency for reads.
 */
final class MetaCache implements WatchListener {
  private static final Logger log = LoggerFactory.getLogger(MetaCache.class);

  private record Entry(byte[] value, long version, long stamp) {}

  private final KvStore store;
  private final int capacity;
  private final Map<Key, Entry> lru;
  private final Map<Key, Integer> loading = new HashMap<>();
  private final Object feedLock = new Object();
  private final Counter hits;
  private final Counter misses;
  private final Counter invalidations;
  private volatile long fed;
  private volatile Watch watch;
  private volatile boolean closed;
  private volatile Consumer<ChangeEvent> observer = e -> {};

  MetaCache(KvStore store, int capacity, MetricRegistry metrics) {
    this.store = store;
    this.capacity = capacity;
    this.lru = new LinkedHashMap<>(1024, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
        return size() > MetaCache.this.capacity;
      }
    };
    this.hits = metrics.counter("quorumfs.fs.cache.hits");
    this.misses = metrics.counter("quorumfs.fs.cache.misses");
    this.invalidations = metrics.counter("quorumfs.fs.cache.invalidations");
  }

  /** Starts following the feed from the store's current revision. */
  void start() {
    fed = store.revision();
    watch = store.watch(fed, this);
  }

  /** Called (serially, on the feed thread) after each event is applied to the cache. */
  void observe(Consumer<ChangeEvent> o) {
    observer = o;
  }

  long fed() {
    return fed;
  }

  Versioned get(byte[] key) {
    Key k = new Key(key);
    long before;
    synchronized (this) {
      Entry e = lru.get(k);
      if (e != null && e.version >= 0) {
        hits.inc();
        return new Versioned(key, e.value, e.version);
      }
      misses.inc();
      loading.merge(k, 1, Integer::sum);
      before = fed;
    }
    Versioned v;
    try {
      v = store.get(key);
    } catch (RuntimeException ex) {
      synchronized (this) {
        unload(k);
      }
      throw ex;
    }
    synchronized (this) {
      unload(k);
      return install(k, v, before);
    }
  }

  /** The cached state of {@code key}, or null if not cached (no store read). */
  synchronized Versioned peek(byte[] key) {
    Entry e = lru.get(new Key(key));
    if (e == null || e.version < 0) {
      return null;
    }
    hits.inc();
    return new Versioned(key, e.value, e.version);
  }

  /** Reads several keys: hits from the cache, the misses in one consistent store read. */
  List<Versioned> getAll(List<byte[]> keys) {
    List<Versioned> out = new ArrayList<>(keys.size());
    List<Integer> missIdx = new ArrayList<>();
    List<byte[]> missKeys = new ArrayList<>();
    long before;
    synchronized (this) {
      for (byte[] key : keys) {
        Entry e = lru.get(new Key(key));
        if (e != null && e.version >= 0) {
          hits.inc();
          out.add(new Versioned(key, e.value, e.version));
        } else {
          misses.inc();
          loading.merge(new Key(key), 1, Integer::sum);
          missIdx.add(out.size());
          missKeys.add(key);
          out.add(null);
        }
      }
      before = fed;
    }
    if (missKeys.isEmpty()) {
      return out;
    }
    List<Versioned> loaded;
    try {
      loaded = store.getAll(missKeys);
    } catch (RuntimeException ex) {
      synchronized (this) {
        missKeys.forEach(key -> unload(new Key(key)));
      }
      throw ex;
    }
    synchronized (this) {
      for (int i = 0; i < missKeys.size(); i++) {
        Key k = new Key(missKeys.get(i));
        unload(k);
        out.set(missIdx.get(i), install(k, loaded.get(i), before));
      }
    }
    return out;
  }

  /** Installs what a scan returned (entries present at least as of {@code before}). */
  synchronized void installScanned(Versioned v, long before) {
    install(new Key(v.key()), v, before);
  }

  private Versioned install(Key k, Versioned v, long before) {
    long stamp = Math.max(v.version(), before);
    Entry cur = lru.get(k);
    if (cur != null && cur.stamp >= stamp) {
      return cur.version >= 0 ? new Versioned(k.bytes, cur.value, cur.version) : v;
    }
    lru.put(k, new Entry(v.value(), v.version(), stamp));
    return v;
  }

  private void unload(Key k) {
    loading.computeIfPresent(k, (kk, n) -> n == 1 ? null : n - 1);
  }

  /** Drops one key (after a failed compare): the next read goes to the store. */
  synchronized void invalidate(byte[] key) {
    if (lru.remove(new Key(key)) != null) {
      invalidations.inc();
    }
  }

  /** Applies the writes of a commit of this client at its revision. */
  synchronized void applyOwn(long revision, List<byte[]> keys, List<byte[]> values) {
    for (int i = 0; i < keys.size(); i++) {
      Key k = new Key(keys.get(i));
      Entry cur = lru.get(k);
      if (cur == null || cur.stamp < revision) {
        byte[] v = values.get(i);
        lru.put(k, new Entry(v, v == null ? 0 : revision, revision));
      }
    }
  }

  /** Waits until the feed has delivered every commit up to {@code revision}. */
  boolean awaitFed(long revision, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    synchronized (feedLock) {
      while (fed < revision) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return fed >= revision;
        }
        TimeUnit.NANOSECONDS.timedWait(feedLock, left);
      }
      return true;
    }
  }

  /** A read barrier: the store's current revision, then wait for the feed to reach it. */
  void barrier(long timeoutNanos) {
    long rev = store.revision();
    try {
      if (!awaitFed(rev, timeoutNanos)) {
        throw new FsException(Errno.ETIMEDOUT, "change feed at revision " + fed
            + " did not reach the read barrier at " + rev + " in "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted waiting for revision " + rev);
    }
  }

  @Override
  public void onEvent(ChangeEvent event) {
    long r = event.revision();
    synchronized (this) {
      for (Change c : event.changes()) {
        Key k = new Key(c.key());
        Entry cur = lru.get(k);
        if (cur == null && !loading.containsKey(k)) {
          continue;
        }
        if (cur != null && cur.stamp >= r) {
          continue;
        }
        if (c.valueOmitted()) {
          // Unknown value: a marker (version -1) that reads as a miss and that only a load at
          // least as new as this event can replace.
          lru.put(k, new Entry(null, -1, r));
          invalidations.inc();
        } else {
          lru.put(k, new Entry(c.value(), c.deleted() ? 0 : c.version(), r));
          if (cur != null) {
            invalidations.inc();
          }
        }
      }
    }
    observer.accept(event);
    advance(r);
  }

  @Override
  public void onProgress(long revision) {
    advance(revision);
  }

  @Override
  public void onResync(long revision) {
    synchronized (this) {
      invalidations.inc(lru.size());
      lru.clear();
    }
    log.warn("metadata change feed resynced at revision {}: cache dropped", revision);
    observer.accept(new ChangeEvent(revision, List.of()));
    advance(revision);
  }

  @Override
  public void onClose(Throwable cause) {
    if (closed) {
      return;
    }
    log.warn("metadata change feed ended at revision {}; resubscribing", fed, cause);
    synchronized (this) {
      lru.clear();
    }
    try {
      watch = store.watch(fed, this);
    } catch (RuntimeException e) {
      log.error("cannot resubscribe to the metadata change feed", e);
    }
  }

  private void advance(long revision) {
    synchronized (feedLock) {
      if (revision > fed) {
        fed = revision;
        feedLock.notifyAll();
      }
    }
  }

  synchronized int size() {
    return lru.size();
  }

  void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
    synchronized (feedLock) {
      feedLock.notifyAll();
    }
  }
}
