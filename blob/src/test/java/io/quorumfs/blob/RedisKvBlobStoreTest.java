package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.redis.RedisServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KvBlobStore over a real redis-server child process; each test gets its own key prefix. */
class RedisKvBlobStoreTest extends BlobStoreContract {
  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  @Override
  protected BlobStore open(FakeClock clock) {
    return KvBlobStore.builder(KvStores.open(REDIS.freshUri())).ownsKv(true).clock(clock).refreshAfter(REFRESH).build();
  }
}
