package io.quorumfs.fs;

import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.List;
import java.util.Set;

/** A store that refuses txns over {@code limit} entries, as DynamoDB does (97), for tests. */
final class SmallTxnKvStore implements KvStore {
  private final KvStore inner;
  private final int limit;

  SmallTxnKvStore(KvStore inner, int limit) {
    this.inner = inner;
    this.limit = limit;
  }

  @Override
  public Versioned get(byte[] key) {
    return inner.get(key);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    return inner.getAll(keys);
  }

  @Override
  public ScanPage scan(KeyRange range, int lim, byte[] after) {
    return inner.scan(range, lim, after);
  }

  @Override
  public CommitResult commit(Txn txn) {
    if (txn.size() > limit) {
      throw new KvLimitException("txn of " + txn.size() + " entries exceeds the limit of " + limit);
    }
    return inner.commit(txn);
  }

  @Override
  public long revision() {
    return inner.revision();
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return inner.watch(fromRevision, listener);
  }

  @Override
  public int maxWatchValueBytes() {
    return inner.maxWatchValueBytes();
  }

  @Override
  public int maxTxnSize() {
    return limit;
  }

  @Override
  public Set<Capability> capabilities() {
    return inner.capabilities();
  }

  @Override
  public void close() {
    inner.close();
  }
}
