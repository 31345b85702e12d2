package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded LRU of chunk contents by blob id in front of the {@link BlobStore}. Content-addressed,
 * so entries never go stale.
 */
final class BlockCache {
  private final BlobStore blobs;
  private final long capacity;
  private final LinkedHashMap<BlobId, byte[]> lru = new LinkedHashMap<>(256, 0.75f, true);
  private final Counter hits;
  private final Counter misses;
  private long bytes;

  BlockCache(BlobStore blobs, long capacity, MetricRegistry metrics) {
    this.blobs = blobs;
    this.capacity = capacity;
    this.hits = metrics.counter("quorumfs.fs.blocks.hits");
    this.misses = metrics.counter("quorumfs.fs.blocks.misses");
  }

  byte[] get(BlobId id) {
    synchronized (this) {
      byte[] b = lru.get(id);
      if (b != null) {
        hits.inc();
        return b;
      }
    }
    misses.inc();
    byte[] b = blobs.get(id);
    put(id, b);
    return b;
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
