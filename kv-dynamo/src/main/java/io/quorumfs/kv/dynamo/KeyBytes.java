package io.quorumfs.kv.dynamo;

import java.util.Arrays;

/** A byte[] key with value equality, for maps keyed by store keys. */
record KeyBytes(byte[] b) {

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyBytes k && Arrays.equals(b, k.b);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(b);
  }

  @Override
  public String toString() {
    return io.quorumfs.kv.Bytes.show(b);
  }
}
