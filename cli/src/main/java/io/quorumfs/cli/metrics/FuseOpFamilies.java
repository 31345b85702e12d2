package io.quorumfs.cli.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mount's FUSE operation metrics as two labelled families: the Dropwizard timers
 * {@code fuse.op.<op>} (with the counters {@code fuse.op.<op>.nanos} for their sums) become the
 * summary {@code quorumfs_fuse_op_seconds{op="<op>"}}, and the counters {@code fuse.op.<op>.errors}
 * the counter {@code quorumfs_fuse_op_errors_total{op="<op>"}}. The Dropwizard bridge makes one
 * family per metric, so these metrics are kept out of it ({@link #BRIDGE_FILTER}).
 */
final class FuseOpFamilies {

  static final String SECONDS = "quorumfs_fuse_op_seconds";
  static final String ERRORS = "quorumfs_fuse_op_errors";

  /** Every Dropwizard name this class exports, with or without the {@code quorumfs.} prefix. */
  private static final Pattern NAME =
      Pattern.compile("(?:quorumfs\\.)?fuse\\.op\\.([a-z0-9_]+)(\\.errors|\\.nanos|\\.seconds)?");

  /** For the bridge: everything but the metrics exported here. */
  static final MetricFilter BRIDGE_FILTER = (name, metric) -> !NAME.matcher(name).matches();

  private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};

  private FuseOpFamilies() {}

  /** The two families read from {@code registries} (a name two registries share: the first's). */
  static List<MetricSnapshot> collect(List<MetricRegistry> registries) {
    Map<String, Timer> timers = new TreeMap<>();
    Map<String, Counter> nanos = new TreeMap<>();
    Map<String, Counter> errors = new TreeMap<>();
    for (MetricRegistry r : registries) {
      for (Map.Entry<String, Metric> e : r.getMetrics().entrySet()) {
        Matcher m = NAME.matcher(e.getKey());
        if (!m.matches()) {
          continue;
        }
        String op = m.group(1);
        String kind = m.group(2) == null ? ".seconds" : m.group(2);
        if (e.getValue() instanceof Timer t && kind.equals(".seconds")) {
          timers.putIfAbsent(op, t);
        } else if (e.getValue() instanceof Counter c && kind.equals(".nanos")) {
          nanos.putIfAbsent(op, c);
        } else if (e.getValue() instanceof Counter c && kind.equals(".errors")) {
          errors.putIfAbsent(op, c);
        }
      }
    }
    List<MetricSnapshot> out = new ArrayList<>();
    if (!timers.isEmpty()) {
      SummarySnapshot.Builder seconds = SummarySnapshot.builder().name(SECONDS)
          .help("Latency of the FUSE operations a mount served, by operation");
      timers.forEach((op, t) -> {
        Snapshot s = t.getSnapshot();
        Quantiles.Builder q = Quantiles.builder();
        for (double quantile : QUANTILES) {
          q.quantile(quantile, s.getValue(quantile) / 1e9);
        }
        SummaryDataPointSnapshot.Builder point = SummaryDataPointSnapshot.builder()
            .labels(Labels.of("op", op)).quantiles(q.build()).count(t.getCount());
        Counter sum = nanos.get(op);
        if (sum != null) {
          point.sum(sum.getCount() / 1e9);
        }
        seconds.dataPoint(point.build());
      });
      out.add(seconds.build());
    }
    if (!errors.isEmpty()) {
      CounterSnapshot.Builder failed = CounterSnapshot.builder().name(ERRORS)
          .help("FUSE operations a mount answered with an error, by operation");
      errors.forEach((op, c) -> failed.dataPoint(CounterDataPointSnapshot.builder()
          .labels(Labels.of("op", op)).value(c.getCount()).build()));
      out.add(failed.build());
    }
    return out;
  }
}
