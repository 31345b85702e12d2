package io.quorumfs.cli.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.io.IOException;
import java.io.Writer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes Dropwizard metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * <ul>
 *   <li>Counter {@code fs.ops.create} → counter {@code quorumfs_fs_ops_create_total}.</li>
 *   <li>Gauge (numeric or boolean) → gauge; other gauges are skipped.</li>
 *   <li>Meter → counter {@code <name>_total} and gauge {@code <name>_rate1m} (events/s).</li>
 *   <li>Histogram → summary with quantiles 0.5 … 0.999, {@code _sum} (mean × count) and
 *       {@code _count}.</li>
 *   <li>Timer → summary {@code <name>_seconds} in seconds.</li>
 * </ul>
 * Names are sanitised to {@code [a-zA-Z_:][a-zA-Z0-9_:]*} and prefixed with {@code quorumfs_};
 * a name that collides with an earlier one after sanitising is skipped.
 */
public final class PrometheusText {

  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.99, 0.999};
  private static final double NANOS_PER_SECOND = 1e9;

  private PrometheusText() {}

  /** Writes every metric of {@code registries} (merged, sorted by name). */
  public static void write(List<MetricRegistry> registries, Writer out) throws IOException {
    SortedMap<String, Metric> all = new TreeMap<>();
    for (MetricRegistry r : registries) {
      for (Map.Entry<String, Metric> e : r.getMetrics().entrySet()) {
        all.putIfAbsent(e.getKey(), e.getValue());
      }
    }
    Set<String> written = new HashSet<>();
    for (Map.Entry<String, Metric> e : all.entrySet()) {
      writeOne(e.getKey(), e.getValue(), written, out);
    }
  }

  private static void writeOne(String name, Metric m, Set<String> written, Writer out)
      throws IOException {
    String base = sanitize(name);
    if (m instanceof Counter) {
      family(out, written, base + "_total", "counter", name, sample(base + "_total", ((Counter) m).getCount()));
    } else if (m instanceof Gauge) {
      Double v = gaugeValue((Gauge<?>) m);
      if (v != null) {
        family(out, written, base, "gauge", name, sample(base, v));
      }
    } else if (m instanceof Timer) {
      Timer t = (Timer) m;
      summary(out, written, base + "_seconds", name, t.getSnapshot(), t.getCount(), NANOS_PER_SECOND);
    } else if (m instanceof Histogram) {
      Histogram h = (Histogram) m;
      summary(out, written, base, name, h.getSnapshot(), h.getCount(), 1);
    } else if (m instanceof Meter) {
      Meter meter = (Meter) m;
      family(out, written, base + "_total", "counter", name, sample(base + "_total", meter.getCount()));
      family(out, written, base + "_rate1m", "gauge", name + " (one-minute rate, per second)",
          sample(base + "_rate1m", meter.getOneMinuteRate()));
    }
  }

  private static void summary(Writer out, Set<String> written, String n, String original,
      Snapshot s, long count, double divisor) throws IOException {
    StringBuilder b = new StringBuilder();
    for (double q : QUANTILES) {
      b.append(n).append("{quantile=\"").append(q).append("\"} ")
          .append(number(s.getValue(q) / divisor)).append('\n');
    }
    b.append(sample(n + "_sum", s.getMean() * count / divisor));
    b.append(sample(n + "_count", count));
    family(out, written, n, "summary", original, b.toString());
  }

  private static void family(Writer out, Set<String> written, String n, String type,
      String original, String samples) throws IOException {
    if (!written.add(n)) {
      return;
    }
    out.write("# HELP " + n + " " + escapeHelp(original) + "\n");
    out.write("# TYPE " + n + " " + type + "\n");
    out.write(samples);
  }

  private static String sample(String n, double v) {
    return n + " " + number(v) + "\n";
  }

  private static Double gaugeValue(Gauge<?> g) {
    Object v;
    try {
      v = g.getValue();
    } catch (RuntimeException e) {
      return null;
    }
    if (v instanceof Number) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof Boolean) {
      return ((Boolean) v) ? 1.0 : 0.0;
    }
    return null;
  }

  /** A float in the exposition format: NaN, +Inf, -Inf, integers without a fraction. */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** {@code fs.ops/create-1} → {@code quorumfs_fs_ops_create_1}. */
  public static String sanitize(String name) {
    StringBuilder b = new StringBuilder(name.length() + 9);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == ':';
      char w = ok ? c : '_';
      if (w == '_' && b.length() > 0 && b.charAt(b.length() - 1) == '_') {
        continue;
      }
      b.append(w);
    }
    String s = b.toString();
    while (s.endsWith("_") && s.length() > 1) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.startsWith("_")) {
      s = s.substring(1);
    }
    if (!s.startsWith("quorumfs_")) {
      s = "quorumfs_" + s;
    }
    return s;
  }

  private static String escapeHelp(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
