package io.quorumfs.cli.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict line-by-line checker of the Prometheus text exposition format 0.0.4, written from the
 * format description: comments (HELP/TYPE), samples {@code name{labels} value [timestamp]}, label
 * escaping, float syntax, TYPE before samples, families contiguous, summary sample names.
 */
public final class ExpositionValidator {

  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|summary|histogram|untyped)");
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
  private static final Pattern FLOAT = Pattern.compile(
      "[+-]?(Inf|NaN|[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?|\\.[0-9]+([eE][+-]?[0-9]+)?)");

  /** Parsed samples: full sample text before the value → value. */
  public final Map<String, Double> samples = new HashMap<>();
  public final Map<String, String> types = new HashMap<>();

  /** Returns the problems found (empty = valid). */
  public List<String> validate(String text) {
    List<String> problems = new ArrayList<>();
    if (!text.isEmpty() && !text.endsWith("\n")) {
      problems.add("text does not end with a newline");
    }
    Set<String> helped = new HashSet<>();
    Set<String> finished = new HashSet<>();
    String current = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int no = i + 1;
      if (line.isEmpty()) {
        if (i != lines.length - 1) {
          problems.add(no + ": empty line");
        }
        continue;
      }
      if (line.startsWith("#")) {
        Matcher h = HELP.matcher(line);
        Matcher t = TYPE.matcher(line);
        if (h.matches()) {
          if (!helped.add(h.group(1))) {
            problems.add(no + ": second HELP for " + h.group(1));
          }
          String help = h.group(2);
          for (int j = 0; j < help.length(); j++) {
            if (help.charAt(j) == '\\') {
              if (j + 1 >= help.length() || (help.charAt(j + 1) != '\\' && help.charAt(j + 1) != 'n')) {
                problems.add(no + ": bad escape in HELP");
              }
              j++;
            }
          }
        } else if (t.matches()) {
          String fam = t.group(1);
          if (types.containsKey(fam)) {
            problems.add(no + ": second TYPE for " + fam);
          }
          if (current != null && !current.equals(fam)) {
            finished.add(current);
          }
          if (finished.contains(fam) || samplesOf(fam)) {
            problems.add(no + ": TYPE for " + fam + " after its samples");
          }
          types.put(fam, t.group(2));
          current = fam;
        } else if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
          problems.add(no + ": malformed comment: " + line);
        }
        continue;
      }
      Matcher s = SAMPLE.matcher(line);
      if (!s.matches()) {
        problems.add(no + ": not a sample line: " + line);
        continue;
      }
      String name = s.group(1);
      if (s.group(3) != null && !s.group(3).isEmpty()) {
        for (String label : splitLabels(s.group(3))) {
          if (!LABEL.matcher(label).matches()) {
            problems.add(no + ": bad label '" + label + "'");
          }
        }
      }
      if (!FLOAT.matcher(s.group(4)).matches()) {
        problems.add(no + ": bad value '" + s.group(4) + "'");
        continue;
      }
      String fam = familyOf(name);
      if (fam == null) {
        problems.add(no + ": sample " + name + " has no TYPE before it");
      } else {
        if (!fam.equals(current)) {
          problems.add(no + ": sample " + name + " outside its family block " + fam);
        }
        String type = types.get(fam);
        if (type.equals("summary") && name.equals(fam)
            && (s.group(3) == null || splitLabels(s.group(3)).stream()
                .noneMatch(l -> l.startsWith("quantile=")))) {
          problems.add(no + ": summary sample without quantile label");
        }
        if (type.equals("counter") && s.group(4).startsWith("-")) {
          problems.add(no + ": negative counter");
        }
      }
      samples.put(name + (s.group(2) == null ? "" : s.group(2)),
          Double.parseDouble(s.group(4).replace("Inf", "Infinity")));
    }
    return problems;
  }

  private boolean samplesOf(String fam) {
    return samples.keySet().stream().anyMatch(k -> k.equals(fam) || k.startsWith(fam + "{"));
  }

  private String familyOf(String name) {
    if (types.containsKey(name)) {
      return name;
    }
    for (String suffix : new String[] {"_sum", "_count", "_bucket"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String t = types.get(base);
        if ("summary".equals(t) || "histogram".equals(t)) {
          return base;
        }
      }
    }
    return null;
  }

  private static List<String> splitLabels(String s) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inQuotes = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && inQuotes && i + 1 < s.length()) {
        cur.append(c).append(s.charAt(++i));
        continue;
      }
      if (c == '"') {
        inQuotes = !inQuotes;
      }
      if (c == ',' && !inQuotes) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }
}
