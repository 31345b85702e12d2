package io.quorumfs.fs;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This client's session (key {@code S sid 'i'}: heartbeat deadline, start time, host), the
 * expiry of other clients' sessions, and the reclaiming of unlinked inodes from the trash.
 *
 * <p>A session whose deadline passed is expired by any live client: its locks leave the lock
 * tables, its holds on unlinked inodes are dropped, then its keys go. A trashed inode is reclaimed
 * (every key of it and its chunk map deleted; the blobs are left to the blob GC) once its hold
 * count is 0 and {@link FsConfig#trashGrace()} has passed since the unlink, which gives other
 * clients with the file open time to register their holds from the feed.
 */
final class Sessions {
  private static final Logger log = LoggerFactory.getLogger(Sessions.class);

  private final Meta meta;
  private final Keys k;
  private final long sid;
  private final long started;
  private volatile long infoVersion;

  private Sessions(Meta meta, long sid, long started) {
    this.meta = meta;
    this.k = meta.keys;
    this.sid = sid;
    this.started = started;
  }

  /** Registers a new session. */
  static Sessions start(Meta meta) {
    CommitResult r = meta.store.commit(Txn.builder().add(meta.keys.nextSession(), 1).build());
    Sessions s = new Sessions(meta, r.opResult(0), meta.now());
    s.heartbeat();
    return s;
  }

  long id() {
    return sid;
  }

  private byte[] info(long deadline) {
    byte[] host = hostName().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(16 + host.length).putLong(deadline).putLong(started).put(host)
        .array();
  }

  static long deadlineOf(byte[] v) {
    return ByteBuffer.wrap(v).getLong();
  }

  private static String hostName() {
    String h = System.getenv("HOSTNAME"); // rarely exported to a child process
    if (h == null || h.isEmpty()) {
      try {
        h = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        h = "?";
      }
    }
    return h + "/" + ProcessHandle.current().pid();
  }

  /** Pushes this session's deadline one TTL ahead. */
  void heartbeat() {
    long deadline = meta.now() + meta.config.sessionTtl().toNanos();
    Txn.Builder b = Txn.builder();
    if (infoVersion != 0) {
      b.requireVersion(k.session(sid), infoVersion);
    }
    CommitResult r = meta.store.commit(b.put(k.session(sid), info(deadline)).build());
    if (r.ok()) {
      infoVersion = r.revision();
    } else {
      log.error("session {} was expired by another client (missed heartbeats); its locks and "
          + "holds are gone; continuing with the same id", sid);
      infoVersion = 0;
      heartbeat();
    }
  }

  /** Expires every other session whose deadline has passed; returns how many. */
  int expireOthers() {
    long now = meta.now();
    int n = 0;
    for (Versioned v : scanAll(k.allSessions())) {
      if (k.kindOfSessionKey(v.key()) != Keys.SESSION_INFO) {
        continue;
      }
      long other = k.sidOfSessionKey(v.key());
      if (other != sid && deadlineOf(v.value()) < now) {
        log.info("expiring session {} (deadline passed {} ms ago)", other,
            (now - deadlineOf(v.value())) / 1_000_000);
        end(other, v.version());
        n++;
      }
    }
    return n;
  }

  /** Ends this session: releases its locks and holds, deletes its keys. */
  void endOwn() {
    end(sid, -1);
  }

  /** Releases everything of session {@code s}; {@code infoVer} &gt;= 0 requires it still dead. */
  private void end(long s, long infoVer) {
    for (Versioned v : scanAll(k.sessionAll(s))) {
      byte kind = k.kindOfSessionKey(v.key());
      if (kind == Keys.SESSION_INFO) {
        continue;
      }
      long ino = k.inoOfSessionKey(v.key());
      meta.run("expire-session", tx -> {
        Versioned cur = tx.get(v.key());
        if (!cur.exists()) {
          return null;
        }
        tx.require(cur);
        if (infoVer > 0) {
          tx.requireVersion(k.session(s), infoVer);
        }
        tx.delete(v.key());
        if (kind == Keys.SESSION_HOLD) {
          tx.add(k.holds(ino), -1);
        } else if (kind == Keys.SESSION_LOCK) {
          Versioned lv = tx.read(k.locks(ino));
          LockTable t = LockTable.decode(lv.value()).withoutSession(s);
          if (t.isEmpty()) {
            tx.delete(k.locks(ino));
          } else {
            tx.put(k.locks(ino), t.encode());
          }
        }
        return null;
      });
    }
    meta.run("end-session", tx -> {
      Versioned cur = tx.get(k.session(s));
      if (infoVer > 0 && cur.version() != infoVer) {
        return null;
      }
      tx.delete(k.session(s));
      return null;
    });
  }

  /** Reclaims trashed inodes whose grace passed and that nobody holds; returns how many. */
  int reclaimTrash() {
    long now = meta.now();
    long grace = meta.config.trashGrace().toNanos();
    int n = 0;
    for (Versioned v : scanAll(k.allTrash())) {
      long ino = k.inoOfTrashKey(v.key());
      if (now - Keys.getLong(v.value(), 0) >= grace && reclaim(ino)) {
        n++;
      }
    }
    return n;
  }

  /** Deletes every key of trashed inode {@code ino} if its hold count is 0. */
  boolean reclaim(long ino) {
    // Decide on the store's copies, and leave them in the cache for the txn at the end: the cache
    // may know these keys only as of the feed (a hold dropped by another client a moment ago),
    // and a stale hold would postpone the reclaim.
    meta.cache.invalidate(k.holds(ino));
    meta.cache.invalidate(k.trash(ino));
    List<Versioned> now = meta.cache.getAll(List.of(k.holds(ino), k.trash(ino)));
    Versioned holds = now.get(0);
    if (Meta.longOf(holds) > 0 || !now.get(1).exists()) {
      return false;
    }
    // The chunk map first, in bounded txns; the inode stays in the trash until the last one.
    while (true) {
      ScanPage p = meta.store.scan(k.chunks(ino), meta.batch() - 1, null);
      if (p.entries().isEmpty()) {
        break;
      }
      Txn.Builder b = Txn.builder().requireVersion(k.holds(ino), holds.version());
      p.entries().forEach(c -> b.delete(c.key()));
      if (!meta.store.commit(b.build()).ok()) {
        return false;
      }
    }
    // Then the inode's other keys (xattrs, lock table...) but its attributes, holds and trash entry.
    while (true) {
      List<byte[]> extra = new ArrayList<>();
      for (Versioned x : meta.store.scan(k.inodeAll(ino), meta.batch(), null).entries()) {
        byte kind = k.kindOfInodeKey(x.key());
        if (kind != Keys.ATTR && kind != Keys.HOLDS) {
          extra.add(x.key());
        }
      }
      if (extra.isEmpty()) {
        break;
      }
      Txn.Builder b = Txn.builder().requireVersion(k.holds(ino), holds.version());
      extra.forEach(b::delete);
      if (!meta.store.commit(b.build()).ok()) {
        return false;
      }
    }
    return meta.run("reclaim", tx -> {
      Versioned t = tx.get(k.trash(ino));
      if (!t.exists()) {
        return false;
      }
      tx.require(t);
      Versioned h = tx.get(k.holds(ino));
      if (Meta.longOf(h) > 0) {
        return false;
      }
      tx.require(h);
      Versioned a = tx.get(k.attr(ino));
      tx.require(a); // the size subtracted from the statfs counter must be the committed one, not a stale cached one
      long size = a.exists() ? countedBytes(Inode.decode(ino, a.value())) : 0;
      tx.delete(k.attr(ino));
      tx.delete(k.holds(ino));
      tx.delete(k.trash(ino));
      tx.add(k.usedInodes(ino), -1);
      if (size != 0) {
        tx.add(k.usedBytes(ino), -size);
      }
      return true;
    });
  }

  /**
   * What {@code in} holds of the statfs byte counter: a regular file's size. A symlink's size is
   * its target's length, which the counter never had (git init's symlink probe, "testing", took 7
   * bytes off it once reclaimed).
   */
  static long countedBytes(Inode in) {
    return in.isReg() ? in.size() : 0;
  }

  /** Adds this session's hold on unlinked inode {@code ino} (it has the file open). */
  void hold(long ino) {
    meta.run("hold", tx -> {
      Versioned t = tx.get(k.trash(ino));
      Versioned mine = tx.get(k.sessionHold(sid, ino));
      if (!t.exists() || mine.exists()) {
        return null;
      }
      tx.require(t);
      requireAlive(tx);
      tx.requireAbsent(k.sessionHold(sid, ino));
      tx.put(k.sessionHold(sid, ino), new byte[0]);
      tx.add(k.holds(ino), 1);
      return null;
    });
  }

  /** Requires this session to be registered (a client whose session expired must not add to it). */
  void requireAlive(Tx tx) {
    Versioned me = tx.get(k.session(sid));
    if (!me.exists()) {
      throw new FsException(Errno.EIO, "session " + sid + " has expired; the client must reconnect");
    }
    tx.require(me);
  }

  /** Drops this session's hold on {@code ino} (last local handle closed). */
  void unhold(long ino) {
    meta.run("unhold", tx -> {
      Versioned mine = tx.get(k.sessionHold(sid, ino));
      if (!mine.exists()) {
        return null;
      }
      tx.require(mine);
      tx.delete(k.sessionHold(sid, ino));
      tx.add(k.holds(ino), -1);
      return null;
    });
  }

  private List<Versioned> scanAll(io.quorumfs.kv.KeyRange range) {
    List<Versioned> out = new ArrayList<>();
    byte[] after = null;
    try {
      while (true) {
        ScanPage p = meta.store.scan(range, 1000, after);
        out.addAll(p.entries());
        if (!p.more() || p.entries().isEmpty()) {
          return out;
        }
        after = p.next();
      }
    } catch (KvException e) {
      throw new FsException(Errno.EIO, "scan of " + range + ": " + e.getMessage(), e);
    }
  }
}
