package io.quorumfs.cli.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.quorumfs.kv.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The Prometheus endpoint of a quorumfs process, built on the Prometheus Java client: {@code GET
 * /metrics} (text or OpenMetrics, as the scraper asks), {@code GET /-/healthy}. The process's
 * Dropwizard metrics are exported through the client's Dropwizard bridge with a {@code quorumfs_}
 * prefix (timers as summaries in seconds, named {@code …_seconds}), and the client's standard JVM
 * metrics ({@code jvm_*}, {@code process_*}) come with them. The bridge makes one family per
 * Dropwizard metric (its label mapper cannot fold several into one family), so a mount's FUSE
 * operation metrics are exported beside it as labelled families by {@link FuseOpFamilies}.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private final HTTPServer server;
  private final String host;

  private MetricsEndpoint(HTTPServer server, String host) {
    this.server = server;
    this.host = host;
  }

  /**
   * Starts serving {@code registries} (read at every scrape) on {@code address} (port 0 = any free
   * port).
   *
   * @throws IOException if the address cannot be bound (the message names it)
   */
  public static MetricsEndpoint start(InetSocketAddress address,
      Supplier<List<MetricRegistry>> registries) throws IOException {
    PrometheusRegistry registry = registry(registries);
    try {
      HTTPServer server = HTTPServer.builder().inetAddress(address.getAddress())
          .port(address.getPort()).registry(registry).buildAndStart();
      return new MetricsEndpoint(server, address.getAddress().getHostAddress());
    } catch (IOException e) {
      throw new IOException("cannot listen for metrics on "
          + new HostPort(address.getHostString(), address.getPort()) + ": " + e.getMessage(), e);
    }
  }

  /** The Prometheus registry a scrape reads: {@code registries} bridged, plus the JVM's metrics. */
  static PrometheusRegistry registry(Supplier<List<MetricRegistry>> registries) {
    PrometheusRegistry registry = new PrometheusRegistry();
    ScrapeView view = new ScrapeView(registries);
    DropwizardExports exports = new DropwizardExports(view, FuseOpFamilies.BRIDGE_FILTER);
    // The bridge asks the view once per metric type: the registries are read once per scrape.
    registry.register((MultiCollector) () -> {
      view.refresh();
      MetricSnapshots.Builder all = MetricSnapshots.builder();
      exports.collect().forEach(all::metricSnapshot);
      FuseOpFamilies.collect(view.current).forEach(all::metricSnapshot);
      return all.build();
    });
    JvmMetrics.builder().register(registry);
    return registry;
  }

  /** The bound port (the real one when 0 was asked for). */
  public int port() {
    return server.getPort();
  }

  /** {@code http://host:port/metrics}. */
  public String url() {
    return "http://" + new HostPort(host, port()) + "/metrics";
  }

  @Override
  public void close() {
    server.close();
  }

  /**
   * The registries as one Dropwizard registry, read at each scrape ({@link #refresh}), every name prefixed with
   * {@code quorumfs.} and a timer's suffixed with {@code .seconds} (its unit once exported); a name
   * two registries share is taken from the first.
   */
  private static final class ScrapeView extends MetricRegistry {
    private final Supplier<List<MetricRegistry>> registries;
    private volatile List<MetricRegistry> current = List.of();

    ScrapeView(Supplier<List<MetricRegistry>> registries) {
      this.registries = registries;
    }

    void refresh() {
      current = registries.get();
    }

    private <T extends Metric> SortedMap<String, T> collect(Class<T> type, MetricFilter filter) {
      SortedMap<String, T> out = new TreeMap<>();
      for (MetricRegistry r : current) {
        for (Map.Entry<String, Metric> e : r.getMetrics().entrySet()) {
          String name = e.getKey().startsWith("quorumfs.") ? e.getKey() : "quorumfs." + e.getKey();
          if (e.getValue() instanceof Timer && !name.endsWith(".seconds")) {
            name += ".seconds";
          }
          if (type.isInstance(e.getValue()) && filter.matches(name, e.getValue())) {
            out.putIfAbsent(name, type.cast(e.getValue()));
          }
        }
      }
      return out;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public SortedMap<String, Gauge> getGauges(MetricFilter filter) {
      return collect(Gauge.class, filter);
    }

    @Override
    public SortedMap<String, Counter> getCounters(MetricFilter filter) {
      return collect(Counter.class, filter);
    }

    @Override
    public SortedMap<String, Histogram> getHistograms(MetricFilter filter) {
      return collect(Histogram.class, filter);
    }

    @Override
    public SortedMap<String, Meter> getMeters(MetricFilter filter) {
      return collect(Meter.class, filter);
    }

    @Override
    public SortedMap<String, Timer> getTimers(MetricFilter filter) {
      return collect(Timer.class, filter);
    }
  }
}
