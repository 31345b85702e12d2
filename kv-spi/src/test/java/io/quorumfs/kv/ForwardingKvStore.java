package io.quorumfs.kv;

import java.util.List;
import java.util.Set;

/**
 * A {@link KvStore} that forwards every call to a real store; test wrappers override the one call
 * they change (a gated commit, a commit hook, a smaller txn limit). Shipped in the test-jar.
 */
public abstract class ForwardingKvStore implements KvStore {

  protected final KvStore inner;

  protected ForwardingKvStore(KvStore inner) {
    this.inner = java.util.Objects.requireNonNull(inner, "inner");
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
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    return inner.scan(range, limit, after);
  }

  @Override
  public CommitResult commit(Txn txn) {
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
    return inner.maxTxnSize();
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
