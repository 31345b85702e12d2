package io.quorumfs.cli.metrics;

import com.codahale.metrics.MetricRegistry;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The Prometheus text endpoint: {@code GET /metrics} on a JDK {@link HttpServer}. One daemon
 * thread serves requests; {@link #close} stops it.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts serving {@code registries} on {@code address} (port 0 = any free port).
   *
   * @throws IOException if the address cannot be bound (the message names it)
   */
  public static MetricsEndpoint start(InetSocketAddress address,
      Supplier<List<MetricRegistry>> registries) throws IOException {
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException("cannot listen for metrics on " + address.getHostString() + ":"
          + address.getPort() + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "quorumfs-metrics-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> serveMetrics(ex, registries));
    server.createContext("/", MetricsEndpoint::serveIndex);
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  /** The bound address (with the real port when 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://host:port/metrics}. */
  public String url() {
    InetSocketAddress a = address();
    return "http://" + new io.quorumfs.kv.HostPort(a.getHostString(), a.getPort()) + "/metrics";
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static void serveMetrics(HttpExchange ex, Supplier<List<MetricRegistry>> registries)
      throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      StringWriter text = new StringWriter();
      PrometheusText.write(registries.get(), text);
      byte[] body = text.toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
      boolean head = "HEAD".equals(ex.getRequestMethod());
      ex.sendResponseHeaders(200, head ? -1 : body.length);
      if (!head) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  private static void serveIndex(HttpExchange ex) throws IOException {
    try (ex) {
      boolean root = "/".equals(ex.getRequestURI().getPath());
      byte[] body = (root ? "quorumfs: metrics at /metrics\n" : "not found\n")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      ex.sendResponseHeaders(root ? 200 : 404, body.length);
      try (Writer w = new OutputStreamWriter(ex.getResponseBody(), StandardCharsets.UTF_8)) {
        w.write(new String(body, StandardCharsets.UTF_8));
      }
    }
  }
}
