package io.quorumfs.kv;

/**
 * One key changed by a commit, as seen by {@link KvStore#watch}. For a delete, {@code version} is 0
 * and {@code value} null. When the value is larger than {@link KvStore#maxWatchValueBytes()},
 * {@code valueOmitted} is true and {@code value} is null: read the key to get it.
 */
public record Change(byte[] key, byte[] value, long version, boolean valueOmitted) {

  public boolean deleted() {
    return version == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Change c && version == c.version && valueOmitted == c.valueOmitted
        && java.util.Arrays.equals(key, c.key) && java.util.Arrays.equals(value, c.value);
  }

  @Override
  public int hashCode() {
    return 31 * java.util.Arrays.hashCode(key) + Long.hashCode(version);
  }

  @Override
  public String toString() {
    return "Change[" + Bytes.show(key) + (deleted() ? " deleted" : " v" + version) + "]";
  }
}
