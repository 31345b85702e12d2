package io.quorumfs.fs;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.Versioned;

/**
 * flock and POSIX record locks, shared by every client through the lock table of each inode.
 * A blocking request retries whenever the feed shows that table changed (or every 100 ms, which
 * also notices sessions expired by others).
 *
 * <p>Locks are lost when another client expires this session (they leave the lock tables, and
 * others may take them). When the heartbeat finds that, {@link #sessionLost} marks every open
 * handle through which a lost lock was taken ({@link OpenFile#locksLost}: lock requests and I/O
 * through it then fail with EIO) and removes what is left of this session's locks, before the
 * session registers again. Which owners hold locks on which inode is known from this client's own
 * commits; each lock commit also carries the session life it was made in (its body requires the
 * session record of that life), so a lock committed just before the loss is never kept.
 */
final class Locks {
  private final Meta meta;
  private final Keys k;
  private final Sessions sessions;
  private final long sid;
  private final Object changed = new Object();
  /**
   * Inodes on which this session ever asked for a lock. An unlock elsewhere is a no-op and needs
   * no read of the lock table: libfuse 2 sends an F_UNLCK on every close. Never shrinks (a lock
   * being taken by one thread while another unlocks must not be missed); past its bound every
   * unlock reads the table again.
   */
  private final java.util.Set<Long> lockedHere = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final int MAX_LOCKED_HERE = 1 << 20;
  private volatile boolean lockedHereOverflow;

  private final FileData data;
  /** Inode → (revision of the commit that said so, owners of this session with a lock there). Guarded by this. */
  private final java.util.Map<Long, Owned> owned = new java.util.HashMap<>();
  /** Counts the times this session was lost (expired by another client). Guarded by this. */
  private long life;

  private record Owned(long revision, java.util.Set<Long> owners) {}

  Locks(Meta meta, Sessions sessions, FileData data) {
    this.meta = meta;
    this.k = meta.keys;
    this.sessions = sessions;
    this.sid = sessions.id();
    this.data = data;
    sessions.setLocks(this);
  }

  /**
   * Another client expired this session, so every lock it held is gone (or, for a lock committed
   * as the expiry scanned, left behind: removed here). Called by the heartbeat before the session
   * registers again (no lock can be taken meanwhile: lock txns require the session record).
   */
  void sessionLost() {
    java.util.Map<Long, java.util.Set<Long>> lost = new java.util.HashMap<>();
    synchronized (this) {
      life++;
      owned.forEach((ino, o) -> lost.put(ino, o.owners()));
      owned.clear();
    }
    markLost(lost);
    sessions.dropOwnLocks();
  }

  /** Marks every open handle through which one of {@code lost} (inode → owners) was taken. */
  private void markLost(java.util.Map<Long, java.util.Set<Long>> lost) {
    if (lost.isEmpty()) {
      return;
    }
    for (OpenFile h : data.allHandles()) {
      java.util.Set<Long> owners = lost.get(h.ino);
      if (owners != null) {
        synchronized (h) {
          if (owners.stream().anyMatch(h.lockOwners::contains)) {
            h.locksLost = true;
          }
        }
      }
    }
  }

  /** What a committed lock txn left this session holding on {@code ino}, made in session life {@code madeIn}. */
  private void committed(long ino, long revision, LockTable next, long madeIn, long owner,
      boolean locked) {
    java.util.Set<Long> owners = new java.util.HashSet<>();
    for (LockTable.Held h : next.locks()) {
      if (h.sid() == sid) {
        owners.add(h.owner());
      }
    }
    synchronized (this) {
      if (madeIn != life) {
        if (!locked) {
          return;
        }
        // Committed in the life that was lost: the expiry removed it, or dropOwnLocks does.
      } else {
        Owned o = owned.get(ino);
        if (o == null || o.revision() < revision) {
          if (owners.isEmpty()) {
            owned.remove(ino);
          } else {
            owned.put(ino, new Owned(revision, owners));
          }
        }
        return;
      }
    }
    markLost(java.util.Map.of(ino, java.util.Set.of(owner)));
  }

  /** Feed observer: wakes waiters when any lock table changed. */
  void onEvent(ChangeEvent e) {
    for (Change c : e.changes()) {
      if (k.is(c.key(), Keys.INODE) && c.key().length == k.attr(0).length
          && k.kindOfInodeKey(c.key()) == Keys.LOCKS) {
        synchronized (changed) {
          changed.notifyAll();
        }
        return;
      }
    }
  }

