package io.quorumfs.kv;

import java.util.Objects;

/**
 * A half-open key range {@code [start, end)}; a null {@code end} means unbounded above.
 */
public record KeyRange(byte[] start, byte[] end) {

  public KeyRange {
    Objects.requireNonNull(start, "start");
    if (end != null && Bytes.compare(start, end) > 0) {
      throw new IllegalArgumentException("range start " + Bytes.show(start) + " is after end " + Bytes.show(end));
    }
  }

  /** Every key starting with {@code prefix}. */
  public static KeyRange prefix(byte[] prefix) {
    return new KeyRange(prefix, Bytes.prefixEnd(prefix));
  }

  /** Every key. */
  public static KeyRange all() {
    return new KeyRange(new byte[0], null);
  }

  public boolean contains(byte[] key) {
    return Bytes.compare(key, start) >= 0 && (end == null || Bytes.compare(key, end) < 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyRange r && java.util.Arrays.equals(start, r.start) && java.util.Arrays.equals(end, r.end);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(start) + java.util.Arrays.hashCode(end);
  }

  @Override
  public String toString() {
    return "[" + Bytes.show(start) + ", " + (end == null ? "∞" : Bytes.show(end)) + ")";
  }
}
