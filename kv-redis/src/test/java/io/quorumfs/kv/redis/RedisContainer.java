package io.quorumfs.kv.redis;

import io.quorumfs.kv.FixtureMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers side of {@link RedisServerExtension}: {@code redis-server} in a container of
 * {@code redis:7} (or {@code -Dquorumfs.redis.image=...}), port 6379 mapped to a free host port.
 * Kept in its own class so that the default (process) path never loads a Testcontainers class.
 */
final class RedisContainer implements AutoCloseable {

  static final String IMAGE_PROPERTY = "quorumfs.redis.image";
  static final String DEFAULT_IMAGE = "redis:7";
  static final int REDIS_PORT = 6379;

  private final GenericContainer<?> container;

  private RedisContainer(GenericContainer<?> container) {
    this.container = container;
  }

  /** Starts {@code redis-server args...} in a container; fails clearly when no Docker engine is found. */
  static RedisContainer start(List<String> args) {
    String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
    requireDocker("RedisServerExtension (image " + image + ")");
    List<String> cmd = new ArrayList<>();
    cmd.add("redis-server");
    cmd.addAll(args);
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withExposedPorts(REDIS_PORT)
        .withCommand(cmd.toArray(new String[0]))
        .withStartupTimeout(Duration.ofSeconds(120));
    try {
      c.start();
    } catch (RuntimeException e) {
      c.stop();
      throw new IllegalStateException("cannot start redis-server in a container of " + image + " ("
          + FixtureMode.TESTCONTAINERS.flag() + "): " + e.getMessage(), e);
    }
    return new RedisContainer(c);
  }

  /** Throws a message naming the mode and the way back when Testcontainers finds no Docker engine. */
  static void requireDocker(String fixture) {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(fixture + ": " + FixtureMode.TESTCONTAINERS.flag() + " needs a Docker engine,"
          + " and Testcontainers found none (DOCKER_HOST, /var/run/docker.sock). Start one (see docs/kv-redis.md,"
          + " \"Testcontainers\") or drop the property to use the default -D" + FixtureMode.PROPERTY + "="
          + FixtureMode.PROCESS.value + " (a redis-server child process, no Docker)");
    }
  }

  String host() {
    return container.getHost();
  }

  int port() {
    return container.getMappedPort(REDIS_PORT);
  }

  boolean isRunning() {
    return container.isRunning();
  }

  @Override
  public void close() {
    container.stop();
  }
}
