package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import org.junit.jupiter.api.AfterAll;

/** {@link FileSystemContract} on {@code mem:}. */
class MemFileSystemTest extends FileSystemContract {
  private static final KvStore STORE = new MemKvStore();

  @Override
  protected KvStore store() {
    return STORE;
  }

  @AfterAll
  static void closeStore() {
    STORE.close();
  }
}
