package io.quorumfs.kv.rocks;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.PairedStore;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The contract on PairedStore(rocks, rocks): persistent, so reopen also recovers the outbox. */
final class PairedRocksContractTest extends KvStoreContract {

  @TempDir
  Path tmp;
  private final AtomicInteger dirs = new AtomicInteger();

  private KvStore pair(Path dir, RocksOptions fastOptions) {
    return new PairedStore(RocksKvStore.open(dir.resolve("fast"), fastOptions),
        RocksKvStore.open(dir.resolve("slow"), RocksOptions.defaults()));
  }

  @Override
  protected KvStore newStore() {
    return pair(tmp.resolve("p" + dirs.incrementAndGet()), RocksOptions.defaults());
  }

  @Override
  protected KvStore reopen(KvStore store) {
    store.close();
    return pair(tmp.resolve("p" + dirs.get()), RocksOptions.defaults());
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return pair(tmp.resolve("p" + dirs.incrementAndGet()), RocksOptions.defaults().withHistoryRevisions(commits));
  }
}
