package io.quorumfs.meta;

import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * A replica store whose first data-writing apply after {@code armed} turns true fails, once, as a
 * disk write error would (fault tests: ApplyFailureTest in process, FaultyReplicaMain as a process).
 */
final class FailingReplicaStore implements ReplicaStore {
  private final ReplicaStore inner;
  private final BooleanSupplier armed;
  private volatile boolean failed;
  /** The index of the entry whose apply failed, or -1. */
  volatile long failedAt = -1;

  FailingReplicaStore(ReplicaStore inner, BooleanSupplier armed) {
    this.inner = inner;
    this.armed = armed;
  }

  @Override public Applied applied() { return inner.applied(); }

  @Override
  public EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows) {
    if (!failed && !txns.isEmpty() && armed.getAsBoolean()) {
      failed = true;
      failedAt = index;
      throw new IllegalStateException("injected: the write of entry " + index + " failed");
    }
    return inner.apply(term, index, txns, sessionRows);
  }

  @Override public Map<UUID, byte[]> sessions() { return inner.sessions(); }
  @Override public void wipe(long term, long index) { inner.wipe(term, index); }
  @Override public List<Versioned> getAll(List<byte[]> keys) { return inner.getAll(keys); }
  @Override public ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes) {
    return inner.scan(range, limit, after, maxBytes);
  }
  @Override public void snapshotTo(Path d) throws IOException { inner.snapshotTo(d); }
  @Override public void restoreFrom(Path d) throws IOException { inner.restoreFrom(d); }
  @Override public Digest digest() { return inner.digest(); }
  @Override public String groupId() { return inner.groupId(); }
  @Override public void setGroupId(String groupId) { inner.setGroupId(groupId); }
  @Override public void close() { inner.close(); }
}
