package io.quorumfs.kv;

/** The contract on a {@link PairedStore} of two {@code mem:} stores (propagation running). */
final class PairedStoreContractTest extends KvStoreContract {

  @Override
  protected KvStore newStore() {
    return new PairedStore(new MemKvStore(), new MemKvStore());
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return new PairedStore(new MemKvStore(commits), new MemKvStore());
  }
}
