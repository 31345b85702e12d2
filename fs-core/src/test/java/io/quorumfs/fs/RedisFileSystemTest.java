package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.redis.RedisServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link FileSystemContract} on {@code redis://}: a real redis-server child process. */
class RedisFileSystemTest extends FileSystemContract {
  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  private static KvStore redis;

  @Override
  protected synchronized KvStore store() {
    if (redis == null) {
      redis = KvStores.open(REDIS.freshUri());
    }
    return redis;
  }

  @AfterAll
  static void closeStore() {
    if (redis != null) {
      redis.close();
      redis = null;
    }
  }
}
