package io.quorumfs.fs;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's view of a shared store that a test steers: its change feed can be paused (events
 * queue up, as for a client whose feed lags), resumed, or cut with a RESYNC (the queued events
 * are dropped, as when the store trimmed them); its next commits can be made to fail as if
 * the store were unreachable; and its next commit can be held at the door until the test lets it
 * through (to run something else between a txn's body and its commit).
 */
public final class FeedControlStore extends ForwardingKvStore {
  private final Object lock = new Object();
  private final ArrayDeque<ChangeEvent> queued = new ArrayDeque<>();
  private final AtomicInteger failCommits = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private WatchListener listener;
  private boolean paused;
  private long resyncedAt = -1;

  public FeedControlStore(KvStore inner) {
    super(inner);
  }

  @Override
  public Watch watch(long fromRevision, WatchListener l) {
    WatchListener gate = new WatchListener() {
      @Override
      public void onEvent(ChangeEvent e) {
        synchronized (lock) {
          if (e.revision() <= resyncedAt) {
            return; // skipped by the RESYNC
          }
          if (paused) {
            queued.add(e);
          } else {
            l.onEvent(e);
          }
        }
      }

      @Override
      public void onResync(long revision) {
        synchronized (lock) {
          l.onResync(revision);
        }
      }

      @Override
      public void onProgress(long revision) {
        synchronized (lock) {
          if (!paused) {
            l.onProgress(revision);
          }
        }
      }

      @Override
      public void onClose(Throwable cause) {
        l.onClose(cause);
      }
    };
    synchronized (lock) {
      listener = l;
    }
    return inner.watch(fromRevision, gate);
  }

  /** Holds back every later event until {@link #resume} or {@link #resync}. */
  void pause() {
    synchronized (lock) {
      paused = true;
    }
  }

  /** Delivers what was held back, in order, and lets the feed flow again. */
  void resume() {
    synchronized (lock) {
      while (!queued.isEmpty()) {
        listener.onEvent(queued.poll());
      }
      paused = false;
    }
  }

  /** Drops what was held back and tells the client so with a RESYNC at the store's revision. */
  public void resync() {
    synchronized (lock) {
      resyncedAt = inner.revision();
      queued.clear();
      paused = false;
      listener.onResync(resyncedAt);
    }
  }

  private final AtomicInteger passBeforeFailing = new AtomicInteger();

  /** The next {@code n} commits fail with {@link KvUnavailableException}. */
  void failNextCommits(int n) {
    failNextCommits(0, n);
  }

  /** After {@code pass} more commits, the next {@code n} fail. */
  void failNextCommits(int pass, int n) {
    passBeforeFailing.set(pass);
    failCommits.set(n);
  }

  /** How many commits were made to fail. */
  int failedCommits() {
    return failed.get();
  }

  private volatile java.util.concurrent.CountDownLatch[] gate;

  /** The next commit waits, once it has arrived ({@link #awaitHeldCommit}), for {@link #releaseHeldCommit}. */
  void holdNextCommit() {
    gate = new java.util.concurrent.CountDownLatch[] {
        new java.util.concurrent.CountDownLatch(1), new java.util.concurrent.CountDownLatch(1)};
  }

  void awaitHeldCommit() throws InterruptedException {
    if (!gate[0].await(60, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new AssertionError("no commit arrived");
    }
  }

  void releaseHeldCommit() {
    gate[1].countDown();
  }

  @Override
  public CommitResult commit(Txn txn) {
    java.util.concurrent.CountDownLatch[] g = gate;
    if (g != null && g[0].getCount() > 0) {
      synchronized (this) {
        if (gate == g && g[0].getCount() > 0) {
          g[0].countDown();
          try {
            g[1].await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvUnavailableException("test: interrupted at the gate");
          }
        }
      }
    }
    if (passBeforeFailing.getAndUpdate(n -> Math.max(0, n - 1)) == 0
        && failCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      failed.incrementAndGet();
      throw new KvUnavailableException("test: commit refused");
    }
    return inner.commit(txn);
  }
}
