package io.quorumfs.cli;

import io.quorumfs.kv.redis.RedisServerExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Write-back mounts whose remote is a key-value blob store on a real redis-server. */
class WriteBackRedisTest extends WriteBackBehaviours {
  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  @Override
  String freshRemoteUri() {
    return REDIS.freshUri();
  }
}
