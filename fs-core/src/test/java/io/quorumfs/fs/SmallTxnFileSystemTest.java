package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link FileSystemContract} on {@code mem:} limited to txns of 97 entries (DynamoDB's limit), so
 * every batched path (flush groups, truncate steps, reclaim, fsck repair) is checked to split.
 */
class SmallTxnFileSystemTest extends FileSystemContract {
  private static final KvStore STORE = new SmallTxnKvStore(new MemKvStore(), 97);

  @Override
  protected KvStore store() {
    return STORE;
  }

  @AfterAll
  static void closeStore() {
    STORE.close();
  }
}
