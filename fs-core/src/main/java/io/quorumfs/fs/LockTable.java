package io.quorumfs.fs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every lock on one inode (key {@code I ino 'L'}): BSD flocks and POSIX record locks of every
 * client, each tagged with its session and owner. flock and POSIX locks do not interact (as on
 * Linux). Immutable; operations return a new table.
 */
record LockTable(List<LockTable.Held> locks) {

  static final byte FLOCK = 'F';
  static final byte POSIX = 'P';

  /** One lock: [start, end) of a POSIX lock, or the whole file for a flock. */
  record Held(long sid, long owner, byte kind, boolean write, long start, long end, long pid) {
    boolean sameOwner(long s, long o) {
      return sid == s && owner == o;
    }

    boolean overlaps(long s, long e) {
      return start < e && s < end;
    }
  }

  static final LockTable EMPTY = new LockTable(List.of());

  LockTable {
    locks = List.copyOf(locks);
  }

  static LockTable decode(byte[] v) {
    if (v == null || v.length == 0) {
      return EMPTY;
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    int n = b.getInt();
    List<Held> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(new Held(b.getLong(), b.getLong(), b.get(), b.get() != 0, b.getLong(), b.getLong(),
          b.getLong()));
    }
    return new LockTable(out);
  }

  byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(4 + locks.size() * 50);
    b.putInt(locks.size());
    for (Held h : locks) {
      b.putLong(h.sid).putLong(h.owner).put(h.kind).put((byte) (h.write ? 1 : 0)).putLong(h.start)
          .putLong(h.end).putLong(h.pid);
    }
    return b.array();
  }

  boolean isEmpty() {
    return locks.isEmpty();
  }

  boolean hasSession(long sid) {
    return locks.stream().anyMatch(h -> h.sid == sid);
  }

  /** The first lock of another owner that conflicts with the requested one, or null. */
  Held conflict(long sid, long owner, byte kind, boolean write, long start, long end) {
    for (Held h : locks) {
      if (h.kind == kind && !h.sameOwner(sid, owner) && (write || h.write)
          && h.overlaps(start, end)) {
        return h;
      }
    }
    return null;
  }

  /** Removes the owner's locks of {@code kind} over [start, end), splitting partial overlaps. */
  LockTable unlock(long sid, long owner, byte kind, long start, long end) {
    List<Held> out = new ArrayList<>();
    for (Held h : locks) {
      if (h.kind != kind || !h.sameOwner(sid, owner) || !h.overlaps(start, end)) {
        out.add(h);
        continue;
      }
      if (h.start < start) {
        out.add(new Held(h.sid, h.owner, kind, h.write, h.start, start, h.pid));
      }
      if (h.end > end) {
        out.add(new Held(h.sid, h.owner, kind, h.write, end, h.end, h.pid));
      }
    }
    return new LockTable(out);
  }

  /** Sets the owner's lock over [start, end) (after {@link #unlock} of the range). */
  LockTable lock(long sid, long owner, byte kind, boolean write, long start, long end, long pid) {
    List<Held> out = new ArrayList<>(unlock(sid, owner, kind, start, end).locks);
    out.add(new Held(sid, owner, kind, write, start, end, pid));
    return new LockTable(out);
  }

  /** Every lock of a session gone. */
  LockTable withoutSession(long sid) {
    List<Held> out = new ArrayList<>();
    for (Held h : locks) {
      if (h.sid != sid) {
        out.add(h);
      }
    }
    return new LockTable(out);
  }
}
