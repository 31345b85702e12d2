package io.quorumfs.fs;

import io.quorumfs.blob.BlobId;
import java.util.Arrays;

/**
 * One entry of a file's chunk map (key {@code C ino index}): the blob holding the chunk and how
 * many of its bytes are valid. Bytes past {@code length} (up to the chunk size) read as zeros, so
 * a truncate only lowers {@code length} and never rewrites data.
 */
record ChunkRef(BlobId id, int length) {

  byte[] encode() {
    byte[] v = Arrays.copyOf(id.hash(), BlobId.BYTES + 4);
    v[32] = (byte) (length >>> 24);
    v[33] = (byte) (length >>> 16);
    v[34] = (byte) (length >>> 8);
    v[35] = (byte) length;
    return v;
  }

  static ChunkRef decode(byte[] v) {
    if (v == null || v.length != BlobId.BYTES + 4) {
      throw new FsException(Errno.EIO, "malformed chunk map entry of "
          + (v == null ? "null" : v.length + " bytes"));
    }
    int len = ((v[32] & 0xFF) << 24) | ((v[33] & 0xFF) << 16) | ((v[34] & 0xFF) << 8) | (v[35] & 0xFF);
    return new ChunkRef(new BlobId(Arrays.copyOf(v, BlobId.BYTES)), len);
  }
}
