package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
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
 *
 * <p>Concurrency: a {@link ConcurrentHashMap}; a hit is one lock-free map read. Every change to
 * one key (load, feed event, own commit) is one atomic {@code compute} on that key, which is all
 * the stamp rule needs; a load installs its value before it stops being "loading", so an event
 * arriving in between is never skipped. Bounded by entries and by bytes (keys, values and ~64 B of
 * overhead per entry, counted in every change to the map) through a CLOCK sweep (an approximate
 * LRU): a hit sets the entry's reference bit, the sweep (one thread at a time, when the map is
 * over either bound) clears set bits and evicts entries whose bit is clear.
 *
 * <p><b>Complete ranges</b> (negative answers without a store read): a range of keys (a
 * directory's entries, an inode's own keys or its chunk map: {@link Keys#rangeOf}) can be marked
 * complete when this client knows every present key of it is in the map — an inode it creates,
 * marked before the creating commit (the inode number is this client's alone, so nothing else can
 * write under it first). From then on feed events for keys of the range are installed even if
 * the key was not cached, and a key of the range missing from the map reads as absent, as current
 * as the feed (like any hit). Anything that removes a present entry of the range from the map
 * (eviction, {@link #invalidate} after a failed compare, a resync) first drops the range's
 * completeness, so a miss can never wrongly read as absent; a failed compare on a key of the
 * range therefore sends later reads to the store again.
 */
final class MetaCache implements WatchListener {
  private static final Logger log = LoggerFactory.getLogger(MetaCache.class);

  private static final class Entry {
    final byte[] value;
    final long version;
    final long stamp;
    /** CLOCK reference bit; racy on purpose (a lost update only makes eviction less exact). */
    boolean used;

    Entry(byte[] value, long version, long stamp) {
      this.value = value;
      this.version = version;
      this.stamp = stamp;
    }
  }

  private final KvStore store;
  private final Ranges ranges;
  private final Counter negativeHits;
  private final int capacity;
  private final int lowWater;
  private final long capacityBytes;
  private final long lowWaterBytes;
  /** Heap held by the map's entries (see {@link #weigh}). */
  private final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
  private final ConcurrentHashMap<Key, Entry> map;
  private final ConcurrentHashMap<Key, Integer> loading = new ConcurrentHashMap<>();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private Iterator<Map.Entry<Key, Entry>> hand;
  private final Object feedLock = new Object();
  private final Counter hits;
  private final Counter misses;
  private final Counter invalidations;
  private final Counter evictions;
  private volatile long fed;
  /**
   * Bumped by a RESYNC (which drops the map): a load begun before it read a store whose later
   * changes the feed will never deliver, so it must not install what it read.
   */
  private volatile long epoch;
  /** The revision of the last RESYNC: an own commit at or below it may be superseded unseen. */
  private volatile long resyncedAt;
  private volatile Watch watch;
  private volatile boolean closed;
  private volatile Consumer<ChangeEvent> observer = e -> {};
  private final RevisionReads revisions;
  /** Read barriers answered by the lease (no round trip) and by a store revision read. */
  private final com.codahale.metrics.Counter leasedBarriers;
  private final com.codahale.metrics.Counter roundTripBarriers;

  MetaCache(KvStore store, int capacity, MetricRegistry metrics) {
    this(store, capacity, metrics, key -> null);
  }

  MetaCache(KvStore store, int capacity, MetricRegistry metrics, Function<byte[], byte[]> rangeOf) {
    this(store, capacity, Long.MAX_VALUE, metrics, rangeOf);
  }

  /** {@code rangeOf}: the prefix of the range a key belongs to among those that can be complete. */
  MetaCache(KvStore store, int capacity, long capacityBytes, MetricRegistry metrics,
      Function<byte[], byte[]> rangeOf) {
    this.store = store;
    this.capacityBytes = capacityBytes;
    this.lowWaterBytes = capacityBytes - capacityBytes / 64;
    this.ranges = new Ranges(rangeOf);
    this.revisions = new RevisionReads(store::revision);
    this.negativeHits = metrics.counter("quorumfs.fs.cache.completeMisses");
    this.leasedBarriers = metrics.counter("quorumfs.fs.barrier.leased");
    this.roundTripBarriers = metrics.counter("quorumfs.fs.barrier.roundtrip");
    this.capacity = capacity;
    this.lowWater = capacity - Math.max(1, Math.min(1024, capacity / 64));
    // Sized up front (up to 2^18 entries): resizing under 16 writers showed in profiles.
    this.map = new ConcurrentHashMap<>(Math.min(capacity, 1 << 18), 0.75f, 16);
    this.hits = metrics.counter("quorumfs.fs.cache.hits");
    this.misses = metrics.counter("quorumfs.fs.cache.misses");
    this.invalidations = metrics.counter("quorumfs.fs.cache.invalidations");
    this.evictions = metrics.counter("quorumfs.fs.cache.evictions");
  }

  /** Starts following the feed from the store's current revision. */
  void start() {
    fed = store.revision();
    watch = subscribe();
  }

  /** The subscription in use; a watch subscribed earlier forwards nothing more. */
  private final java.util.concurrent.atomic.AtomicLong subscription = new java.util.concurrent.atomic.AtomicLong();

  private Watch subscribe() {
    return store.watch(fed, new Subscription(subscription.incrementAndGet()));
  }

  /**
   * One subscription's listener. A watch that was replaced — or that ends after this cache
   * resubscribed on its own — forwards nothing: two resubscriptions for one ended feed would
   * leave two live watches.
   */
  private final class Subscription implements WatchListener {
    private final long id;

    Subscription(long id) {
      this.id = id;
    }

    private boolean current() {
      return subscription.get() == id;
    }

    @Override
    public void onEvent(ChangeEvent event) {
      if (current()) {
        MetaCache.this.onEvent(event);
      }
    }

    @Override
    public void onProgress(long revision) {
      if (current()) {
        MetaCache.this.onProgress(revision);
      }
    }

    @Override
    public void onResync(long revision) {
      if (current()) {
        MetaCache.this.onResync(revision);
      }
    }

    @Override
    public void onClose(Throwable cause) {
      if (current()) {
        MetaCache.this.onClose(cause);
      }
    }
  }

  /** Called (serially, on the feed thread) after each event is applied to the cache. */
  void observe(Consumer<ChangeEvent> o) {
    observer = o;
  }

  long fed() {
    return fed;
  }

  /** A present entry (version &ge; 0) or null; marks it referenced and counts the hit. */
  private Entry hit(Key k) {
    Entry e = map.get(k);
    if (e == null || e.version < 0) {
      return null;
    }
    if (!e.used) {
      e.used = true;
    }
    hits.inc();
    return e;
  }

  Versioned get(byte[] key) {
    Key k = new Key(key);
    Entry e = hit(k);
    if (e != null) {
      return new Versioned(key, e.value, e.version);
    }
    if (knownAbsent(k)) {
      return Versioned.absent(key);
    }
    misses.inc();
    loading.merge(k, 1, Integer::sum);
    long ep = epoch;
    long before = fed;
    Versioned v;
    try {
      v = store.get(key);
    } catch (RuntimeException ex) {
      unload(k);
      throw ex;
    }
    Versioned out = install(k, v, before, ep);
    unload(k);
    return out;
  }

  /** The cached state of {@code key}, or null if not cached (no store read). */
  Versioned peek(byte[] key) {
    Key k = new Key(key);
    Entry e = hit(k);
    if (e == null) {
      return knownAbsent(k) ? Versioned.absent(key) : null;
    }
    return new Versioned(key, e.value, e.version);
  }

  /** True if a read of {@code key} would be answered without the store (no metrics counted). */
  boolean cached(byte[] key) {
    Key k = new Key(key);
    Entry e = map.get(k);
    return e != null ? e.version >= 0 : ranges.inComplete(key);
  }

  /**
   * True if {@code k} is not in the map at all (not even as an unknown-value marker) and its range
   * is complete: absent as of the feed. The map is read first: completeness is always dropped
   * before a present entry of the range leaves the map.
   */
  private boolean knownAbsent(Key k) {
    if (map.get(k) != null || !ranges.inComplete(k.bytes)) {
      return false;
    }
    negativeHits.inc();
    return true;
  }

  /**
   * Marks the range with prefix {@code range} complete: every present key of it is (and stays) in
   * the map. Only for a range nobody else can have written yet (an inode this client is creating),
   * called before the commit that creates it.
   */
  void markComplete(byte[] range) {
    ranges.markComplete(range);
  }

  /** Forgets that a range is complete (its inode is gone, or its creation failed). */
  void forgetComplete(byte[] range) {
    ranges.forget(range);
  }

  boolean isComplete(byte[] range) {
    return ranges.isComplete(range);
  }

  /** Before a present (or unknown: {@code e} null) entry leaves the map; an absent one may go freely. */
  private void leaving(Key k, Entry e) {
    if (e == null || e.version != 0) {
      ranges.leaving(k.bytes);
    }
  }

  private boolean tracked(Key k) {
    return ranges.tracked(k.bytes);
  }

  /**
   * A store scan of {@code range}, whose keys all belong to the range with prefix {@code
   * rangePrefix}, installing what it returns. While it runs, feed events for keys of the range
   * are installed even if not cached (as for a key being loaded), so a scanned value never
   * overwrites a newer event that arrived meanwhile. If {@code first} is given (the start of
   * {@code range}, scanned from its start) and the scan did not return it, it is installed as
   * absent.
   */
  ScanPage scan(byte[] rangePrefix, KeyRange range, int limit, byte[] after, byte[] first) {
    ranges.beginScan(rangePrefix);
    try {
      long ep = epoch;
      long before = fed;
      ScanPage page = store.scan(range, limit, after);
      boolean sawFirst = false;
      for (Versioned v : page.entries()) {
        install(new Key(v.key()), v, before, ep);
        sawFirst |= first != null && java.util.Arrays.equals(first, v.key());
      }
      if (first != null && !sawFirst) {
        install(new Key(first), Versioned.absent(first), before, ep);
      }
      return page;
    } finally {
      ranges.endScan(rangePrefix);
    }
  }

  /** Reads several keys: hits from the cache, the misses in one consistent store read. */
  List<Versioned> getAll(List<byte[]> keys) {
    List<Versioned> out = new ArrayList<>(keys.size());
    List<Integer> missIdx = null;
    List<Key> missKeys = null;
    for (byte[] key : keys) {
      Key k = new Key(key);
      Entry e = hit(k);
      if (e != null) {
        out.add(new Versioned(key, e.value, e.version));
      } else if (knownAbsent(k)) {
        out.add(Versioned.absent(key));
      } else {
        if (missKeys == null) {
          missIdx = new ArrayList<>();
          missKeys = new ArrayList<>();
        }
        misses.inc();
        loading.merge(k, 1, Integer::sum);
        missIdx.add(out.size());
        missKeys.add(k);
        out.add(null);
      }
    }
    if (missKeys == null) {
      return out;
    }
    long ep = epoch;
    long before = fed;
    List<byte[]> raw = new ArrayList<>(missKeys.size());
    missKeys.forEach(k -> raw.add(k.bytes));
    List<Versioned> loaded;
    try {
      loaded = store.getAll(raw);
    } catch (RuntimeException ex) {
      missKeys.forEach(this::unload);
      throw ex;
    }
    for (int i = 0; i < missKeys.size(); i++) {
      Key k = missKeys.get(i);
      out.set(missIdx.get(i), install(k, loaded.get(i), before, ep));
      unload(k);
    }
    return out;
  }

  /**
   * Installs {@code v}, read from the store after the feed had reached {@code before}, unless the
   * cache holds something newer; returns the newer of the two. An absent value carries no
   * revision: against an entry a feed event installed meanwhile (stamp past {@code before}) it
   * cannot be ordered, so the read itself is returned (it is linearizable: it began after the
   * caller did) and the entry stays for the feed to settle.
   */
  private Versioned install(Key k, Versioned v, long before, long ep) {
    if (ep != epoch) {
      return v; // read before a RESYNC: the feed will not correct it (see epoch)
    }
    long stamp = Math.max(v.version(), before);
    Entry now = map.get(k);
    if (now != null && (now.stamp >= stamp || now.version == v.version() && v.version() > 0)) {
      // Newer, or the same version (nothing changed in between: raising its stamp is not needed).
      if (v.version() == 0 && now.stamp > before && now.version != 0) {
        return v;
      }
      return now.version >= 0 ? new Versioned(k.bytes, now.value, now.version) : v;
    }
    Versioned[] out = {v};
    map.compute(k, (kk, cur) -> {
      if (ep != epoch) {
        return cur; // a RESYNC began meanwhile; it clears the map after bumping the epoch
      }
      if (cur != null && cur.stamp >= stamp) {
        if (v.version() == 0 && cur.stamp > before && cur.version != 0) {
          return cur;
        }
        if (cur.version >= 0) {
          out[0] = new Versioned(kk.bytes, cur.value, cur.version);
        }
        return cur;
      }
      return counted(kk, cur, new Entry(v.value(), v.version(), stamp));
    });
    bound();
    return out[0];
  }

  /** The heap an entry holds: its key, its value and ~64 B of objects. */
  private static long weigh(Key k, Entry e) {
    return e == null ? 0 : 64L + k.bytes.length + (e.value == null ? 0 : e.value.length);
  }

  /** Counts a change of {@code k}'s entry from {@code cur} to {@code next}; returns {@code next}. */
  private Entry counted(Key k, Entry cur, Entry next) {
    if (cur != next) {
      bytes.addAndGet(weigh(k, next) - weigh(k, cur));
    }
    return next;
  }

  private boolean removeCounted(Key k) {
    Entry old = map.remove(k);
    if (old != null) {
      bytes.addAndGet(-weigh(k, old));
    }
    return old != null;
  }

  private void clearCounted() {
    for (Key k : map.keySet()) {
      removeCounted(k);
    }
  }

  /** Heap held by the cached entries (tests, metrics). */
  long bytes() {
    return bytes.get();
  }

  private void unload(Key k) {
    loading.computeIfPresent(k, (kk, n) -> n == 1 ? null : n - 1);
  }

  /** Drops one key (after a failed compare): the next read goes to the store. */
  void invalidate(byte[] key) {
    Key k = new Key(key);
    leaving(k, null);
    if (removeCounted(k)) {
      invalidations.inc();
    }
  }

  /** Applies the writes of a commit of this client at its revision. */
  void applyOwn(long revision, List<byte[]> keys, List<byte[]> values) {
    for (int i = 0; i < keys.size(); i++) {
      byte[] v = values.get(i);
      Key key = new Key(keys.get(i));
      Entry now = map.get(key);
      if (now != null && now.stamp >= revision) {
        continue; // the feed was faster (lock-free check first: counters are hot keys)
      }
      map.compute(key, (kk, cur) -> {
        if (cur != null && cur.stamp >= revision || revision <= resyncedAt) {
          return cur; // newer; or at or below a RESYNC, whose skipped events may have replaced it
        }
        return counted(kk, cur, new Entry(v, v == null ? 0 : revision, revision));
      });
    }
    bound();
  }

  /**
   * Keeps the map within capacity: a CLOCK sweep down to the low-water mark. Within one sweep, an
   * entry's reference bit saves it only during the first pass over the map (so readers re-setting
   * bits cannot stall it). Re-checked after unlocking, so an insert made while another thread
   * swept is not left over capacity.
   */
  private void bound() {
    while ((map.size() > capacity || bytes.get() > capacityBytes) && sweepLock.tryLock()) {
      try {
        long secondChances = map.size() + 1L;
        while (map.size() > lowWater || bytes.get() > lowWaterBytes) {
          if (hand == null || !hand.hasNext()) {
            hand = map.entrySet().iterator();
            if (!hand.hasNext()) {
              return;
            }
          }
          Map.Entry<Key, Entry> me = hand.next();
          Entry e = me.getValue();
          if (e.used && secondChances-- > 0) {
            e.used = false;
          } else {
            leaving(me.getKey(), e);
            if (map.remove(me.getKey(), e)) {
              bytes.addAndGet(-weigh(me.getKey(), e));
              evictions.inc();
            }
          }
        }
      } finally {
        sweepLock.unlock();
      }
    }
  }

  /** True while the feed holds a valid cache lease ({@link Watch#coherent()}). */
  boolean coherent() {
    Watch w = watch;
    return w != null && w.coherent();
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

  /**
   * A read barrier: a revision the store read after this call began (shared with concurrent
   * barriers, {@link RevisionReads}), then wait for the feed to reach it. Afterwards the cache
   * reflects every commit acknowledged to any client before this call.
   */
  void barrier(long timeoutNanos) {
    Watch w = watch;
    if (w != null && w.coherent()) {
      leasedBarriers.inc();
      return; // a leased feed: every commit acknowledged before now is in this cache already
    }
    roundTripBarriers.inc();
    long deadline = System.nanoTime() + timeoutNanos;
    long rev = -1;
    try {
      rev = revisions.next(timeoutNanos);
      if (!awaitFed(rev, Math.max(0, deadline - System.nanoTime()))) {
        throw new FsException(Errno.ETIMEDOUT, "change feed at revision " + fed
            + " did not reach the read barrier at " + rev + " in "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new FsException(Errno.ETIMEDOUT, "no store revision for the read barrier in "
          + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted waiting for revision " + rev);
    }
  }

  @Override
  public void onEvent(ChangeEvent event) {
    long r = event.revision();
    for (Change c : event.changes()) {
      Key key = new Key(c.key());
      Entry now = map.get(key);
      if (now == null ? !loading.containsKey(key) && !tracked(key) : now.stamp >= r) {
        // Lock-free skip (most events are this client's own commits, already applied). A load
        // that registers after this check reads the store after the event was committed.
        continue;
      }
      map.compute(key, (k, cur) -> {
        if (cur == null && !loading.containsKey(k) && !tracked(k)) {
          return null;
        }
        if (cur != null && cur.stamp >= r) {
          return cur;
        }
        if (c.valueOmitted()) {
          // Unknown value: a marker (version -1) that reads as a miss and that only a load at
          // least as new as this event can replace.
          invalidations.inc();
          return counted(k, cur, new Entry(null, -1, r));
        }
        if (cur != null) {
          invalidations.inc();
        }
        return counted(k, cur, new Entry(c.value(), c.deleted() ? 0 : c.version(), r));
      });
    }
    bound();
    observer.accept(event);
    advance(r);
  }

  @Override
  public void onProgress(long revision) {
    advance(revision);
  }

  @Override
  public void onResync(long revision) {
    // The feed position first (also back, after a restore to an older revision: later loads are
    // stamped as of it), then the epoch (loads begun earlier install nothing), then the map.
    synchronized (feedLock) {
      fed = revision;
      feedLock.notifyAll();
    }
    resyncedAt = revision;
    epoch++;
    invalidations.inc(map.size());
    ranges.clear();
    clearCounted();
    log.warn("metadata change feed resynced at revision {}: cache dropped", revision);
    observer.accept(new ChangeEvent(revision, List.of()));
  }

  @Override
  public void onClose(Throwable cause) {
    if (closed) {
      return;
    }
    log.warn("metadata change feed ended at revision {}; resubscribing", fed, cause);
    ranges.clear();
    clearCounted();
    if (!resubscribe()) {
      // Until the feed is back the cache holds nothing and every barrier waits for it (and times
      // out): retried in the background, so the client recovers once the store answers again.
      Thread t = new Thread(this::resubscribeUntilClosed, "quorumfs-feed-resubscribe");
      t.setDaemon(true);
      t.start();
    }
  }

  private boolean resubscribe() {
    try {
      watch = subscribe();
      return true;
    } catch (RuntimeException e) {
      log.error("cannot resubscribe to the metadata change feed at revision {}; retrying", fed, e);
      return false;
    }
  }

  private void resubscribeUntilClosed() {
    long backoffMillis = 50;
    while (!closed) {
      try {
        Thread.sleep(backoffMillis); // retry interval, not synchronisation
      } catch (InterruptedException e) {
        return;
      }
      if (closed || resubscribe()) {
        if (!closed) {
          log.info("metadata change feed resubscribed at revision {}", fed);
        }
        return;
      }
      backoffMillis = Math.min(5_000, backoffMillis * 2);
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

  int size() {
    return map.size();
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
