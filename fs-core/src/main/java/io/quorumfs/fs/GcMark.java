package io.quorumfs.fs;

import io.quorumfs.blob.BlobId;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The mark phase of blob garbage collection: every blob id referenced by a chunk map. The scan is
 * paged, so it is combined with the change feed: every chunk-map entry written from the revision
 * the mark started at until the scan ended is marked too. A blob referenced at any moment of the
 * mark is therefore in the set; blobs uploaded but not yet referenced are protected by the blob
 * GC's grace period, not by this set.
 */
public final class GcMark {

  /** The live ids, and the revision the mark started at. */
  public record Marked(long revision, Set<BlobId> live) {
    public Marked {
      live = Set.copyOf(live);
    }
  }

  private GcMark() {}

  /**
   * Marks every blob id live in the file system under {@code config}'s key prefix.
   *
   * @throws FsException ETIMEDOUT if the change feed does not reach the end of the scan within
   *     {@code feedTimeout}, EIO on a store error (never a partial set)
   */
  public static Marked liveBlobs(KvStore meta, FsConfig config, Duration feedTimeout) {
    Keys k = new Keys(config.keyPrefix());
    Set<BlobId> live = Collections.synchronizedSet(new HashSet<>());
    long start = meta.revision();
    Object lock = new Object();
    long[] fed = {start};
    Throwable[] failed = {null};
    Watch w = meta.watch(start, new WatchListener() {
      @Override
      public void onEvent(ChangeEvent e) {
        for (Change c : e.changes()) {
          if (!c.deleted() && k.is(c.key(), Keys.CHUNK) && c.value() != null) {
            live.add(ChunkRef.decode(c.value()).id());
          }
        }
        advance(e.revision());
      }

      @Override
      public void onResync(long revision) {
        synchronized (lock) {
          failed[0] = new IllegalStateException("change feed resynced during the mark");
          lock.notifyAll();
        }
      }

      @Override
      public void onProgress(long revision) {
        advance(revision);
      }

      private void advance(long r) {
        synchronized (lock) {
          fed[0] = Math.max(fed[0], r);
          lock.notifyAll();
        }
      }
    });
    try {
      byte[] after = null;
      while (true) {
        ScanPage p = meta.scan(k.allChunks(), 1000, after);
        for (Versioned v : p.entries()) {
          live.add(ChunkRef.decode(v.value()).id());
        }
        if (!p.more() || p.entries().isEmpty()) {
          break;
        }
        after = p.next();
      }
      long end = meta.revision();
      long deadline = System.nanoTime() + feedTimeout.toNanos();
      synchronized (lock) {
        while (fed[0] < end && failed[0] == null) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new FsException(Errno.ETIMEDOUT, "change feed at " + fed[0]
                + " did not reach the end of the mark scan at " + end);
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        if (failed[0] != null) {
          throw new FsException(Errno.EIO, "GC mark failed: " + failed[0].getMessage());
        }
      }
      return new Marked(start, live);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "GC mark interrupted");
    } catch (io.quorumfs.kv.KvException e) {
      throw new FsException(Errno.EIO, "GC mark: " + e.getMessage(), e);
    } finally {
      w.close();
    }
  }
}
