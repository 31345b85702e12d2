package io.quorumfs.blob;

import io.quorumfs.kv.Bytes;
import java.util.Arrays;

/** The keys and the info record of a {@link KvBlobStore}; see its Javadoc for the layout. */
final class KvBlobLayout {

  static final byte FORMAT = 1;
  static final int INFO_BYTES = 25;

  final byte[] infoPrefix;
  final byte[] partPrefix;
  final byte[] tokenPrefix;

  KvBlobLayout(byte[] prefix) {
    this.infoPrefix = Bytes.concat(prefix, new byte[] {'i'});
    this.partPrefix = Bytes.concat(prefix, new byte[] {'p'});
    this.tokenPrefix = Bytes.concat(prefix, new byte[] {'t'});
  }

  /** A decoded info record. */
  record Info(long size, long stampMillis, int parts, int partSize) {}

  static byte[] encodeInfo(long size, long stampMillis, int parts, int partSize) {
    byte[] b = new byte[INFO_BYTES];
    b[0] = FORMAT;
    System.arraycopy(Bytes.ofLong(size), 0, b, 1, 8);
    System.arraycopy(Bytes.ofLong(stampMillis), 0, b, 9, 8);
    putInt(b, 17, parts);
    putInt(b, 21, partSize);
    return b;
  }

  /** Decodes an info record, or throws {@link BlobCorruptException} naming the blob and the store. */
  static Info decodeInfo(BlobId id, byte[] b, String store) {
    if (b == null || b.length != INFO_BYTES || b[0] != FORMAT) {
      throw new BlobCorruptException(id, "info record in " + store + " is malformed ("
          + (b == null ? "null" : b.length + " bytes, format " + (b.length > 0 ? b[0] : -1)) + ")");
    }
    long size = Bytes.toLong(Arrays.copyOfRange(b, 1, 9));
    long stamp = Bytes.toLong(Arrays.copyOfRange(b, 9, 17));
    int parts = getInt(b, 17);
    int ps = getInt(b, 21);
    if (size < 0 || ps <= 0 || parts != (size == 0 ? 1 : (int) ((size + ps - 1) / ps))) {
      throw new BlobCorruptException(id, "info record in " + store + " is inconsistent: size " + size
          + ", parts " + parts + ", part size " + ps);
    }
    return new Info(size, stamp, parts, ps);
  }

  byte[] infoKey(BlobId id) {
    byte[] k = Arrays.copyOf(infoPrefix, infoPrefix.length + BlobId.BYTES);
    id.writeTo(k, infoPrefix.length);
    return k;
  }

  byte[] tokenKey(BlobId id) {
    byte[] k = Arrays.copyOf(tokenPrefix, tokenPrefix.length + BlobId.BYTES);
    id.writeTo(k, tokenPrefix.length);
    return k;
  }

  byte[] partKey(BlobId id, int index) {
    byte[] k = Arrays.copyOf(partPrefix, partPrefix.length + BlobId.BYTES + 4);
    id.writeTo(k, partPrefix.length);
    putInt(k, partPrefix.length + BlobId.BYTES, index);
    return k;
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
  }
}
