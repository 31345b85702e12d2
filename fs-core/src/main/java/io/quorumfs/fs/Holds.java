package io.quorumfs.fs;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This client's holds on unlinked inodes it has open, and its <em>hold position</em>: the
 * revision up to which every trashed inode this client has open is held by a committed hold. The
 * heartbeat records the position in the session key; an inode trashed at revision R is reclaimed
 * only once every registered session's recorded position is at least R (and nobody holds it), so
 * a hold cannot be missed however late a client's feed or its hold commit is.
 *
 * <p>The position follows the feed: a trash event of an inode open here is work outstanding at
 * its revision (a hold committed on the maintenance thread, retried until it succeeds, or found
 * needless: the file closed, the inode no longer in the trash); a RESYNC, or this session
 * re-registering after another client expired it, is work outstanding at the first revision that
 * may have been missed (every open inode checked against the store). The position is the feed's
 * last revision, or just below the oldest outstanding work. Opens need no feed: an open that
 * finds its inode already unlinked holds it itself before it returns.
 *
 * <p>Thread-safety: feed events arrive serially on the feed thread; everything else may come from
 * any thread. Holds and unholds are serialised, so a hold committed for a file closed meanwhile
 * is always undone by the close.
 */
final class Holds {
  private static final Logger log = LoggerFactory.getLogger(Holds.class);
  private static final long FIRST_RETRY_MS = 50;
  private static final long MAX_RETRY_MS = 5_000;

  private final Meta meta;
  private final Keys k;
  private final FileData data;
  private final ScheduledExecutorService executor;
  private volatile Sessions sessions;
  /** The last revision the feed delivered. Guarded by this. */
  private long observed;
  /** Revision → how many pieces of work are outstanding at it. Guarded by this. */
  private final TreeMap<Long, Integer> outstanding = new TreeMap<>();
  /** Serialises hold and unhold commits. */
  private final Object commits = new Object();
  private volatile boolean closed;

  /** Follows the feed from {@code revision} on (no file is open yet). */
  Holds(Meta meta, FileData data, ScheduledExecutorService executor, long revision) {
    this.meta = meta;
    this.k = meta.keys;
    this.data = data;
    this.executor = executor;
    this.observed = revision;
  }

  void setSessions(Sessions s) {
    this.sessions = s;
  }

  /** The revision up to which every trashed inode open here is held. */
  synchronized long position() {
    return outstanding.isEmpty() ? observed : Math.min(observed, outstanding.firstKey() - 1);
  }

  /**
   * The position once the feed has delivered {@code revision} and, if {@code andHolds}, the holds
   * it asks for are committed; waits at most {@code timeoutNanos}. (Not for the holds when called
   * on the maintenance thread: they may be queued behind the caller.)
   */
  synchronized long positionAfter(long revision, boolean andHolds, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while ((andHolds ? position() : observed) < revision && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return position();
  }

  /** Feed observer (the feed thread): an empty event is a RESYNC at its revision. */
  void onEvent(ChangeEvent e) {
    long r = e.revision();
    if (e.changes().isEmpty()) {
      long firstMissed;
      synchronized (this) {
        firstMissed = Math.min(observed + 1, r);
        observed = r;
        begin(firstMissed);
        notifyAll();
      }
      submit(() -> checkAll(firstMissed), 0, FIRST_RETRY_MS);
      return;
    }
    java.util.Set<Key> keys = null;
    for (Change c : e.changes()) {
      if (!c.deleted() && k.is(c.key(), Keys.TRASH)) {
        long ino = k.inoOfTrashKey(c.key());
        if (data.markHeld(ino)) {
          if (keys == null) {
            keys = new java.util.HashSet<>();
            for (Change x : e.changes()) {
              if (!x.deleted()) {
                keys.add(new Key(x.key()));
              }
            }
          }
          if (keys.contains(new Key(k.sessionHold(sessions.id(), ino)))) {
            continue; // this client's own unlink, which held it in the same commit
          }
          synchronized (this) {
            begin(r);
          }
          submit(() -> holdIfOpen(ino, r), 0, FIRST_RETRY_MS);
        }
      }
    }
    synchronized (this) {
      observed = Math.max(observed, r);
      notifyAll();
    }
  }

  /**
   * This session was expired by another client, which dropped its holds: every open inode is
   * checked again, and the position stays at 0 until that is done (called before the session
   * registers again, so its new record says 0).
   */
  void sessionLost() {
    synchronized (this) {
      begin(1);
    }
    submit(() -> checkAll(1), 0, FIRST_RETRY_MS);
  }

  /** Holds {@code ino} for a handle being opened (the open fails if this throws). */
  boolean holdForOpen(long ino) {
    synchronized (commits) {
      return sessions.hold(ino);
    }
  }

  /**
   * After this client's unlink (or rename over) committed a hold on {@code ino} (0: none): if the
   * file is no longer open here, its last close ran between the txn body and the commit and found
   * no hold to drop, so the hold is dropped now; if it is open (again), its last close drops it.
   */
  void settleUnlinkHold(long ino) {
    if (ino == 0) {
      return;
    }
    synchronized (commits) { // an open holding it meanwhile (holdForOpen) comes before or after
      if (!data.markHeld(ino)) {
        sessions.unhold(ino);
      }
    }
  }

  /** Drops this session's hold on {@code ino} after its last local handle closed. */
  void unhold(long ino) {
    synchronized (commits) {
      sessions.unhold(ino);
    }
  }

  void close() {
    closed = true;
    synchronized (this) {
      notifyAll();
    }
  }

  private void holdIfOpen(long ino, long revision) {
    holdIfOpen(ino);
    end(revision);
  }

  /** Holds every open inode found in the trash (the store's copy, not the cache's). */
  private void checkAll(long revision) {
    for (long ino : data.openInodes()) {
      meta.cache.invalidate(k.trash(ino));
      if (meta.cache.get(k.trash(ino)).exists() && data.markHeld(ino)) {
        holdIfOpen(ino);
      }
    }
    end(revision);
  }

  /** Holds {@code ino} unless its last handle here closed (whose unhold then waits for this). */
  private void holdIfOpen(long ino) {
    synchronized (commits) {
      if (data.isOpen(ino)) {
        sessions.hold(ino);
      }
    }
  }

  private void begin(long revision) {
    outstanding.merge(revision, 1, Integer::sum);
  }

  private synchronized void end(long revision) {
    outstanding.computeIfPresent(revision, (r, n) -> n == 1 ? null : n - 1);
    notifyAll();
  }

  /** Runs {@code work} on the maintenance thread after {@code delayMs}, again until it succeeds. */
  private void submit(Runnable work, long delayMs, long nextDelayMs) {
    if (closed) {
      return;
    }
    try {
      executor.schedule(() -> {
        if (closed) {
          return;
        }
        try {
          work.run();
        } catch (RuntimeException ex) {
          if (closed) {
            return;
          }
          log.warn("hold on an unlinked open file failed; retrying in {} ms", nextDelayMs, ex);
          submit(work, nextDelayMs, Math.min(MAX_RETRY_MS, nextDelayMs * 2));
        }
      }, delayMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException ex) {
      // closing
    }
  }
}
