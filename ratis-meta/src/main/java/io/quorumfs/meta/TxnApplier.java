package io.quorumfs.meta;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The deterministic apply step shared by every {@link ReplicaStore}: checks and applies the txns
 * of one log entry in order against a read function plus an overlay of the entry's own earlier
 * writes, and returns the writes to persist. Reads no clock and no randomness.
 *
 * <p>Revision of the txn at position {@code p} (0-based) of the entry at log index {@code i}:
 * {@code i * 4096 + p + 1} ({@link Revisions}).
 */
final class TxnApplier {

  /**
   * One txn's outcome: applied at {@code revision} with op results; or refused, with the failed
   * compares' positions; or invalid ({@code invalid} names why: an Add or Max on a value that is not
   * an 8-byte counter), in which case nothing of it applied.
   */
  record TxnOutcome(boolean ok, long revision, long[] opResults, int[] failedCompares, String invalid) {}

  /** Everything an entry did: outcomes, events, the final state of every written key. */
  record Result(List<TxnOutcome> outcomes, List<ChangeEvent> events,
                Map<ByteBuffer, Versioned> writes, long lastRevision) {}

  private TxnApplier() {}

  /**
   * @param read reads a key's committed state before this entry (never null; version 0 if absent)
   * @param maxWatchValue values larger than this are left out of change events
   */
  static Result apply(Function<byte[], Versioned> read, long index, List<Txn> txns,
                      long previousRevision, int maxWatchValue) {
    Map<ByteBuffer, Versioned> overlay = new LinkedHashMap<>();
    List<TxnOutcome> outcomes = new ArrayList<>(txns.size());
    List<ChangeEvent> events = new ArrayList<>();
    long last = previousRevision;
    for (int pos = 0; pos < txns.size(); pos++) {
      Txn txn = txns.get(pos);
      long rev = Revisions.of(index, pos);
      Function<byte[], Versioned> now = k -> {
        Versioned v = overlay.get(ByteBuffer.wrap(k));
        return v != null ? v : read.apply(k);
      };
      List<Compare> compares = txn.compares();
      int[] failed = null;
      int nFailed = 0;
      for (int c = 0; c < compares.size(); c++) {
        if (now.apply(compares.get(c).key()).version() != compares.get(c).version()) {
          if (failed == null) {
            failed = new int[compares.size()];
          }
          failed[nFailed++] = c;
        }
      }
      if (nFailed > 0) {
        outcomes.add(new TxnOutcome(false, 0, null, java.util.Arrays.copyOf(failed, nFailed), null));
        continue;
      }
      long[] results = new long[txn.ops().size()];
      Map<ByteBuffer, Versioned> staged = new LinkedHashMap<>();
      Function<byte[], Versioned> cur = k -> {
        Versioned v = staged.get(ByteBuffer.wrap(k));
        return v != null ? v : now.apply(k);
      };
      String invalid = null;
      Map<ByteBuffer, Change> changes = new HashMap<>();
      List<ByteBuffer> order = new ArrayList<>();
      for (int o = 0; o < results.length; o++) {
        Op op = txn.ops().get(o);
        Versioned next;
        if (op instanceof Op.Put p) {
          next = new Versioned(p.key(), p.value(), rev);
        } else if (op instanceof Op.Delete d) {
          next = new Versioned(d.key(), null, 0);
        } else if (op instanceof Op.Add a) {
          Versioned old = cur.apply(a.key());
          if (!isCounter(old)) {
            invalid = notACounter(a.key(), old);
            break;
          }
          results[o] = longOf(old) + a.delta();
          next = new Versioned(a.key(), Bytes.ofLong(results[o]), rev);
        } else {
          Op.Max m = (Op.Max) op;
          Versioned old = cur.apply(m.key());
          if (!isCounter(old)) {
            invalid = notACounter(m.key(), old);
            break;
          }
          results[o] = old.exists() ? Math.max(longOf(old), m.value()) : m.value();
          next = new Versioned(m.key(), Bytes.ofLong(results[o]), rev);
        }
        ByteBuffer k = ByteBuffer.wrap(op.key());
        staged.put(k, next);
        if (!changes.containsKey(k)) {
          order.add(k);
        }
        boolean big = next.value() != null && next.value().length > maxWatchValue;
        changes.put(k, new Change(op.key(), big ? null : next.value(), next.version(), big));
      }
      if (invalid != null) {
        outcomes.add(new TxnOutcome(false, 0, null, null, invalid));
        continue;
      }
      overlay.putAll(staged);
      List<Change> list = new ArrayList<>(order.size());
      for (ByteBuffer k : order) {
        list.add(changes.get(k));
      }
      events.add(new ChangeEvent(rev, list));
      outcomes.add(new TxnOutcome(true, rev, results, null, null));
      last = rev;
    }
    return new Result(outcomes, events, overlay, last);
  }

  private static boolean isCounter(Versioned v) {
    return !v.exists() || v.value().length == 8;
  }

  private static String notACounter(byte[] key, Versioned v) {
    return "key " + Bytes.show(key) + " holds " + v.value().length
        + " bytes, not an 8-byte counter: cannot add to it or take its max";
  }

  private static long longOf(Versioned v) {
    return v.exists() ? Bytes.toLong(v.value()) : 0;
  }
}
