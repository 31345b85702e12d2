package io.quorumfs.fs;

import io.quorumfs.kv.Bytes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A byte-array key usable in hash maps (hash computed once). The hash mixes 8 bytes at a time
 * (multiply-xorshift, FNV-1a for the tail, murmur's final mix): {@code Arrays.hashCode}'s multiplier 31 made keys that differ only in their
 * inode-number bytes collide often enough to turn hash bins into trees.
 */
final class Key {
  final byte[] bytes;
  private final int hash;

  Key(byte[] bytes) {
    this.bytes = bytes;
    this.hash = hash(bytes);
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static int hash(byte[] b) {
    long h = 0xcbf29ce484222325L ^ b.length;
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      h = (h ^ (long) LONGS.get(b, i)) * 0x9E3779B97F4A7C15L;
      h ^= h >>> 29;
    }
    for (; i < b.length; i++) {
      h = (h ^ (b[i] & 0xFF)) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h;
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
