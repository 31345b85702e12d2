package io.quorumfs.fs;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Txn;

/** A store that refuses txns over {@code limit} entries, as DynamoDB does (97), for tests. */
final class SmallTxnKvStore extends ForwardingKvStore {
  private final int limit;

  SmallTxnKvStore(KvStore inner, int limit) {
    super(inner);
    this.limit = limit;
  }

  @Override
  public CommitResult commit(Txn txn) {
    if (txn.size() > limit) {
      throw new KvLimitException("txn of " + txn.size() + " entries exceeds the limit of " + limit);
    }
    return inner.commit(txn);
  }

  @Override
  public int maxTxnSize() {
    return limit;
  }
}
