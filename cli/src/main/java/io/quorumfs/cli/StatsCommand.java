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

  /** One scrape: sample name (with labels) → value, and metric family → type. */
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
        int sp = line.lastIndexOf(' ');
        try {
          values.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)
              .replace("+Inf", "Infinity").replace("-Inf", "-Infinity")));
        } catch (RuntimeException e) {
          // a line this reader does not understand is skipped; the endpoint test checks format
        }
      }
    }
    return new Sample(values, types);
  }

  static String render(Sample prev, Sample cur, double secs, Pattern filter) {
    Table t = new Table("METRIC", "VALUE", "PER-SECOND", "P99");
    for (Map.Entry<String, String> fam : cur.types().entrySet()) {
      String name = fam.getKey();
      if (filter != null && !filter.matcher(name).find()) {
        continue;
      }
      String type = fam.getValue();
      if (type.equals("counter")) {
        double v = cur.values().getOrDefault(name, 0.0);
        double rate = (v - prev.values().getOrDefault(name, v)) / secs;
        t.row(name, fmt(v), fmt(rate), "");
      } else if (type.equals("summary")) {
        double c = cur.values().getOrDefault(name + "_count", 0.0);
        double rate = (c - prev.values().getOrDefault(name + "_count", c)) / secs;
        Double p99 = cur.values().get(name + "{quantile=\"0.99\"}");
        String p = p99 == null ? "" : name.endsWith("_seconds")
            ? String.format(Locale.ROOT, "%.3f ms", p99 * 1000) : fmt(p99);
        t.row(name, fmt(c), fmt(rate), p);
      } else {
        t.row(name, fmt(cur.values().getOrDefault(name, Double.NaN)), "", "");
      }
    }
    for (String name : cur.types().keySet()) {
      if (!name.endsWith("_hits_total") || (filter != null && !filter.matcher(name).find())) {
        continue;
      }
      String base = name.substring(0, name.length() - "_hits_total".length());
      Double hits = cur.values().get(name);
      Double misses = cur.values().get(base + "_misses_total");
      if (hits != null && misses != null && hits + misses > 0) {
        double dh = hits - prev.values().getOrDefault(name, hits);
        double dm = misses - prev.values().getOrDefault(base + "_misses_total", misses);
        t.row(base + "_hit_ratio", String.format(Locale.ROOT, "%.3f", hits / (hits + misses)),
            dh + dm > 0 ? String.format(Locale.ROOT, "%.3f", dh / (dh + dm)) : "", "");
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
