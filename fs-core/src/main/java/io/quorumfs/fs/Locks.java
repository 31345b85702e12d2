package io.quorumfs.fs;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.Versioned;

/**
 * flock and POSIX record locks, shared by every client through the lock table of each inode.
 * A blocking request retries whenever the feed shows that table changed (or every 100 ms, which
 * also notices sessions expired by others).
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

  Locks(Meta meta, Sessions sessions) {
    this.meta = meta;
    this.k = meta.keys;
    this.sessions = sessions;
    this.sid = sessions.id();
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
      boolean done = meta.run("lock", tx -> {
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
        return true;
      });
      if (done) {
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
