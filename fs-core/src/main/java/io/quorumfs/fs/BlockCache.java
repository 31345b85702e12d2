package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobNotFoundException;
import io.quorumfs.blob.BlobStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * A bounded LRU of chunk contents by blob id in front of the {@link BlobStore}. Content-addressed,
 * so entries never go stale. A chunk being loaded is loaded once: a reader that asks for it while
 * another thread (e.g. read-ahead) fetches it waits for that fetch instead of reading it again.
 */
final class BlockCache {
  private final BlobStore blobs;
  private final long capacity;
  private final Duration blobWait;
  private final LinkedHashMap<BlobId, byte[]> lru = new LinkedHashMap<>(256, 0.75f, true);
  private final Map<BlobId, CompletableFuture<byte[]>> loading = new HashMap<>();
  private final Counter hits;
  private final Counter misses;
  private final Counter ranged;
  private final Counter waited;
  private long bytes;

  BlockCache(BlobStore blobs, long capacity, Duration blobWait, MetricRegistry metrics) {
    this.blobs = blobs;
    this.capacity = capacity;
    this.blobWait = blobWait;
    this.waited = metrics.counter("quorumfs.fs.blocks.waited");
    this.hits = metrics.counter("quorumfs.fs.blocks.hits");
    this.misses = metrics.counter("quorumfs.fs.blocks.misses");
    this.ranged = metrics.counter("quorumfs.fs.blocks.ranged");
  }

  byte[] get(BlobId id) {
    CompletableFuture<byte[]> mine = null;
    CompletableFuture<byte[]> theirs;
    synchronized (this) {
      byte[] b = lru.get(id);
      if (b != null) {
        hits.inc();
        return b;
      }
      theirs = loading.get(id);
      if (theirs == null) {
        mine = new CompletableFuture<>();
        loading.put(id, mine);
      }
    }
    if (mine == null) {
      return await(id, theirs);
    }
    misses.inc();
    try {
      byte[] b = awaitBlob(() -> blobs.get(id));
      put(id, b);
      mine.complete(b);
      return b;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      synchronized (this) {
        loading.remove(id);
      }
    }
  }

  /**
   * {@code length} bytes of blob {@code id} from {@code offset} (fewer at its end): from the cache
   * if the chunk is there or being loaded, else a ranged read of the store that is not cached (a
   * small random read must not fetch and keep a whole chunk).
   */
  byte[] getRange(BlobId id, int offset, int length) {
    CompletableFuture<byte[]> theirs;
    synchronized (this) {
      byte[] b = lru.get(id);
      if (b != null) {
        hits.inc();
        return slice(b, offset, length);
      }
      theirs = loading.get(id);
    }
    if (theirs != null) {
      return slice(await(id, theirs), offset, length);
    }
    ranged.inc();
    return awaitBlob(() -> blobs.get(id, offset, length));
  }

  /**
   * Reads through {@code read}, retrying while the blob is not found, up to {@link #blobWait}: the
   * metadata names a chunk only after its writer stored it, so an absent chunk is one a write-back
   * client acknowledged and is still uploading. Polls at 20 ms doubling to 1 s.
   *
   * @throws BlobNotFoundException if it is still absent at the deadline
   */
  private <T> T awaitBlob(Supplier<T> read) {
    long deadline = System.nanoTime() + blobWait.toNanos();
    long pause = 20;
    boolean counted = false;
    while (true) {
      try {
        return read.get();
      } catch (BlobNotFoundException e) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw e;
        }
        if (!counted) {
          waited.inc();
          counted = true;
        }
        try {
          Thread.sleep(Math.min(pause, Math.max(1, left / 1_000_000)));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new FsException(Errno.EINTR, "interrupted while waiting for blob " + e.id());
        }
        pause = Math.min(pause * 2, 1000);
      }
    }
  }

  private static byte[] slice(byte[] b, int offset, int length) {
    int from = Math.min(offset, b.length);
    return Arrays.copyOfRange(b, from, from + Math.max(0, Math.min(length, b.length - from)));
  }

  private static byte[] await(BlobId id, CompletableFuture<byte[]> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted while waiting for blob " + id);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new BlobException("loading blob " + id + ": " + c, c);
    }
  }

  long capacity() {
    return capacity;
  }

  synchronized boolean contains(BlobId id) {
    return lru.containsKey(id);
  }

  synchronized void put(BlobId id, byte[] content) {
    if (content.length > capacity / 4 || lru.containsKey(id)) {
      return;
    }
    lru.put(id, content);
    bytes += content.length;
    var it = lru.entrySet().iterator();
    while (bytes > capacity && it.hasNext()) {
      Map.Entry<BlobId, byte[]> e = it.next();
      bytes -= e.getValue().length;
      it.remove();
    }
  }
}
