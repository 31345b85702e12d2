package io.quorumfs.meta;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Builds a {@link ReplicaStore.Digest} from (key, version, value) triples in key order. */
final class DigestBuilder {
  private final MessageDigest sha;
  private final ByteBuffer header = ByteBuffer.allocate(16);
  private long keys;

  DigestBuilder() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void add(byte[] key, long version, byte[] value) {
    header.clear();
    header.putInt(key.length).putLong(version).putInt(value.length);
    sha.update(header.array());
    sha.update(key);
    sha.update(value);
    keys++;
  }

  ReplicaStore.Digest build() {
    return new ReplicaStore.Digest(keys, HexFormat.of().formatHex(sha.digest()));
  }
}
