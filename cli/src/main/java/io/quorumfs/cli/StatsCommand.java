package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code quorumfs stats}: live per-second figures from a process's metrics endpoint. */
@Command(name = "stats", mixinStandardHelpOptions = true,
    header = "Live per-second figures from a metrics endpoint.",
    description = {
        "Show live figures of a running quorumfs process (up, meta start, blob start, mount) "
            + "from its Prometheus endpoint: per-second rates of counters and of operation "
            + "counts, p99 latency of timed operations, and gauge values (cache hit ratio, feed "
            + "lag, outbox backlog, ...). The process must run with --metrics-listen."})
final class StatsCommand implements Callable<Integer> {

  @Option(names = "--url", paramLabel = "URL|HOST:PORT",
      description = "Metrics endpoint (default: the one of a running quorumfs up).")
  String url;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
      description = "Seconds between samples (default ${DEFAULT-VALUE}).")
  double interval;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0",
      description = "Stop after N samples (default ${DEFAULT-VALUE}: until Ctrl-C).")
  int count;

  @Option(names = "--match", paramLabel = "REGEX",
      description = "Only metrics whose name contains a match of REGEX.")
  String match;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data dir of the quorumfs up to find (config key data-dir).")
  String dataDir;

  @Mixin
  ConfigOptions config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Config cfg = config.builder().option(ConfigKeys.DATA_DIR, dataDir, "--data-dir").build();
    String target = url;
    if (target == null) {
      target = UpState.running(cfg.path(ConfigKeys.DATA_DIR), "metrics.url")
          .orElseThrow(() -> new CommandFailedException("no --url given and no running "
              + "'quorumfs up' with a metrics endpoint found in " + cfg.path(ConfigKeys.DATA_DIR)
              + "; start it with --metrics-listen 127.0.0.1:9100 or pass --url HOST:PORT",
              ExitCode.USAGE, null));
    }
    if (!target.contains("://")) {
      target = "http://" + target + "/metrics";
    }
    Pattern filter = match == null ? null : Pattern.compile(match);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    PrintWriter out = spec.commandLine().getOut();
    Sample prev = fetch(http, target);
    long prevNanos = System.nanoTime();
    for (int i = 0; count == 0 || i < count; i++) {
      long wakeAt = prevNanos + (long) (interval * 1e9);
      long wait;
      while ((wait = wakeAt - System.nanoTime()) > 0) {
        Thread.sleep(Math.max(1, wait / 1_000_000)); // pacing the display, not synchronisation
      }
      Sample cur = fetch(http, target);
      long now = System.nanoTime();
      double secs = (now - prevNanos) / 1e9;
      out.print(render(prev, cur, secs, filter));
      out.flush();
      prev = cur;
      prevNanos = now;
    }
    return ExitCode.OK;
  }

  /** One scrape: sample (name with its labels, in name order) → value, and family → type. */
  record Sample(Map<String, Double> values, Map<String, String> types) {}

  static Sample fetch(HttpClient http, String url) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new CommandFailedException("GET " + url + " answered HTTP " + r.statusCode());
      }
      return parse(r.body());
    } catch (IOException e) {
      throw new CommandFailedException("cannot read metrics from " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailedException("interrupted");
    }
  }

  /** Reads the Prometheus text format: TYPE lines and samples (labels put in name order). */
  static Sample parse(String text) {
    Map<String, Double> values = new LinkedHashMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] f = line.split(" ");
        if (f.length >= 4) {
          types.put(f[2], f[3]);
        }
      } else if (!line.isBlank() && !line.startsWith("#")) {
        try {
          int close = line.lastIndexOf('}');
          int sp = line.indexOf(' ', close < 0 ? 0 : close);
          String value = line.substring(sp + 1).trim().split(" ")[0];
          values.put(canonical(line.substring(0, sp)), Double.parseDouble(
              value.replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
        } catch (RuntimeException e) {
          // a line this reader does not understand is skipped; the endpoint test checks format
        }
      }
    }
    return new Sample(values, types);
  }

  /** {@code name{b="2",a="1"}} → {@code name{a="1",b="2"}}. */
  static String canonical(String sample) {
    int open = sample.indexOf('{');
    if (open < 0) {
      return sample;
    }
    return sample.substring(0, open) + labels(labelMap(sample));
  }

  private static TreeMap<String, String> labelMap(String sample) {
    TreeMap<String, String> out = new TreeMap<>();
    int open = sample.indexOf('{');
    if (open < 0) {
      return out;
    }
    Matcher m = LABEL.matcher(sample.substring(open + 1, sample.lastIndexOf('}')));
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  private static String labels(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("{");
    labels.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append(k).append("=\"").append(v).append('"'));
    return b.append('}').toString();
  }

  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** The family a sample name belongs to, and its type ("untyped" if the scrape named none). */
  private static String[] family(String name, Map<String, String> types) {
    if (types.containsKey(name)) {
      return new String[] {name, types.get(name)};
    }
    for (String suffix : new String[] {"_total", "_count", "_sum", "_created", "_bucket"}) {
      if (name.endsWith(suffix)) {
        String f = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(f)) {
          return new String[] {f, types.get(f)};
        }
      }
    }
    return new String[] {name, "untyped"};
  }

  static String render(Sample prev, Sample cur, double secs, Pattern filter) {
    Table t = new Table("METRIC", "VALUE", "PER-SECOND", "P99");
    for (Map.Entry<String, Double> e : cur.values().entrySet()) {
      String key = e.getKey();
      int open = key.indexOf('{');
      String name = open < 0 ? key : key.substring(0, open);
      String[] fam = family(name, cur.types());
      if ((filter != null && !filter.matcher(key).find()) || name.endsWith("_created")) {
        continue;
      }
      double v = e.getValue();
      double rate = (v - prev.values().getOrDefault(key, v)) / secs;
      switch (fam[1]) {
        case "counter" -> t.row(key, fmt(v), fmt(rate), "");
        case "summary" -> {
          if (name.endsWith("_count")) {
            TreeMap<String, String> l = labelMap(key);
            String shown = fam[0] + labels(l);
            l.put("quantile", "0.99");
            Double p99 = cur.values().get(fam[0] + labels(l));
            String p = p99 == null || p99.isNaN() ? "" : fam[0].endsWith("_seconds")
                ? String.format(Locale.ROOT, "%.3f ms", p99 * 1000) : fmt(p99);
            t.row(shown, fmt(v), fmt(rate), p);
          }
        }
        default -> t.row(key, fmt(v), "", "");
      }
      if (fam[1].equals("counter")) {
        // hits and misses, as two counters (x_hits_total, x_misses_total) or one labelled family
        TreeMap<String, String> l = labelMap(key);
        String missKey = null;
        String ratio = null;
        if (name.endsWith("_hits_total")) {
          String base = name.substring(0, name.length() - "_hits_total".length());
          missKey = base + "_misses_total" + labels(l);
          ratio = base + "_hit_ratio" + labels(l);
        } else if ("hits".equals(l.get("event"))) {
          l.put("event", "misses");
          missKey = name + labels(l);
          l.remove("event");
          ratio = fam[0].replaceFirst("_total$", "") + "_hit_ratio" + labels(l);
        }
        Double misses = missKey == null ? null : cur.values().get(missKey);
        if (misses != null && v + misses > 0) {
          double dh = v - prev.values().getOrDefault(key, v);
          double dm = misses - prev.values().getOrDefault(missKey, misses);
          t.row(ratio, String.format(Locale.ROOT, "%.3f", v / (v + misses)),
              dh + dm > 0 ? String.format(Locale.ROOT, "%.3f", dh / (dh + dm)) : "", "");
        }
      }
    }
    return "--- " + Instant.now() + "\n" + t;
  }

  private static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
