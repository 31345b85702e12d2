package io.quorumfs.kv;

import java.util.Arrays;

/**
 * A key with its value and version. {@code version == 0} means absent; then {@code value} is null.
 */
public record Versioned(byte[] key, byte[] value, long version) {

  public static Versioned absent(byte[] key) {
    return new Versioned(key, null, 0);
  }

  public boolean exists() {
    return version != 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Versioned v
        && version == v.version
        && Arrays.equals(key, v.key)
        && Arrays.equals(value, v.value);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(key) + Arrays.hashCode(value)) + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "Versioned[" + Bytes.show(key) + " v" + version
        + (value == null ? " absent" : " " + value.length + "B") + "]";
  }
}
