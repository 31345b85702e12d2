package io.quorumfs.kv.rocks;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The contract on {@code rocks://}, each test in a fresh directory. */
final class RocksKvStoreContractTest extends KvStoreContract {

  @TempDir
  Path tmp;
  private final AtomicInteger dirs = new AtomicInteger();

  @Override
  protected KvStore newStore() {
    return RocksKvStore.open(tmp.resolve("db" + dirs.incrementAndGet()), RocksOptions.defaults());
  }

  @Override
  protected KvStore reopen(KvStore store) {
    RocksKvStore rocks = (RocksKvStore) store;
    rocks.close();
    return RocksKvStore.open(rocks.directory(), rocks.options());
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return RocksKvStore.open(tmp.resolve("db" + dirs.incrementAndGet()),
        RocksOptions.defaults().withHistoryRevisions(commits));
  }
}
