package io.quorumfs.fs;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This client's session (key {@code S sid 'i'}: heartbeat deadline, start time, hold position,
 * host), the expiry of other clients' sessions, and the reclaiming of unlinked inodes from the
 * trash.
 *
 * <p>A session whose record stayed unchanged for a TTL, as any live client measures it by its own
 * clock, is expired by that client: its locks leave the lock tables, its holds on unlinked inodes
 * are dropped, then its keys go. Each heartbeat also records
 * the session's hold position ({@link Holds}). An inode trashed at revision R (the version of its
 * trash key) is reclaimed (every key of it and its chunk map deleted; the blobs are left to the
 * blob GC) once its hold count is 0 and every registered session's recorded position is at least
 * R: then every client that had the file open when it was unlinked holds it, or has closed it.
 * No clocks of different clients are compared for that.
 */
final class Sessions {
  private static final Logger log = LoggerFactory.getLogger(Sessions.class);

  private final Meta meta;
  private final Keys k;
  private final long sid;
  private final long started;
  private final String host = hostName();
  private final Holds holds;
  private volatile Locks locks;
  private volatile long infoVersion;
  /** Other sessions' record versions, each with when this client first saw it (its clock). */
  private Map<Long, long[]> seen = new HashMap<>();
  /** The session whose hold position held back this client's last trash reclaim, or null. */
  private volatile Blocker blocker;

  /** A session holding back reclaims since {@code since} (this client's clock, nanos). */
  private record Blocker(long sid, String host, long position, long since, long warned) {}

  /** How long a session may hold back reclaims before it is named in the log, and how often after. */
  static final long WARN_AFTER_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
  static final long WARN_EVERY_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

  private Sessions(Meta meta, Holds holds, long sid, long started) {
    this.meta = meta;
    this.k = meta.keys;
    this.holds = holds;
    this.sid = sid;
    this.started = started;
    meta.config.metrics().gauge("quorumfs.fs.reclaim.blocked.session", () -> () -> {
      Blocker b = blocker;
      return b == null ? 0L : b.sid();
    });
    meta.config.metrics().gauge("quorumfs.fs.reclaim.blocked.seconds", () -> () -> {
      Blocker b = blocker;
      return b == null ? 0L : Math.max(0, (meta.now() - b.since()) / 1_000_000_000L);
    });
  }

  /** Registers a new session whose hold position {@code holds} keeps. */
  static Sessions start(Meta meta, Holds holds) {
    CommitResult r = meta.store.commit(Txn.builder().add(meta.keys.nextSession(), 1).build());
    Sessions s = new Sessions(meta, holds, r.opResult(0), meta.now());
    holds.setSessions(s);
    s.heartbeat();
    return s;
  }

  long id() {
    return sid;
  }

  /** The locks whose loss the heartbeat reports ({@link Locks#sessionLost}). */
  void setLocks(Locks l) {
    this.locks = l;
  }

  /** Offset of the host name in a session record that carries a hold position. */
  static final int HOST_AT = 25;

  /** deadline (8), start (8), 0 (1: a host name never starts with NUL), hold position (8), host. */
  private byte[] info(long deadline, long position) {
    byte[] host = this.host.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(HOST_AT + host.length).putLong(deadline).putLong(started)
        .put((byte) 0).putLong(position).put(host).array();
  }

  /** The recorded hold position; 0 for a record without one (it holds back every reclaim). */
  static long positionOf(byte[] v) {
    return v.length >= HOST_AT && v[16] == 0 ? ByteBuffer.wrap(v, 17, 8).getLong() : 0;
  }

