package io.quorumfs.cli.metrics;

import io.quorumfs.kv.HostPort;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.SharedMetricRegistries;
import com.codahale.metrics.jmx.JmxReporter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one quorumfs process: the shared registry {@value #REGISTRY} (modules register
 * their metrics there or in any {@link SharedMetricRegistries} registry), JVM gauges, a JMX
 * reporter and, when asked, the Prometheus endpoint. Ratis' own metrics (elections, appends,
 * commit/apply indexes, follower lag) are published too: on JMX by Ratis' reporter, and on the
 * endpoint through {@link RatisMetrics}.
 */
public final class ProcessMetrics implements AutoCloseable {

  /** Name of the process-wide registry in {@link SharedMetricRegistries}. */
  public static final String REGISTRY = "quorumfs";
  private static final Logger LOG = LoggerFactory.getLogger(ProcessMetrics.class);

  private final MetricRegistry registry;
  private final JmxReporter jmx;
  private final MetricsEndpoint endpoint;

  private ProcessMetrics(MetricRegistry registry, JmxReporter jmx, MetricsEndpoint endpoint) {
    this.registry = registry;
    this.jmx = jmx;
    this.endpoint = endpoint;
  }

  /**
   * Sets up metrics for this process.
   *
   * @param listen host:port for the Prometheus endpoint, or empty for none
   * @param withJmx whether to publish MBeans
   */
  public static ProcessMetrics start(Optional<String> listen, boolean withJmx) throws IOException {
    MetricRegistry registry = SharedMetricRegistries.getOrCreate(REGISTRY);
    JmxReporter jmx = null;
    if (withJmx) {
      try {
        org.apache.ratis.metrics.MetricRegistries.global().enableJmxReporter();
      } catch (RuntimeException | LinkageError e) {
        LOG.debug("no JMX for Ratis metrics: {}", e.toString());
      }
      jmx = JmxReporter.forRegistry(registry).inDomain("io.quorumfs").build();
      jmx.start();
    }
    MetricsEndpoint endpoint = null;
    if (listen.isPresent()) {
      String hp = listen.get();
      endpoint = MetricsEndpoint.start(HostPort.parse(hp).socketAddress(),
          ProcessMetrics::allRegistries);
      LOG.info("metrics: Prometheus text at {}", endpoint.url());
    }
    return new ProcessMetrics(registry, jmx, endpoint);
  }

  /** Every shared registry, {@value #REGISTRY} first. */
  static List<MetricRegistry> allRegistries() {
    List<MetricRegistry> out = new ArrayList<>();
    out.add(SharedMetricRegistries.getOrCreate(REGISTRY));
    for (String name : SharedMetricRegistries.names()) {
      if (!name.equals(REGISTRY)) {
        out.add(SharedMetricRegistries.getOrCreate(name));
      }
    }
    out.add(RatisMetrics.snapshot());
    return out;
  }

  public MetricRegistry registry() {
    return registry;
  }

  /** The endpoint URL, if one was started. */
  public Optional<String> url() {
    return Optional.ofNullable(endpoint).map(MetricsEndpoint::url);
  }

  @Override
  public void close() {
    if (endpoint != null) {
      endpoint.close();
    }
    if (jmx != null) {
      jmx.close();
    }
  }
}
