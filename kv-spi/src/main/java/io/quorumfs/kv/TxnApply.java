package io.quorumfs.kv;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a {@link Txn} does, decided once for every engine: its compares against a read function,
 * then its ops in order (a Put or Delete replaces the key; an Add or Max reads the key as the txn
 * has left it so far, absent = 0 for Add, and writes an 8-byte counter). Deterministic: no clock,
 * no randomness, nothing written — the caller persists {@link Outcome#writes()} (in-memory map,
 * RocksDB batch, Raft replica) and publishes {@link Outcome#changes()}.
 */
public final class TxnApply {

  private TxnApply() {}

  /**
   * One txn's outcome. Exactly one of: refused ({@code failed} holds the positions of the failed
   * compares in {@link Txn#compares()}), invalid ({@code invalid} says which op and why; nothing
   * applies), or applied ({@code results} per op: the new counter for Add and Max, 0 otherwise;
   * {@code writes} the final state of each written key in first-write order, a delete as an
   * absent {@link Versioned}; {@code changes} the same as watch events).
   */
  public record Outcome(int[] failed, String invalid, long[] results, List<Versioned> writes, List<Change> changes) {

    public boolean ok() {
      return failed == null && invalid == null;
    }

    /** The failed compares themselves. */
    public List<Compare> failedCompares(Txn txn) {
      List<Compare> out = new ArrayList<>(failed.length);
      for (int c : failed) {
        out.add(txn.compares().get(c));
      }
      return out;
    }

    /** The op results as a list ({@link CommitResult#opResults()}). */
    public List<Long> resultList() {
      List<Long> out = new ArrayList<>(results.length);
      for (long r : results) {
        out.add(r);
      }
      return out;
    }
  }

  /**
   * Decides {@code txn} at {@code revision}.
   *
   * @param read a key's committed state (never null; {@link Versioned#absent} when absent)
   * @param maxWatchValue values longer than this are left out of {@link Outcome#changes()}
   */
  public static Outcome apply(Txn txn, long revision, Function<byte[], Versioned> read, int maxWatchValue) {
    List<Compare> compares = txn.compares();
    int[] failed = null;
    int nFailed = 0;
    for (int c = 0; c < compares.size(); c++) {
      Compare cmp = compares.get(c);
      if (read.apply(cmp.key()).version() != cmp.version()) {
        if (failed == null) {
          failed = new int[compares.size()];
        }
        failed[nFailed++] = c;
      }
    }
    if (nFailed > 0) {
      return new Outcome(Arrays.copyOf(failed, nFailed), null, null, null, null);
    }
    long[] results = new long[txn.ops().size()];
    Map<ByteBuffer, Versioned> staged = new LinkedHashMap<>();
    for (int o = 0; o < results.length; o++) {
      Op op = txn.ops().get(o);
      Versioned next;
      if (op instanceof Op.Put p) {
        next = new Versioned(p.key(), p.value(), revision);
      } else if (op instanceof Op.Delete d) {
        next = Versioned.absent(d.key());
      } else if (op instanceof Op.Add a) {
        Versioned old = current(staged, read, a.key());
        if (!isCounter(old)) {
          return invalid(a.key(), old);
        }
        results[o] = longOf(old) + a.delta();
        next = new Versioned(a.key(), Bytes.ofLong(results[o]), revision);
      } else {
        Op.Max m = (Op.Max) op;
        Versioned old = current(staged, read, m.key());
        if (!isCounter(old)) {
          return invalid(m.key(), old);
        }
        results[o] = old.exists() ? Math.max(longOf(old), m.value()) : m.value();
        next = new Versioned(m.key(), Bytes.ofLong(results[o]), revision);
      }
      staged.put(ByteBuffer.wrap(op.key()), next);
    }
    List<Versioned> writes = new ArrayList<>(staged.values());
    List<Change> changes = new ArrayList<>(writes.size());
    for (Versioned w : writes) {
      boolean big = w.exists() && w.value().length > maxWatchValue;
      changes.add(new Change(w.key(), big ? null : w.value(), w.version(), big));
    }
    return new Outcome(null, null, results, writes, changes);
  }

  private static Versioned current(Map<ByteBuffer, Versioned> staged, Function<byte[], Versioned> read, byte[] key) {
    Versioned v = staged.get(ByteBuffer.wrap(key));
    return v != null ? v : read.apply(key);
  }

  private static boolean isCounter(Versioned v) {
    return !v.exists() || v.value().length == 8;
  }

  private static Outcome invalid(byte[] key, Versioned v) {
    return new Outcome(null, "key " + Bytes.show(key) + " holds " + v.value().length
        + " bytes, not an 8-byte counter: cannot add to it or take its max", null, null, null);
  }

  private static long longOf(Versioned v) {
    return v.exists() ? Bytes.toLong(v.value()) : 0;
  }
}
