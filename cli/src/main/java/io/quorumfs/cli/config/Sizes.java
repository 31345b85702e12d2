package io.quorumfs.cli.config;

import java.util.Locale;

/** Parses and prints byte sizes (binary units: 1 KiB = 1024 B). */
public final class Sizes {

  private Sizes() {}

  /**
   * Parses {@code 4096}, {@code 512MiB}, {@code 2 GiB}, {@code 1g}, {@code 10KB}; every unit is
   * binary (K = KB = KiB = 1024).
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static long parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT).replace(" ", "");
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("not a size");
    }
    double number;
    try {
      number = Double.parseDouble(s.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a size");
    }
    long unit;
    switch (s.substring(i)) {
      case "": case "b": unit = 1L; break;
      case "k": case "kb": case "kib": unit = 1L << 10; break;
      case "m": case "mb": case "mib": unit = 1L << 20; break;
      case "g": case "gb": case "gib": unit = 1L << 30; break;
      case "t": case "tb": case "tib": unit = 1L << 40; break;
      default: throw new IllegalArgumentException("unknown unit '" + s.substring(i) + "'");
    }
    double bytes = number * unit;
    if (bytes > Long.MAX_VALUE) {
      throw new IllegalArgumentException("too large");
    }
    return (long) bytes;
  }

  /** Prints {@code bytes} with the largest binary unit that keeps it at or above 1: 1.5 GiB. */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
