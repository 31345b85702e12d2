package io.quorumfs.cli.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the dashboard {@code deploy/grafana/quorumfs.json} queries, read with Jackson:
 * plain names ({@code quorumfs_fuse_op_seconds_count}) and name regexes
 * ({@code {__name__=~"quorumfs_ratis_.*_appliedIndex"}}), and which of them a scrape lacks.
 */
public final class GrafanaDashboard {

  private static final Pattern NAME_REGEX = Pattern.compile("__name__=~\"([^\"]+)\"");
  private static final Pattern LABELS = Pattern.compile("\\{[^}]*\\}|\\[[^]]*\\]|by \\([^)]*\\)");
  private static final Pattern NAME = Pattern.compile("\\b(quorumfs_[a-zA-Z0-9_]+|jvm_[a-zA-Z0-9_]+)\\b");

  /** Every query expression of every panel. */
  public final List<String> exprs = new ArrayList<>();
  /** Plain metric names, in order of appearance. */
  public final Set<String> names = new LinkedHashSet<>();
  /** Name regexes, in order of appearance. */
  public final Set<String> nameRegexes = new LinkedHashSet<>();
  public final JsonNode json;

  public GrafanaDashboard(Path file) throws IOException {
    json = new ObjectMapper().readTree(Files.readString(file));
    for (JsonNode panel : json.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        exprs.add(expr);
        read(expr, names, nameRegexes);
      }
    }
  }

  /** The plain names and name regexes one expression queries, in one set. */
  public static Set<String> namesIn(String expr) {
    Set<String> out = new LinkedHashSet<>();
    read(expr, out, out);
    return out;
  }

  private static void read(String expr, Set<String> names, Set<String> nameRegexes) {
    Matcher r = NAME_REGEX.matcher(expr);
    while (r.find()) {
      nameRegexes.add(r.group(1));
    }
    Matcher n = NAME.matcher(LABELS.matcher(expr).replaceAll(""));
    while (n.find()) {
      names.add(n.group(1));
    }
  }

  /** The repository's dashboard, found from the module directory tests run in. */
  public static GrafanaDashboard ofRepository() throws IOException {
    Path p = Path.of("deploy/grafana/quorumfs.json");
    return new GrafanaDashboard(Files.exists(p) ? p : Path.of("..").resolve(p));
  }

  /**
   * The names and name regexes no sample of {@code sampleNames} (sample names without labels, as
   * a scrape has them) answers.
   */
  public List<String> missingFrom(Collection<String> sampleNames) {
    List<String> missing = new ArrayList<>();
    for (String n : names) {
      if (!sampleNames.contains(n)) {
        missing.add(n);
      }
    }
    for (String r : nameRegexes) {
      Pattern p = Pattern.compile(r);
      if (sampleNames.stream().noneMatch(s -> p.matcher(s).matches())) {
        missing.add("__name__=~\"" + r + "\"");
      }
    }
    return missing;
  }

  /** Sample names without their labels. */
  public static Set<String> sampleNames(Collection<String> samples) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : samples) {
      int open = s.indexOf('{');
      out.add(open < 0 ? s : s.substring(0, open));
    }
    return out;
  }
}
