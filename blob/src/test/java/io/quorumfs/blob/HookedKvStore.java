package io.quorumfs.blob;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Txn;
import java.util.function.Consumer;

/** A real store with a hook run before every commit (it may throw to simulate a crash there). */
final class HookedKvStore extends ForwardingKvStore {
  volatile Consumer<Txn> beforeCommit = t -> { };

  HookedKvStore(KvStore inner) {
    super(inner);
  }

  @Override
  public CommitResult commit(Txn txn) {
    beforeCommit.accept(txn);
    return inner.commit(txn);
  }
}
