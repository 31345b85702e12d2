package io.quorumfs.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Helpers for byte-array keys: unsigned order, prefix bounds, longs, display. */
public final class Bytes {

  /** Unsigned lexicographic order, the order of every {@link KvStore} scan. */
  public static final Comparator<byte[]> ORDER = Bytes::compare;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Bytes() {}

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** The smallest key greater than every key starting with {@code prefix}; null if none (all 0xFF). */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return null;
  }

  public static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** Big-endian 8 bytes: the encoding of counters ({@link Op.Add}) and maxima ({@link Op.Max}). */
  public static byte[] ofLong(long v) {
    byte[] b = new byte[8];
    for (int i = 7; i >= 0; i--) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  /** Decodes {@link #ofLong}; null or empty reads as 0. */
  public static long toLong(byte[] b) {
    if (b == null || b.length == 0) {
      return 0;
    }
    if (b.length != 8) {
      throw new IllegalArgumentException("not an 8-byte counter: " + b.length + " bytes");
    }
    long v = 0;
    for (byte x : b) {
      v = (v << 8) | (x & 0xFF);
    }
    return v;
  }

  public static String hex(byte[] b) {
    char[] c = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      c[2 * i] = HEX[(b[i] >> 4) & 0xF];
      c[2 * i + 1] = HEX[b[i] & 0xF];
    }
    return new String(c);
  }

  /** For logs and messages: printable ASCII as is, other bytes as \xNN, cut at 64 bytes. */
  public static String show(byte[] b) {
    if (b == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(b.length, 64);
    for (int i = 0; i < n; i++) {
      int x = b[i] & 0xFF;
      if (x >= 0x20 && x < 0x7F && x != '\\' && x != '\'') {
        sb.append((char) x);
      } else {
        sb.append("\\x").append(HEX[x >> 4]).append(HEX[x & 0xF]);
      }
    }
    if (b.length > n) {
      sb.append("...(").append(b.length).append(" bytes)");
    }
    return sb.append('\'').toString();
  }
}
