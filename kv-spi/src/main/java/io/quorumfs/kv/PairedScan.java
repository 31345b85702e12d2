package io.quorumfs.kv;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@link PairedStore#scan} page: merges a fast-store page (outside the outbox range) with a
 * slow-store page, fast winning on equal keys, cut where either side may have more; slow-only
 * entries with a pending outbox entry (deleted in fast, not yet copied) are dropped, the rest
 * are filled into the fast store.
 */
final class PairedScan {

  private static final byte[] RES_START = PairedStore.OUTBOX.start();
  private static final byte[] RES_END = PairedStore.OUTBOX.end();

  private final PairedStore paired;
  private final KvStore fast;
  private final KvStore slow;

  PairedScan(PairedStore paired, KvStore fast, KvStore slow) {
    this.paired = paired;
    this.fast = fast;
    this.slow = slow;
  }

  ScanPage page(KeyRange range, int limit, byte[] after) {
    while (true) {
      ScanPage f = fastPage(range, limit, after);
      ScanPage s = slow.scan(range, limit, after);
      byte[] bound = null;
      if (f.more() && !f.entries().isEmpty()) {
        bound = f.next();
      }
      if (s.more() && !s.entries().isEmpty() && (bound == null || Bytes.compare(s.next(), bound) < 0)) {
        bound = s.next();
      }
      Merged m = merge(f.entries(), s.entries(), bound, limit);
      boolean more = f.more() || s.more() || m.truncated();
      if (!m.entries().isEmpty() || !more || m.lastConsumed() == null) {
        return new ScanPage(m.entries(), more && m.lastConsumed() != null);
      }
      after = m.lastConsumed();
    }
  }

  /** Merged entries, whether the limit cut them short, and the last key looked at (the resume point). */
  private record Merged(List<Versioned> entries, boolean truncated, byte[] lastConsumed) {}

  private Merged merge(List<Versioned> f, List<Versioned> s, byte[] bound, int limit) {
    List<Versioned> out = new ArrayList<>();
    List<Integer> slowOnly = new ArrayList<>();
    int i = 0;
    int j = 0;
    byte[] last = null;
    while ((i < f.size() || j < s.size()) && out.size() < limit) {
      Versioned next;
      boolean fromSlow;
      if (j >= s.size()) {
        next = f.get(i++);
        fromSlow = false;
      } else if (i >= f.size()) {
        next = s.get(j++);
        fromSlow = true;
      } else {
        int c = Bytes.compare(f.get(i).key(), s.get(j).key());
        if (c <= 0) {
          next = f.get(i++);
          fromSlow = false;
          if (c == 0) {
            j++;
          }
        } else {
          next = s.get(j++);
          fromSlow = true;
        }
      }
      if (bound != null && Bytes.compare(next.key(), bound) > 0) {
        break;
      }
      if (fromSlow) {
        slowOnly.add(out.size());
      }
      out.add(next);
      last = next.key();
    }
    boolean truncated = out.size() >= limit && (i < f.size() || j < s.size());
    if (slowOnly.isEmpty()) {
      return new Merged(out, truncated, last);
    }
    List<byte[]> probe = new ArrayList<>(slowOnly.size() * 2);
    for (int idx : slowOnly) {
      probe.add(out.get(idx).key());
    }
    for (int idx : slowOnly) {
      probe.add(PairedStore.outboxKey(out.get(idx).key()));
    }
    List<Versioned> state = fast.getAll(probe);
    List<Versioned> result = new ArrayList<>(out.size());
    int n = 0;
    for (int idx = 0; idx < out.size(); idx++) {
      if (n < slowOnly.size() && slowOnly.get(n) == idx) {
        Versioned inFast = state.get(n);
        boolean pending = state.get(slowOnly.size() + n).exists();
        n++;
        if (inFast.exists()) {
          result.add(inFast);
        } else if (!pending) {
          Versioned filled = paired.fill(out.get(idx));
          if (filled.exists()) {
            result.add(filled);
          }
        }
      } else {
        result.add(out.get(idx));
      }
    }
    return new Merged(result, truncated, last);
  }

  /** A fast-store page of {@code range} that skips the outbox range. */
  private ScanPage fastPage(KeyRange range, int limit, byte[] after) {
    List<KeyRange> segments = new ArrayList<>(2);
    if (Bytes.compare(range.start(), RES_START) < 0) {
      byte[] end = range.end() != null && Bytes.compare(range.end(), RES_START) < 0 ? range.end() : RES_START;
      segments.add(new KeyRange(range.start(), end));
    }
    if (range.end() == null || Bytes.compare(range.end(), RES_END) > 0) {
      byte[] start = Bytes.compare(range.start(), RES_END) > 0 ? range.start() : RES_END;
      segments.add(new KeyRange(start, range.end()));
    }
    List<Versioned> out = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      KeyRange seg = segments.get(i);
      if (after != null && seg.end() != null && Bytes.compare(after, seg.end()) >= 0) {
        continue;
      }
      if (out.size() >= limit) {
        return new ScanPage(out, true);
      }
      ScanPage p = fast.scan(seg, limit - out.size(), after);
      out.addAll(p.entries());
      if (p.more()) {
        return new ScanPage(out, true);
      }
    }
    return new ScanPage(out, false);
  }
}
