package io.quorumfs.fs;

import io.quorumfs.kv.Bytes;
import java.util.Arrays;

/** A byte-array key usable in hash maps (hash computed once). */
final class Key {
  final byte[] bytes;
  private final int hash;

  Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key && hash == ((Key) o).hash && Arrays.equals(bytes, ((Key) o).bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Bytes.show(bytes);
  }
}
