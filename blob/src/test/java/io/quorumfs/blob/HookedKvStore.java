package io.quorumfs.blob;

import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A real store with a hook run before every commit (it may throw to simulate a crash there). */
final class HookedKvStore implements KvStore {
  private final KvStore inner;
  volatile Consumer<Txn> beforeCommit = t -> { };

  HookedKvStore(KvStore inner) {
    this.inner = inner;
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
    beforeCommit.accept(txn);
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
