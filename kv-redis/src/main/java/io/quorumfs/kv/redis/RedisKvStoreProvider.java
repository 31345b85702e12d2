package io.quorumfs.kv.redis;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code redis://[user:pass@]host[:port][/db][?prefix=..&timeout=..]} and {@code rediss://}
 * (TLS). See docs/kv-redis.md for every parameter.
 */
public final class RedisKvStoreProvider implements KvStoreProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public KvStore open(URI uri) {
    return RedisKvStore.open(RedisConfig.parse(uri));
  }
}
