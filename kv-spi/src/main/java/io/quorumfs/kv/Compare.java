package io.quorumfs.kv;

/**
 * A precondition of a {@link Txn}: {@code key} has exactly {@code version}
 * ({@code version == 0}: the key is absent).
 */
public record Compare(byte[] key, long version) {

  public Compare {
    Txn.checkKey(key);
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, got " + version);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Compare c && version == c.version && java.util.Arrays.equals(key, c.key);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(key) + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "Compare[" + Bytes.show(key) + (version == 0 ? " absent" : " v" + version) + "]";
  }
}
