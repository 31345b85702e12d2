package io.quorumfs.cli.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The effective configuration: defaults, then the YAML file, then {@code QUORUMFS_*} environment
 * variables, then command-line options (later wins). Every value is checked against its
 * {@link ConfigKey} when it is set, so a bad value fails before anything starts. Immutable.
 */
public final class Config {

  /** Environment variables read by bin/quorumfs or this class, not configuration keys. */
  static final List<String> RESERVED_ENV =
      List.of("QUORUMFS_CONFIG", "QUORUMFS_JAVA_OPTS", "QUORUMFS_HOME", "QUORUMFS_NO_BUILD",
          "QUORUMFS_HEAP", "QUORUMFS_DUMP_DIR", "QUORUMFS_DEBUG", "QUORUMFS_BLOB_TOKEN",
          "QUORUMFS_TLS_PASSWORD");

  private final Map<String, String> values;
  private final Map<String, String> sources;

  private Config(Map<String, String> values, Map<String, String> sources) {
    this.values = Map.copyOf(values);
    this.sources = Map.copyOf(sources);
  }

  /** Defaults only. */
  public static Config defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The value of {@code key}, normalised; {@code ""} when unset. */
  public String get(ConfigKey key) {
    String v = values.get(key.name());
    if (v != null) {
      return v;
    }
    return key.defaultValue().isEmpty() ? "" : key.type().check(key.defaultValue());
  }

  /** The value, or empty when unset. */
  public Optional<String> find(ConfigKey key) {
    String v = get(key);
    return v.isEmpty() ? Optional.empty() : Optional.of(v);
  }

  public boolean bool(ConfigKey key) {
    return Boolean.parseBoolean(get(key));
  }

  /** Integer and size keys. */
  public long number(ConfigKey key) {
    return Long.parseLong(get(key));
  }

  /** A path value with a leading {@code ~} expanded to the user's home. */
  public Path path(ConfigKey key) {
    return expand(get(key));
  }

  /** Where the effective value came from: default, a file, an environment variable or an option. */
  public String source(ConfigKey key) {
    return sources.getOrDefault(key.name(), "default");
  }

  static Path expand(String p) {
    if (p.equals("~") || p.startsWith("~/")) {
      return Path.of(System.getProperty("user.home") + p.substring(1));
    }
    return Path.of(p);
  }

  /** Builds a {@link Config}; each {@code with...} call validates what it adds. */
  public static final class Builder {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();

    private Builder() {}

    /** Reads a YAML file of nested mappings; every leaf is a key such as {@code mount.cache-size}. */
    public Builder file(Path file) {
      String where = "config file " + file;
      Object root;
      try (Reader r = Files.newBufferedReader(file)) {
        root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
      } catch (NoSuchFileException e) {
        throw new ConfigException("config error: config file " + file + " does not exist");
      } catch (IOException e) {
        throw new ConfigException("config error: cannot read config file " + file + ": " + e, e);
      } catch (YAMLException e) {
        throw new ConfigException("config error in " + where + ": not valid YAML: "
            + e.getMessage().replace('\n', ' '), e);
      }
      if (root == null) {
        return this;
      }
      if (!(root instanceof Map)) {
        throw new ConfigException("config error in " + where
            + ": the file must be a mapping of keys (e.g. 'mount:' then '  cache-size: 2GiB'), got '"
            + root + "'");
      }
      Map<String, String> flat = new LinkedHashMap<>();
      flatten("", (Map<?, ?>) root, flat);
      flat.forEach((k, v) -> set(k, v, where));
      return this;
    }

    /** Applies every {@code QUORUMFS_*} variable; an unknown one is an error. */
    public Builder env(Map<String, String> env) {
      Map<String, ConfigKey> byEnv = new LinkedHashMap<>();
      ConfigKeys.all().values().forEach(k -> byEnv.put(k.envName(), k));
      env.entrySet().stream()
          .filter(e -> e.getKey().startsWith("QUORUMFS_") && !RESERVED_ENV.contains(e.getKey()))
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> {
            ConfigKey k = byEnv.get(e.getKey());
            String where = "environment variable " + e.getKey();
            if (k == null) {
              throw new ConfigException("config error in " + where + ": unknown variable (value '"
                  + e.getValue() + "')" + suggestion(e.getKey(), byEnv.keySet())
                  + "; known variables: " + String.join(", ", byEnv.keySet()));
            }
            set(k.name(), e.getValue(), where);
          });
      return this;
    }

    /** Applies a command-line option; {@code value == null} means the option was not given. */
    public Builder option(ConfigKey key, String value, String optionName) {
      if (value != null) {
        set(key.name(), value, "option " + optionName);
      }
      return this;
    }

    public Config build() {
      return new Config(values, sources);
    }

    private void set(String name, String value, String where) {
      ConfigKey key = ConfigKeys.all().get(name);
      if (key == null) {
        throw new ConfigException("config error in " + where + ": unknown key '" + name
            + "' (value '" + value + "')" + suggestion(name, ConfigKeys.all().keySet())
            + "; known keys: " + String.join(", ", ConfigKeys.all().keySet()));
      }
      String v = value == null ? "" : value;
      if (!v.isEmpty()) {
        try {
          v = key.type().check(v);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("config error in " + where + ": key '" + name
              + "' has bad value '" + value + "' (" + e.getMessage() + "); allowed: "
              + key.type().allowed());
        }
      }
      values.put(name, v);
      sources.put(name, where);
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String name = prefix + e.getKey();
        Object v = e.getValue();
        if (v instanceof Map) {
          flatten(name + ".", (Map<?, ?>) v, out);
        } else if (v instanceof List) {
          List<String> parts = new ArrayList<>();
          for (Object o : (List<?>) v) {
            parts.add(String.valueOf(o));
          }
          out.put(name, String.join(",", parts));
        } else {
          out.put(name, v == null ? "" : String.valueOf(v));
        }
      }
    }

    private static String suggestion(String wrong, Iterable<String> known) {
      String best = null;
      int bestDistance = Integer.MAX_VALUE;
      for (String k : known) {
        int d = distance(wrong, k);
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      return best != null && bestDistance <= Math.max(2, wrong.length() / 4)
          ? "; did you mean '" + best + "'" : "";
    }

    private static int distance(String a, String b) {
      int[] prev = new int[b.length() + 1];
      int[] cur = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        prev[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        cur[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
          cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
        }
        int[] t = prev;
        prev = cur;
        cur = t;
      }
      return prev[b.length()];
    }
  }
}
