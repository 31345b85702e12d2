package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.FixtureMode;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts DynamoDB Local (in-memory, telemetry off, in this JVM, on a free port) once per test run
 * and stops it when the run ends. DynamoDB Local has no bind-address option, so it listens on all
 * interfaces; clients reach it through 127.0.0.1 only. Use it as
 * {@code @RegisterExtension static DynamoLocalExtension dynamo = new DynamoLocalExtension();}, then
 * {@link #newStoreUri()} gives a {@code dynamodb://} URI of a fresh table (dummy credentials,
 * {@code create=true}).
 *
 * <p>With {@code -Dquorumfs.fixtures=testcontainers} (default {@code process}) DynamoDB Local runs
 * in a Testcontainers container of {@code amazon/dynamodb-local:2.6.0}
 * ({@code -Dquorumfs.dynamo.image=...}, command {@code -jar DynamoDBLocal.jar -inMemory}) instead,
 * and {@link #endpoint()} is the container's host and mapped port 8000. Any other value of the
 * property is an error naming it and the allowed values.
 */
public final class DynamoLocalExtension implements BeforeAllCallback {

  /** Dummy credentials and region: DynamoDB Local checks neither. */
  public static final String REGION = "us-east-1";
  public static final String ACCESS_KEY = "dummy";
  public static final String SECRET_KEY = "dummy";

  private static final AtomicInteger TABLES = new AtomicInteger();
  private volatile Server server;

  @Override
  public void beforeAll(ExtensionContext context) {
    FixtureMode mode = FixtureMode.current();
    server = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Server.class, k -> Server.start(mode), Server.class);
  }

  /**
   * Starts a server in {@code mode} that the caller must close (for the mode's own tests; fixtures
   * share one server per run through {@link #beforeAll}).
   */
  static AutoCloseable startStandalone(FixtureMode mode) {
    return Server.start(mode);
  }

  /** The HTTP endpoint, e.g. {@code http://127.0.0.1:41234}. */
  public URI endpoint() {
    if (server == null) {
      throw new IllegalStateException("DynamoDB Local not started: register the extension"
          + " on a static field with @RegisterExtension");
    }
    return URI.create("http://" + server.host + ":" + server.port);
  }

  /**
   * A URI for {@code table} on this server with dummy credentials and a 30 s call timeout (the
   * in-process server is slow on a loaded 2-core machine), plus {@code extra} parameters.
   */
  public String storeUri(String table, String extra) {
    return "dynamodb://" + table + "?region=" + REGION + "&endpoint=" + endpoint()
        + "&accessKey=" + ACCESS_KEY + "&secretKey=" + SECRET_KEY + "&timeoutMs=30000"
        + (extra == null || extra.isEmpty() ? "" : "&" + extra);
  }

  /** A fresh, not yet existing table name. */
  public static String newTableName() {
    return "qfs-" + ProcessHandle.current().pid() + "-" + TABLES.incrementAndGet();
  }

  /** A URI of a fresh table that the store creates on open. */
  public String newStoreUri() {
    return storeUri(newTableName(), "create=true");
  }

  private static final class Server implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    final DynamoDBProxyServer proxy; // null in testcontainers mode
    final DynamoContainer container; // null in process mode
    final String host;
    final int port;

    private Server(DynamoDBProxyServer proxy, DynamoContainer container, String host, int port) {
      this.proxy = proxy;
      this.container = container;
      this.host = host;
      this.port = port;
    }

    static Server start(FixtureMode mode) {
      if (mode == FixtureMode.TESTCONTAINERS) {
        mode.requireTestcontainersOnClasspath("DynamoLocalExtension");
        DynamoContainer c = DynamoContainer.start();
        return new Server(null, c, c.host(), c.port());
      }
      Exception last = null;
      for (int attempt = 0; attempt < 5; attempt++) {
        int port = freePort();
        try {
          DynamoDBProxyServer s = ServerRunner.createServerFromCommandLineArgs(
              new String[] {"-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
          s.start();
          return new Server(s, null, "127.0.0.1", port);
        } catch (Exception e) {
          last = e; // another process took the port between probe and bind: try another
        }
      }
      throw new IllegalStateException("cannot start DynamoDB Local", last);
    }

    private static int freePort() {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port", e);
      }
    }

    @Override
    public void close() throws Exception {
      if (container != null) {
        container.close();
      } else {
        proxy.stop();
      }
    }
  }
}