  void flock(long ino, long owner, int op) {
    boolean nb = (op & FileSystem.LOCK_NB) != 0;
    int kind = op & ~FileSystem.LOCK_NB;
    if (kind == FileSystem.LOCK_UN) {
      set(ino, owner, LockTable.FLOCK, FileSystem.F_UNLCK, 0, Long.MAX_VALUE, 0, false);
    } else if (kind == FileSystem.LOCK_SH || kind == FileSystem.LOCK_EX) {
      set(ino, owner, LockTable.FLOCK, kind == FileSystem.LOCK_EX ? FileSystem.F_WRLCK
          : FileSystem.F_RDLCK, 0, Long.MAX_VALUE, 0, !nb);
    } else {
      throw new FsException(Errno.EINVAL, "bad flock operation " + op);
    }
  }

  FileLock getlk(long ino, long owner, FileLock want) {
    if (want.type() == FileSystem.F_UNLCK) {
      throw new FsException(Errno.EINVAL, "F_GETLK with F_UNLCK");
    }
    LockTable t = LockTable.decode(meta.cache.get(k.locks(ino)).value());
    LockTable.Held h = t.conflict(sid, owner, LockTable.POSIX, want.type() == FileSystem.F_WRLCK,
        want.start(), want.end());
    if (h == null) {
      return FileLock.unlocked();
    }
    long len = h.end() == Long.MAX_VALUE ? 0 : h.end() - h.start();
    return new FileLock(h.write() ? FileSystem.F_WRLCK : FileSystem.F_RDLCK, h.start(), len,
        h.sid() == sid ? h.pid() : -1);
  }

  void setlk(long ino, long owner, FileLock l, boolean wait) {
    set(ino, owner, LockTable.POSIX, l.type(), l.start(), l.end(), l.pid(), wait);
  }

  /** Drops every lock of {@code owner} on {@code ino} of {@code kind}. */
  void releaseOwner(long ino, long owner, byte kind) {
    set(ino, owner, kind, FileSystem.F_UNLCK, 0, Long.MAX_VALUE, 0, false);
  }

  private void set(long ino, long owner, byte kind, int type, long start, long end, long pid,
      boolean wait) {
    if (type == FileSystem.F_UNLCK) {
      if (!lockedHereOverflow && !lockedHere.contains(ino)) {
        return;
      }
    } else if (!lockedHereOverflow) {
      if (lockedHere.size() >= MAX_LOCKED_HERE) {
        lockedHereOverflow = true;
      } else {
        lockedHere.add(ino);
      }
    }
    boolean fresh = false;
    while (true) {
      long[] madeIn = new long[1];
      LockTable[] result = new LockTable[1];
      Meta.Done<Boolean> d = meta.runCommitted("lock", tx -> {
        synchronized (this) {
          madeIn[0] = life;
        }
        Versioned v = tx.get(k.locks(ino));
        LockTable t = LockTable.decode(v.value());
        LockTable next;
        if (type == FileSystem.F_UNLCK) {
          next = t.unlock(sid, owner, kind, start, end);
          if (next.equals(t)) {
            return true;
          }
        } else {
          boolean write = type == FileSystem.F_WRLCK;
          if (t.conflict(sid, owner, kind, write, start, end) != null) {
            return false;
          }
          next = t.lock(sid, owner, kind, write, start, end, pid);
          sessions.requireAlive(tx);
          synchronized (this) {
            // After the session record was read: a life that ends before the commit changes the
            // record (deleted, or registered again), so the commit then fails.
            madeIn[0] = life;
          }
        }
        tx.require(v);
        if (next.isEmpty()) {
          tx.delete(k.locks(ino));
        } else {
          tx.put(k.locks(ino), next.encode());
        }
        if (next.hasSession(sid)) {
          tx.put(k.sessionLock(sid, ino), new byte[0]);
        } else {
          tx.delete(k.sessionLock(sid, ino));
        }
        result[0] = next;
        return true;
      });
      if (d.value) {
        if (d.revision != 0) {
          committed(ino, d.revision, result[0], madeIn[0], owner, type != FileSystem.F_UNLCK);
        }
        return;
      }
      if (!fresh) {
        // The conflict may come from a stale cached table: decide on the store's copy.
        meta.cache.invalidate(k.locks(ino));
        fresh = true;
        continue;
      }
      if (!wait) {
        throw new FsException(Errno.EAGAIN, "inode " + ino + " is locked by another owner");
      }
      synchronized (changed) {
        try {
          changed.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FsException(Errno.EINTR, "interrupted waiting for a lock on inode " + ino);
        }
      }
      fresh = false;
    }
  }
}
