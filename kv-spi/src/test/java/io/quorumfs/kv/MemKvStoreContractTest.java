package io.quorumfs.kv;

/** The contract on {@code mem:}. */
final class MemKvStoreContractTest extends KvStoreContract {

  @Override
  protected KvStore newStore() {
    return new MemKvStore();
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return new MemKvStore(commits);
  }
}
