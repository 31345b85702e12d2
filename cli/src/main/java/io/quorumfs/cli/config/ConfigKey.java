package io.quorumfs.cli.config;

import io.quorumfs.kv.UriQuery;
import java.util.List;
import java.util.Locale;

/**
 * One documented configuration key: its dotted name (the YAML path), the type its value must have,
 * its default (as written in docs/config.md; {@code ""} means unset) and a one-line description.
 *
 * @param name dotted YAML path, e.g. {@code mount.cache-size}
 * @param type what a value must look like
 * @param defaultValue the default as text, {@code ""} when the key is unset by default
 * @param description one line for docs/config.md and error messages
 */
public record ConfigKey(String name, ValueType type, String defaultValue, String description) {

  /** The environment variable that overrides this key: {@code QUORUMFS_MOUNT_CACHE_SIZE}. */
  public String envName() {
    return "QUORUMFS_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The kinds of value a key accepts; {@link #check} returns the normalised text or throws. */
  public sealed interface ValueType
      permits ValueType.Text, ValueType.Bool, ValueType.Int, ValueType.Size, ValueType.HostPort,
          ValueType.Choice, ValueType.Uri {

    /** Human text for "allowed values" in error messages and docs. */
    String allowed();

    /** Returns the normalised value, or throws IllegalArgumentException (message = reason). */
    String check(String value);

    /** Free text (paths, names, peer lists). */
    record Text(String allowed) implements ValueType {
      @Override
      public String check(String value) {
        return value;
      }
    }

    /** {@code true} / {@code false} (also yes/no/on/off). */
    record Bool() implements ValueType {
      @Override
      public String allowed() {
        return "true or false";
      }

      @Override
      public String check(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
          case "true": case "yes": case "on": return "true";
          case "false": case "no": case "off": return "false";
          default: throw new IllegalArgumentException("not a boolean");
        }
      }
    }

    /** An integer in [min, max]. */
    record Int(long min, long max) implements ValueType {
      @Override
      public String allowed() {
        return "an integer from " + min + " to " + max;
      }

      @Override
      public String check(String value) {
        long v;
        try {
          v = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not an integer");
        }
        if (v < min || v > max) {
          throw new IllegalArgumentException("out of range");
        }
        return Long.toString(v);
      }
    }

    /** A byte size: a count or a number with B, KiB, MiB, GiB, TiB (also K, M, G, T, KB, MB...). */
    record Size() implements ValueType {
      @Override
      public String allowed() {
        return "a size such as 4096, 512MiB or 2GiB";
      }

      @Override
      public String check(String value) {
        return Long.toString(Sizes.parse(value));
      }
    }

    /** {@code host:port} with a port 0..65535 (0 = any free port). */
    record HostPort() implements ValueType {
      @Override
      public String allowed() {
        return "host:port, e.g. 127.0.0.1:9100 or [::1]:9100 (port 0 picks a free port)";
      }

      @Override
      public String check(String value) {
        return io.quorumfs.kv.HostPort.parse(value).toString();
      }
    }

    /** One of a fixed set of words (case-insensitive, normalised to the listed spelling). */
    record Choice(List<String> values) implements ValueType {
      @Override
      public String allowed() {
        return "one of " + String.join(", ", values);
      }

      @Override
      public String check(String value) {
        for (String v : values) {
          if (v.equalsIgnoreCase(value.trim())) {
            return v;
          }
        }
        throw new IllegalArgumentException("not an allowed value");
      }
    }

    /** A store URI whose scheme is one of {@code schemes}. */
    record Uri(List<String> schemes) implements ValueType {
      @Override
      public String allowed() {
        return "a URI with scheme " + String.join(", ", schemes.stream().map(s -> s + ":").toList());
      }

      @Override
      public String check(String value) {
        int colon = value.indexOf(':');
        String scheme = colon > 0 ? value.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        if (!schemes.contains(scheme)) {
          throw new IllegalArgumentException(colon > 0 ? "unsupported scheme '" + scheme + "'"
              : "no scheme");
        }
        if (colon == value.length() - 1) {
          return value; // a bare scheme such as mem:
        }
        UriQuery.of(value); // percent-escapes, repeated parameters
        if (scheme.equals("raft")) {
          UriQuery.hosts(value); // several hosts in one authority: java.net.URI cannot parse that
          return value;
        }
        try {
          new java.net.URI(value);
        } catch (java.net.URISyntaxException e) {
          throw new IllegalArgumentException("malformed URI: " + e.getReason()
              + " (in a URI, write a space as %20 and a % as %25)");
        }
        return value;
      }
    }
  }
}
