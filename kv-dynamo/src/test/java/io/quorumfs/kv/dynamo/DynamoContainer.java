package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.FixtureMode;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers side of {@link DynamoLocalExtension}: DynamoDB Local in a container of
 * {@code amazon/dynamodb-local:2.6.0} (or {@code -Dquorumfs.dynamo.image=...}), run as
 * {@code -jar DynamoDBLocal.jar -inMemory}, port 8000 mapped to a free host port. Kept in its own
 * class so that the default (in-process) path never loads a Testcontainers class.
 */
final class DynamoContainer implements AutoCloseable {

  static final String IMAGE_PROPERTY = "quorumfs.dynamo.image";
  static final String DEFAULT_IMAGE = "amazon/dynamodb-local:2.6.0";
  static final int DYNAMO_PORT = 8000;

  private final GenericContainer<?> container;

  private DynamoContainer(GenericContainer<?> container) {
    this.container = container;
  }

  /** Starts the container; fails clearly when no Docker engine is found. */
  static DynamoContainer start() {
    String image = System.getProperty(IMAGE_PROPERTY, DEFAULT_IMAGE);
    requireDocker("DynamoLocalExtension (image " + image + ")");
    GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(image))
        .withExposedPorts(DYNAMO_PORT)
        .withCommand("-jar", "DynamoDBLocal.jar", "-inMemory")
        .withStartupTimeout(Duration.ofSeconds(120));
    try {
      c.start();
    } catch (RuntimeException e) {
      c.stop();
      throw new IllegalStateException("cannot start DynamoDB Local in a container of " + image + " ("
          + FixtureMode.TESTCONTAINERS.flag() + "): " + e.getMessage(), e);
    }
    return new DynamoContainer(c);
  }

  /** Throws a message naming the mode and the way back when Testcontainers finds no Docker engine. */
  static void requireDocker(String fixture) {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(fixture + ": " + FixtureMode.TESTCONTAINERS.flag() + " needs a Docker engine,"
          + " and Testcontainers found none (DOCKER_HOST, /var/run/docker.sock). Start one (see docs/kv-dynamo.md,"
          + " \"Testcontainers\") or drop the property to use the default -D" + FixtureMode.PROPERTY + "="
          + FixtureMode.PROCESS.value + " (DynamoDB Local in this JVM, no Docker)");
    }
  }

  String host() {
    return container.getHost();
  }

  int port() {
    return container.getMappedPort(DYNAMO_PORT);
  }

  @Override
  public void close() {
    container.stop();
  }
}
