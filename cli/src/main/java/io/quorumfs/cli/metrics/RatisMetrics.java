package io.quorumfs.cli.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counting;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Sampling;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;

/**
 * Ratis keeps its metrics (elections, log appends, commit and apply indexes, per-follower lag) in
 * its own registries of a shaded Dropwizard. This copies a view of them, at scrape time, into a
 * registry the exposition writer understands: counts as counters, gauges as gauges, timers and
 * histograms as count + p50/p99/max gauges (timers in seconds). Names are
 * {@code ratis.<application>.<component>.<prefix>.<name>}.
 */
final class RatisMetrics {

  private RatisMetrics() {}

  /** A fresh registry mirroring every Ratis registry in this JVM (empty when Ratis is idle). */
  static MetricRegistry snapshot() {
    MetricRegistry out = new MetricRegistry();
    MetricRegistries global;
    try {
      global = MetricRegistries.global();
    } catch (RuntimeException | LinkageError e) {
      return out;
    }
    for (RatisMetricRegistry r : global.getMetricRegistries()) {
      if (!(r instanceof RatisMetricRegistryImpl)) {
        continue;
      }
      MetricRegistryInfo info = r.getMetricRegistryInfo();
      String base = "ratis." + info.getApplicationName() + "." + info.getMetricsComponentName()
          + "." + info.getPrefix() + ".";
      ((RatisMetricRegistryImpl) r).getDropWizardMetricRegistry().getMetrics()
          .forEach((name, m) -> add(out, base + name, m));
    }
    return out;
  }

  private static void add(MetricRegistry out, String name, Metric m) {
    if (out.getMetrics().containsKey(name)) {
      return;
    }
    if (m instanceof org.apache.ratis.thirdparty.com.codahale.metrics.Gauge) {
      Object v = ((org.apache.ratis.thirdparty.com.codahale.metrics.Gauge<?>) m).getValue();
      if (v instanceof Number || v instanceof Boolean) {
        out.register(name, (Gauge<Object>) () -> v);
      }
      return;
    }
    boolean timer = m instanceof org.apache.ratis.thirdparty.com.codahale.metrics.Timer;
    if (m instanceof Sampling) {
      Snapshot s = ((Sampling) m).getSnapshot();
      double div = timer ? 1e9 : 1;
      String unit = timer ? "_seconds" : "";
      out.register(name + ".p50" + unit, (Gauge<Double>) () -> s.getMedian() / div);
      out.register(name + ".p99" + unit, (Gauge<Double>) () -> s.get99thPercentile() / div);
      out.register(name + ".max" + unit, (Gauge<Double>) () -> s.getMax() / div);
    }
    if (m instanceof Counting) {
      long count = ((Counting) m).getCount();
      out.register(name, new Counter() {
        @Override
        public long getCount() {
          return count;
        }
      });
    }
  }
}
