package io.quorumfs.kv.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds Lettuce clients from a {@link RedisConfig}; one small set of I/O threads per JVM. */
final class RedisClients {

  private RedisClients() {}

  private static final class Shared {
    // Daemon threads, sized for small machines; never shut down (shared by every store in the JVM).
    static final ClientResources RESOURCES = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        // Reconnect attempts back off from 10 ms to at most 1 s (Lettuce's default grows to 30 s),
        // so a restarted server is found again within about a second.
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
  }

  static RedisClient create(RedisConfig cfg) {
    RedisURI.Builder b = RedisURI.builder()
        .withHost(cfg.host())
        .withPort(cfg.port())
        .withDatabase(cfg.database())
        .withTimeout(cfg.timeout())
        .withClientName("quorumfs");
    if (cfg.password() != null) {
      if (cfg.user() != null) {
        b.withAuthentication(cfg.user(), cfg.password());
      } else {
        b.withPassword(cfg.password());
      }
    }
    if (cfg.tls()) {
      b.withSsl(true).withVerifyPeer(switch (cfg.verifyPeer()) {
        case "none" -> SslVerifyMode.NONE;
        case "ca" -> SslVerifyMode.CA;
        default -> SslVerifyMode.FULL;
      });
    }
    RedisClient client = RedisClient.create(Shared.RESOURCES, b.build());
    ClientOptions.Builder o = ClientOptions.builder()
        .protocolVersion(ProtocolVersion.RESP2)
        .autoReconnect(true)
        // While disconnected, fail at once with a clear error instead of queueing until the timeout.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(cfg.timeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(cfg.connectTimeout()).keepAlive(true).build());
    if (cfg.tls() && cfg.caCert() != null) {
      o.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(cfg.caCert()).build());
    }
    client.setOptions(o.build());
    return client;
  }
}
