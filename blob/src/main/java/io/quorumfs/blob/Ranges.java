package io.quorumfs.blob;

import java.util.Arrays;

/** Range arithmetic shared by the stores. */
final class Ranges {
  private Ranges() {}

  /** Checks a range request against a blob of {@code size} bytes; returns the clipped length. */
  static int clip(BlobId id, long size, long offset, int length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("range of blob " + id + " must have offset >= 0 and length >= 0, got offset "
          + offset + ", length " + length);
    }
    if (offset > size) {
      throw new IllegalArgumentException("offset " + offset + " is past the end of blob " + id + " (" + size + " bytes)");
    }
    return (int) Math.min(length, size - offset);
  }

  static byte[] slice(BlobId id, byte[] content, long offset, int length) {
    int n = clip(id, content.length, offset, length);
    if (offset == 0 && n == content.length) {
      return content;
    }
    return Arrays.copyOfRange(content, (int) offset, (int) offset + n);
  }
}
