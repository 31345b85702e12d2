package io.quorumfs.kv;

import java.util.List;

/**
 * The outcome of {@link KvStore#commit}: either applied at {@code revision}, or refused because the
 * listed compares failed (then nothing was applied and {@code revision} is 0).
 *
 * @param opResults for an applied txn, one entry per {@link Txn#ops()} in order: the new long value
 *     for {@link Op.Add} and {@link Op.Max}, 0 for puts and deletes
 */
public record CommitResult(boolean ok, long revision, List<Compare> failed, List<Long> opResults) {

  public CommitResult {
    failed = List.copyOf(failed);
    opResults = List.copyOf(opResults);
  }

  public static CommitResult ok(long revision, List<Long> opResults) {
    return new CommitResult(true, revision, List.of(), opResults);
  }

  public static CommitResult conflict(List<Compare> failed) {
    if (failed.isEmpty()) {
      throw new IllegalArgumentException("a conflict names at least one failed compare");
    }
    return new CommitResult(false, 0, failed, List.of());
  }

  /** The new value of the {@code i}-th op (an {@link Op.Add} or {@link Op.Max}). */
  public long opResult(int i) {
    return opResults.get(i);
  }
}
