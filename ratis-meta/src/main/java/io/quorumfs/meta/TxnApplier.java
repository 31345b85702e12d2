package io.quorumfs.meta;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.TxnApply;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The deterministic apply step shared by every {@link ReplicaStore}: decides the txns of one log
 * entry in order ({@link TxnApply}, the same rules as every engine's commit) against a read
 * function plus an overlay of the entry's own earlier writes, and returns the writes to persist.
 * Reads no clock and no randomness.
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
    Function<byte[], Versioned> now = k -> {
      Versioned v = overlay.get(ByteBuffer.wrap(k));
      return v != null ? v : read.apply(k);
    };
    List<TxnOutcome> outcomes = new ArrayList<>(txns.size());
    List<ChangeEvent> events = new ArrayList<>();
    long last = previousRevision;
    for (int pos = 0; pos < txns.size(); pos++) {
      long rev = Revisions.of(index, pos);
      TxnApply.Outcome o = TxnApply.apply(txns.get(pos), rev, now, maxWatchValue);
      if (!o.ok()) {
        outcomes.add(new TxnOutcome(false, 0, null, o.failed(), o.invalid()));
        continue;
      }
      for (Versioned w : o.writes()) {
        overlay.put(ByteBuffer.wrap(w.key()), w);
      }
      events.add(new ChangeEvent(rev, o.changes()));
      outcomes.add(new TxnOutcome(true, rev, o.results(), null, null));
      last = rev;
    }
    return new Result(outcomes, events, overlay, last);
  }
}
