package io.quorumfs.blob;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local, bounded blob cache (the fast side: {@code file://} or {@code rocks://}) in front of any
 * remote store (the slow side), with an optional write-back mode.
 *
 * <ul>
 *   <li><b>Write-back</b> (default): {@link #put} stores the blob locally, records its id in a
 *       durable outbox (a {@link KvStore}, e.g. rocks:// next to the cache) and returns; uploader
 *       threads copy outbox blobs to the remote and then drop them from the outbox. A crash loses
 *       nothing acknowledged: on open, the outbox is read back and uploading resumes.
 *       <b>Write-through</b>: put stores remotely first, then caches.</li>
 *   <li><b>Reads</b> go local first; a miss (or a damaged local copy) reads the remote, verified,
 *       and fills the cache.</li>
 *   <li><b>Eviction</b>: the local side is kept under {@code cacheBytes} by deleting least recently
 *       used blobs, never one still in the outbox (the cache may exceed its bound while uploads
 *       lag).</li>
 *   <li>{@link #missing} and {@link #info} answer for outbox blobs locally and ask the remote for
 *       the rest (in write-back mode an unreachable remote makes the rest count as missing, so they
 *       are put into the outbox); {@link #list} merges outbox blobs into the remote's listing; {@link #deleteIfOlder}
 *       drops outbox blobs by their local stamp and the rest at the remote.</li>
 * </ul>
 * A blob deleted while its upload is in flight may reappear at the remote; garbage collection
 * removes it later. Thread-safe. {@link #close} stops the uploaders and closes the local, remote and
 * outbox stores.
 */
public final class PairedBlobStore implements BlobStore {

  private static final Logger LOG = LoggerFactory.getLogger(PairedBlobStore.class);
  private static final byte[] OUTBOX = Bytes.utf8("blob-outbox/");
  private static final int STRIPES = 64;

  private final BlobStore local;
  private final BlobStore remote;
  private final KvStore outbox;
  private final long cacheBytes;
  private final boolean writeBack;
  private final Object[] stripes = new Object[STRIPES];
  /** Access-ordered: eldest first. Guarded by itself, as is {@link #cached}. */
  private final LinkedHashMap<BlobId, Long> lru = new LinkedHashMap<>(1024, 0.75f, true);
  private long cached;
  /** Ids in the outbox; changes to it happen under {@link #lru}'s lock so eviction sees them. */
  private final NavigableSet<BlobId> pending = new ConcurrentSkipListSet<>();
  private final LinkedBlockingQueue<BlobId> queue = new LinkedBlockingQueue<>();
  private final List<Thread> uploaders = new ArrayList<>();
  private volatile boolean closed;

  private PairedBlobStore(Builder b) {
    this.local = b.local;
    this.remote = b.remote;
    this.outbox = b.outbox;
    this.cacheBytes = b.cacheBytes;
    this.writeBack = b.writeBack;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
    loadOutbox();
    loadCache();
    evict();
    for (int i = 0; i < b.uploaders; i++) {
      Thread t = new Thread(this::uploadLoop, "blob-uploader-" + i);
      t.setDaemon(true);
      uploaders.add(t);
      t.start();
    }
  }

  /**
   * @param local the fast side (a {@link DirBlobStore} or a {@link KvBlobStore} over rocks://)
   * @param remote the slow side (any store)
   * @param outbox where the outbox lives (durable: rocks:// with {@code fsync=commit}); only keys under "blob-outbox/" are used
   */
  public static Builder builder(BlobStore local, BlobStore remote, KvStore outbox) {
    return new Builder(local, remote, outbox);
  }

  @Override
  public BlobId put(byte[] content) {
    BlobId id = BlobId.of(content);
    putHashed(id, content);
    return id;
  }

  @Override
  public void putHashed(BlobId id, byte[] content) {
    checkOpen();
    if (!writeBack) {
      remote.putHashed(id, content);
      local.putHashed(id, content);
      cacheAdd(id, content.length);
      return;
    }
    synchronized (stripe(id)) {
      synchronized (lru) {
        pending.add(id); // pinned before the local write: eviction can no longer drop it
      }
      try {
        local.putHashed(id, content);
        outbox.commit(Txn.builder().put(outboxKey(id), Bytes.ofLong(content.length)).build());
      } catch (RuntimeException e) {
        if (!outbox.get(outboxKey(id)).exists()) {
          unpin(id);
        }
        throw e;
      }
    }
    queue.add(id);
    cacheAdd(id, content.length);
  }

  @Override
  public byte[] get(BlobId id) {
    checkOpen();
    try {
      byte[] data = local.get(id);
      touch(id, data.length);
      return data;
    } catch (BlobNotFoundException e) {
      return fill(id, null);
    } catch (BlobCorruptException e) {
      LOG.error("local copy of blob {} in {} is corrupt; reading it from {}", id, local, remote);
      return fill(id, e);
    }
  }

  /** Reads from the remote and caches; a local corruption is rethrown if the remote lacks the blob. */
  private byte[] fill(BlobId id, BlobCorruptException localError) {
    byte[] data;
    try {
      data = remote.get(id);
    } catch (BlobNotFoundException e) {
      if (localError != null) {
        throw localError;
      }
      throw new BlobNotFoundException(id, this.toString());
    }
    if (localError != null && !pending.contains(id)) {
      local.delete(List.of(id));
    }
    local.put(data);
    cacheAdd(id, data.length);
    return data;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    return Ranges.slice(id, get(id), offset, length);
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    checkOpen();
    if (pending.contains(id)) {
      Optional<BlobInfo> i = local.info(id);
      if (i.isPresent()) {
        return i;
      }
    }
    return remote.info(id);
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    checkOpen();
    List<BlobId> mine = new ArrayList<>();
    List<BlobId> theirs = new ArrayList<>();
    for (BlobId id : new LinkedHashSet<>(ids)) {
      (pending.contains(id) ? mine : theirs).add(id);
    }
    Set<BlobId> out = new LinkedHashSet<>();
    if (!mine.isEmpty()) {
      out.addAll(local.missing(mine)); // refreshes local stamps; a hit here means a lost local copy
    }
    if (!theirs.isEmpty()) {
      try {
        out.addAll(remote.missing(theirs));
      } catch (BlobUnavailableException e) {
        if (!writeBack) {
          throw e;
        }
        // Write-back does not wait for the remote: calling them missing makes the caller put them,
        // into the outbox; the upload asks the remote again before sending anything.
        LOG.warn("{} unreachable; treating {} blobs as missing (they go to the outbox): {}",
            remote, theirs.size(), e.toString());
        out.addAll(theirs);
      }
    }
    return out;
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    checkOpen();
    int deleted = 0;
    List<BlobId> theirs = new ArrayList<>();
    for (BlobId id : new LinkedHashSet<>(ids)) {
      if (!pending.contains(id)) {
        theirs.add(id);
        continue;
      }
      synchronized (stripe(id)) {
        Optional<BlobInfo> i = local.info(id);
        if (i.isPresent() && i.get().stamp().isBefore(cutoff)) {
          outbox.commit(Txn.builder().delete(outboxKey(id)).build());
          synchronized (lru) {
            Long size = lru.remove(id);
            cached -= size == null ? 0 : size;
          }
          unpin(id);
          local.delete(List.of(id));
          deleted++;
        }
      }
    }
    if (!theirs.isEmpty()) {
      deleted += remote.deleteIfOlder(theirs, cutoff);
      synchronized (lru) {
        for (BlobId id : theirs) {
          if (!pending.contains(id)) {
            Long size = lru.remove(id);
            cached -= size == null ? 0 : size;
            local.delete(List.of(id));
          }
        }
      }
    }
    return deleted;
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    checkOpen();
    BlobPage rp = remote.list(after, limit);
    TreeMap<BlobId, BlobInfo> merged = new TreeMap<>();
    rp.blobs().forEach(b -> merged.put(b.id(), b));
    BlobId bound = rp.more() ? rp.next() : null;
    NavigableSet<BlobId> tail = after == null ? pending : pending.tailSet(after, false);
    int taken = 0;
    for (BlobId id : tail) {
      if ((bound != null && id.compareTo(bound) > 0) || taken > limit) {
        break;
      }
      if (!merged.containsKey(id)) {
        local.info(id).ifPresent(i -> merged.put(id, i));
      }
      taken++;
    }
    List<BlobInfo> out = new ArrayList<>(merged.values());
    boolean more = rp.more() || out.size() > limit || taken > limit;
    return new BlobPage(out.size() > limit ? out.subList(0, limit) : out, more);
  }

  /** Blobs in the outbox, not yet on the remote. */
  public int pendingUploads() {
    return pending.size();
  }

  /** Bytes the local cache holds (as accounted; outbox blobs included). */
  public long cachedBytes() {
    synchronized (lru) {
      return cached;
    }
  }

  /**
   * Uploads every outbox blob in the calling thread, then evicts. Returns when the outbox is empty.
   *
   * @throws BlobException if an upload fails (the blob stays in the outbox)
   */
  public void flush() {
    checkOpen();
    for (BlobId id : List.copyOf(pending)) {
      upload(id);
    }
    evict();
  }

  /** Waits until the background uploaders have emptied the outbox; false on timeout. */
  public boolean awaitUploads(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (pending) {
      while (!pending.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(pending, left);
      }
    }
    return true;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Thread t : uploaders) {
      t.interrupt();
    }
    for (Thread t : uploaders) {
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      local.close();
    } finally {
      try {
        remote.close();
      } finally {
        outbox.close();
      }
    }
  }

  @Override
  public String toString() {
    return "paired(" + local + " -> " + remote + ")";
  }

  // ---- uploads ----

  private void uploadLoop() {
    long backoff = 100;
    while (!closed) {
      BlobId id;
      try {
        id = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      try {
        upload(id);
        backoff = 100;
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn("upload of blob {} to {} failed, retrying in {} ms: {}", id, remote, backoff, e.toString());
        queue.add(id);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          return;
        }
        backoff = Math.min(backoff * 2, 10_000);
      }
    }
  }

  /** Copies one outbox blob to the remote and removes it from the outbox (if unchanged meanwhile). */
  private void upload(BlobId id) {
    Versioned entry = outbox.get(outboxKey(id));
    if (!entry.exists()) {
      return; // deleted, or uploaded by another thread
    }
    if (!remote.missing(List.of(id)).isEmpty()) {
      remote.putHashed(id, local.get(id)); // verified by the local read
    }
    synchronized (stripe(id)) {
      if (outbox.commit(Txn.builder().requireUnchanged(entry).delete(entry.key()).build()).ok()) {
        unpin(id);
      }
    }
    evict();
  }

  private void unpin(BlobId id) {
    synchronized (lru) {
      pending.remove(id);
    }
    synchronized (pending) {
      pending.notifyAll();
    }
  }

  // ---- cache bookkeeping ----

  private void cacheAdd(BlobId id, long size) {
    synchronized (lru) {
      if (lru.putIfAbsent(id, size) == null) {
        cached += size;
      }
    }
    evict();
  }

  private void touch(BlobId id, long size) {
    synchronized (lru) {
      if (lru.get(id) == null) {
        lru.put(id, size);
        cached += size;
      }
    }
  }

  /** Drops least recently used, already uploaded blobs until the cache fits. */
  private void evict() {
    synchronized (lru) {
      var it = lru.entrySet().iterator();
      while (cached > cacheBytes && it.hasNext()) {
        Map.Entry<BlobId, Long> e = it.next();
        if (pending.contains(e.getKey())) {
          continue;
        }
        local.delete(List.of(e.getKey()));
        cached -= e.getValue();
        it.remove();
      }
    }
  }

  private void loadOutbox() {
    byte[] after = null;
    while (true) {
      ScanPage page = outbox.scan(KeyRange.prefix(OUTBOX), 1000, after);
      for (Versioned v : page.entries()) {
        BlobId id = new BlobId(Arrays.copyOfRange(v.key(), OUTBOX.length, v.key().length));
        pending.add(id);
        queue.add(id);
      }
      if (!page.more()) {
        break;
      }
      after = page.next();
    }
    if (!pending.isEmpty()) {
      LOG.info("{}: {} blobs in the outbox, resuming their upload", this, pending.size());
    }
  }

  private void loadCache() {
    List<BlobInfo> all = new ArrayList<>();
    BlobId after = null;
    while (true) {
      BlobPage p = local.list(after, 1000);
      all.addAll(p.blobs());
      if (!p.more()) {
        break;
      }
      after = p.next();
    }
    all.sort(Comparator.comparing(BlobInfo::stamp)); // oldest first: evicted first
    synchronized (lru) {
      for (BlobInfo b : all) {
        lru.put(b.id(), b.size());
        cached += b.size();
      }
    }
  }

  private byte[] outboxKey(BlobId id) {
    byte[] k = Arrays.copyOf(OUTBOX, OUTBOX.length + BlobId.BYTES);
    id.writeTo(k, OUTBOX.length);
    return k;
  }

  private Object stripe(BlobId id) {
    return stripes[(id.hashCode() & 0x7fffffff) % STRIPES];
  }

  private void checkOpen() {
    if (closed) {
      throw new BlobException(this + " is closed");
    }
  }

  /** Settings of a {@link PairedBlobStore}. */
  public static final class Builder {
    private final BlobStore local;
    private final BlobStore remote;
    private final KvStore outbox;
    private long cacheBytes = 1L << 30;
    private boolean writeBack = true;
    private int uploaders = 2;

    private Builder(BlobStore local, BlobStore remote, KvStore outbox) {
      this.local = Objects.requireNonNull(local, "local");
      this.remote = Objects.requireNonNull(remote, "remote");
      this.outbox = Objects.requireNonNull(outbox, "outbox");
    }

    /** Bound of the local cache in bytes (default 1 GiB). */
    public Builder cacheBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("cache bytes must be >= 0, got " + bytes);
      }
      this.cacheBytes = bytes;
      return this;
    }

    /** True (default): put returns once the blob is local and in the outbox. False: write-through. */
    public Builder writeBack(boolean writeBack) {
      this.writeBack = writeBack;
      return this;
    }

    /** Background upload threads (default 2; 0 = upload only on {@link PairedBlobStore#flush()}). */
    public Builder uploaders(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("uploaders must be >= 0, got " + n);
      }
      this.uploaders = n;
      return this;
    }

    public PairedBlobStore build() {
      return new PairedBlobStore(this);
    }
  }
}