  /** Where the host name starts in a session record. */
  static int hostAt(byte[] v) {
    return v.length >= HOST_AT && v[16] == 0 ? HOST_AT : 16;
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

  /** Pushes this session's deadline one TTL ahead and records its hold position. */
  synchronized void heartbeat() {
    long deadline = meta.now() + meta.config.sessionTtl().toNanos();
    long position = holds.position(); // read before the commit: the record never runs ahead
    Txn.Builder b = Txn.builder();
    if (infoVersion != 0) {
      b.requireVersion(k.session(sid), infoVersion);
    }
    CommitResult r = meta.store.commit(b.put(k.session(sid), info(deadline, position)).build());
    if (r.ok()) {
      infoVersion = r.revision();
    } else {
      log.error("session {} was expired by another client (missed heartbeats); its locks and "
          + "holds are gone; continuing with the same id, holding its unlinked open files again "
          + "(its locks are lost: lock requests and I/O through the handles that took them fail "
          + "with EIO until closed)", sid);
      holds.sessionLost(); // before registering again: the new record says position 0
      Locks l = locks;
      if (l != null) {
        l.sessionLost(); // before registering again: no lock can be taken meanwhile
      }
      infoVersion = 0;
      heartbeat();
    }
  }

  /**
   * Expires every other session whose record this client has seen unchanged for a whole TTL by
   * its own clock; returns how many. A live session rewrites its record every heartbeat (TTL/3 at
   * most), so no clocks of different clients are compared (the recorded deadline is only shown).
   * A client therefore expires nothing before it has watched a record for a TTL.
   */
  synchronized int expireOthers() {
    long now = meta.now();
    long ttl = meta.config.sessionTtl().toNanos();
    Map<Long, long[]> stillSeen = new HashMap<>();
    int n = 0;
    for (Versioned v : scanAll(k.allSessions())) {
      if (k.kindOfSessionKey(v.key()) != Keys.SESSION_INFO) {
        continue;
      }
      long other = k.sidOfSessionKey(v.key());
      if (other == sid) {
        continue;
      }
      long[] first = seen.get(other);
      if (first == null || first[0] != v.version()) {
        first = new long[] {v.version(), now};
      }
      if (now - first[1] > ttl) {
        log.info("expiring session {} (record unchanged for {} ms)", other, (now - first[1]) / 1_000_000);
        end(other, v.version());
        n++;
      } else {
        stillSeen.put(other, first);
      }
    }
    seen = stillSeen;
    return n;
  }

  /** Ends this session: releases its locks and holds, deletes its keys. */
  void endOwn() {
    end(sid, -1);
  }

  /**
   * Removes what is left of this session's locks after another client expired it (a lock
   * committed while that client scanned); called before the session registers again.
   */
  void dropOwnLocks() {
    for (Versioned v : scanAll(k.sessionAll(sid))) {
      if (k.kindOfSessionKey(v.key()) == Keys.SESSION_LOCK) {
        release(sid, v, -1);
      }
    }
  }

  /** Releases everything of session {@code s}; {@code infoVer} &gt;= 0 requires it still dead. */
  private void end(long s, long infoVer) {
    for (Versioned v : scanAll(k.sessionAll(s))) {
      if (k.kindOfSessionKey(v.key()) != Keys.SESSION_INFO) {
        release(s, v, infoVer);
      }
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

  /** Drops one hold or lock of session {@code s} (its key {@code v}); {@code infoVer} as in {@link #end}. */
  private void release(long s, Versioned v, long infoVer) {
    byte kind = k.kindOfSessionKey(v.key());
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
      } else if (kind == Keys.SESSION_DELEG) {
        // The dead holder's delegation goes (its unflushed operations with it), and the recall.
        Versioned d = tx.get(k.deleg(ino));
        if (d.exists() && Meta.longOf(d) == s) {
          tx.require(d);
          tx.delete(k.deleg(ino));
          tx.delete(k.recall(ino));
        }
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

  /**
   * Reclaims trashed inodes that nobody holds and every registered session has seen unlinked
   * (hold position at or past the trash key's version); returns how many.
   */
  int reclaimTrash() {
    List<Versioned> trash = scanAll(k.allTrash());
    if (trash.isEmpty()) {
      noteBlocker(null, 0);
      return 0;
    }
    long newest = trash.stream().mapToLong(Versioned::version).max().getAsLong();
    Floor floor = positionFloor(newest, false);
    int n = 0;
    long oldestHeldBack = Long.MAX_VALUE;
    for (Versioned v : trash) {
      if (v.version() > floor.position()) {
        oldestHeldBack = Math.min(oldestHeldBack, v.version());
      } else if (reclaim(k.inoOfTrashKey(v.key()), floor.position())) {
        n++;
      }
    }
    noteBlocker(oldestHeldBack == Long.MAX_VALUE ? null : floor, oldestHeldBack);
    return n;
  }

  /**
   * Records which session (if any) held back this reclaim round: the one with the lowest hold
   * position, below the oldest trash entry it could not reclaim. Shown by the gauges
   * {@code quorumfs.fs.reclaim.blocked.session|seconds}, and named in the log once it has done so
   * for {@link #WARN_AFTER_NANOS} (a stuck client: registered and heartbeating, its position not
   * advancing), then every {@link #WARN_EVERY_NANOS}.
   */
  private void noteBlocker(Floor by, long oldestHeldBack) {
    Blocker b = blocker;
    if (by == null) {
      if (b != null && b.warned() != Long.MIN_VALUE) {
        log.info("session {} ({}) no longer holds back the reclaim of unlinked files", b.sid(), b.host());
      }
      blocker = null;
      return;
    }
    long now = meta.now();
    if (b == null || b.sid() != by.sid()) {
      b = new Blocker(by.sid(), by.host(), by.position(), now, Long.MIN_VALUE);
    } else if (b.position() != by.position()) {
      b = new Blocker(b.sid(), b.host(), by.position(), b.since(), b.warned());
    }
    if (now - b.since() >= WARN_AFTER_NANOS
        && (b.warned() == Long.MIN_VALUE || now - b.warned() >= WARN_EVERY_NANOS)) {
      log.warn("session {} ({}) has held back the reclaim of unlinked files for {} s: its hold "
          + "position {} is below revision {} of the oldest trash entry (its change feed or its "
          + "holds are stuck); unlinked files stay in the trash until it recovers or its session "
          + "ends", b.sid(), b.host(), (now - b.since()) / 1_000_000_000L, b.position(), oldestHeldBack);
      b = new Blocker(b.sid(), b.host(), b.position(), b.since(), now);
    }
    blocker = b;
  }

  /**
   * Reclaims trashed inode {@code ino} now if nobody holds it and every session saw it unlinked
   * (not on the maintenance thread: it may wait for this client's holds to be committed there).
   */
  boolean reclaim(long ino) {
    meta.cache.invalidate(k.trash(ino));
    Versioned t = meta.cache.get(k.trash(ino));
    return t.exists() && reclaim(ino, positionFloor(t.version(), true).position());
  }

  /** The lowest hold position of the registered sessions, and the session (id, host) that has it. */
  private record Floor(long position, long sid, String host) {}

  /**
   * The lowest hold position of the registered sessions: this one's as of its feed (waiting a
   * little for the feed to deliver {@code wanted}, e.g. its own unlink, and if {@code andHolds}
   * for the holds that asks for), the others' as their records say. Read before any hold count: a session's position passes R only after its holds
   * for inodes trashed at R are committed, so those holds are then visible.
   */
  private Floor positionFloor(long wanted, boolean andHolds) {
    long floor = Long.MAX_VALUE;
    Versioned lowest = null;
    for (Versioned v : scanAll(k.allSessions())) {
      if (k.kindOfSessionKey(v.key()) == Keys.SESSION_INFO && k.sidOfSessionKey(v.key()) != sid
          && positionOf(v.value()) < floor) {
        floor = positionOf(v.value());
        lowest = v;
      }
    }
    long wait = Math.min(meta.config.barrierTimeout().toNanos(),
        meta.config.sessionTtl().toNanos() / 4);
    long mine = holds.positionAfter(Math.min(wanted, floor), andHolds, wait);
    if (lowest == null || mine < floor) {
      return new Floor(mine, sid, host);
    }
    byte[] rec = lowest.value();
    int at = hostAt(rec);
    return new Floor(floor, k.sidOfSessionKey(lowest.key()),
        new String(rec, at, rec.length - at, StandardCharsets.UTF_8));
  }

  /** Deletes every key of trashed inode {@code ino} if its hold count is 0 and its trash entry's version is at most {@code floor}. */
  private boolean reclaim(long ino, long floor) {
    // Decide on the store's copies, and leave them in the cache for the txn at the end: the cache
    // may know these keys only as of the feed (a hold dropped by another client a moment ago),
    // and a stale hold would postpone the reclaim.
    meta.cache.invalidate(k.holds(ino));
    meta.cache.invalidate(k.trash(ino));
    List<Versioned> now = meta.cache.getAll(List.of(k.holds(ino), k.trash(ino)));
    Versioned holds = now.get(0);
    if (Meta.longOf(holds) > 0 || !now.get(1).exists() || now.get(1).version() > floor) {
      return false;
    }
    // The chunk map first, in bounded txns; the inode stays in the trash until the last one. The
    // first txn that deletes anything also sets the hold count to -1 ("being reclaimed"), so a
    // hold that comes later (an open by inode number, a session registering again) finds the
    // inode gone instead of holding one whose chunks are partly deleted.
    long trashVersion = now.get(1).version();
    long[] holdsVersion = {holds.version()};
    boolean[] marked = {Meta.longOf(holds) < 0}; // by a reclaim that did not finish
    java.util.function.Function<List<byte[]>, Boolean> delete = keys -> {
      Txn.Builder b = Txn.builder().requireVersion(k.holds(ino), holdsVersion[0]);
      if (!marked[0]) {
        b.requireVersion(k.trash(ino), trashVersion).put(k.holds(ino), Keys.longBytes(-1));
      }
      keys.forEach(b::delete);
      CommitResult r = meta.store.commit(b.build());
      if (r.ok() && !marked[0]) {
        marked[0] = true;
        holdsVersion[0] = r.revision();
        meta.cache.invalidate(k.holds(ino)); // written past the cache: the last txn reads it again
      }
      return r.ok();
    };
    while (true) {
      ScanPage p = meta.store.scan(k.chunks(ino), meta.batch() - 3, null);
      if (p.entries().isEmpty()) {
        break;
      }
      if (!delete.apply(p.entries().stream().map(Versioned::key).toList())) {
        return false;
      }
    }
    // Then the inode's other keys (xattrs, lock table...) but its attributes, holds and trash entry.
    while (true) {
      List<byte[]> extra = new ArrayList<>();
      for (Versioned x : meta.store.scan(k.inodeAll(ino), meta.batch() - 3, null).entries()) {
        byte kind = k.kindOfInodeKey(x.key());
        if (kind != Keys.ATTR && kind != Keys.HOLDS) {
          extra.add(x.key());
        }
      }
      if (extra.isEmpty()) {
        break;
      }
      if (!delete.apply(extra)) {
        return false;
      }
    }
    return meta.run("reclaim", tx -> {
      Versioned t = tx.get(k.trash(ino));
      if (!t.exists() || t.version() > floor) {
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

  /**
   * Adds this session's hold on unlinked inode {@code ino} (it has the file open), unless it has
   * one; returns false if the inode is not in the trash (not unlinked, or reclaimed) or is being
   * reclaimed.
   */
  boolean hold(long ino) {
    // The store's copies: the cache may still show a hold that another client's expiry of this
    // session deleted a moment ago.
    meta.cache.invalidate(k.trash(ino));
    meta.cache.invalidate(k.sessionHold(sid, ino));
    meta.cache.invalidate(k.holds(ino));
    return meta.run("hold", tx -> {
      Versioned t = tx.get(k.trash(ino));
      Versioned mine = tx.get(k.sessionHold(sid, ino));
      Versioned count = tx.get(k.holds(ino));
      if (!t.exists() || Meta.longOf(count) < 0) {
        return false; // not unlinked, or reclaimed or being reclaimed
      }
      if (mine.exists()) {
        return true;
      }
      tx.require(t);
      tx.require(count); // not being reclaimed meanwhile (see reclaim)
      requireAlive(tx);
      tx.requireAbsent(k.sessionHold(sid, ino));
      tx.put(k.sessionHold(sid, ino), new byte[0]);
      tx.add(k.holds(ino), 1);
      return true;
    });
  }

  /** Requires this session to be registered (a client whose session expired must not add to it). */
  void requireAlive(Tx tx) {
    Versioned me = tx.get(k.session(sid));
    if (!me.exists()) {
      // The cache may not show this session registering again yet (the heartbeat writes past it).
      meta.cache.invalidate(k.session(sid));
      me = tx.get(k.session(sid));
    }
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
