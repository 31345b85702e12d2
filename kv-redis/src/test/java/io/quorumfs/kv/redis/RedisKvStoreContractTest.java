package io.quorumfs.kv.redis;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.KvStores;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole KV contract against a real redis-server child process; each test gets its own prefix. */
final class RedisKvStoreContractTest extends KvStoreContract {

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  private String uri;

  @Override
  protected KvStore newStore() {
    uri = REDIS.freshUri();
    return KvStores.open(uri);
  }

  @Override
  protected KvStore reopen(KvStore store) {
    store.close();
    return KvStores.open(uri);
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return KvStores.open(REDIS.freshUri() + "&history=" + commits);
  }
}
