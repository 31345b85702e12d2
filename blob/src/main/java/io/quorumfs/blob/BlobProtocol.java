package io.quorumfs.blob;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The wire format between {@link BlobServer} and the {@code http://} client. Version 1:
 * <pre>
 *   PUT    /v1/blobs/{id}               body: content        201 stored, 200 already present
 *   GET    /v1/blobs/{id}               200 content; with "Range: bytes=a-b" 206 (Content-Range)
 *   HEAD   /v1/blobs/{id}               200, headers X-Blob-Size and X-Blob-Stamp (epoch ms)
 *   DELETE /v1/blobs/{id}               204
 *   POST   /v1/missing                  body: ids (32 bytes each) -> 200 body: the missing ids
 *   POST   /v1/delete?before={ms}       body: ids -> 200 body: number deleted (decimal)
 *   GET    /v1/list?after={id}&limit=n  200 body: 48-byte records id(32) size(8) stamp ms(8);
 *                                       header X-More: true|false
 * </pre>
 * Errors carry a text/plain message; the status says what kind: 400 bad input (malformed id,
 * hash mismatch or truncated upload), 401 missing or wrong bearer token, 404 absent blob, 413 over
 * the size bound, 416 range past the end (X-Blob-Size tells the size), 500 with
 * {@code X-Blob-Error: corrupt} for stored bytes that fail verification, 503 store unavailable.
 */
final class BlobProtocol {
  static final String PREFIX = "/v1/";
  static final String BLOBS = "/v1/blobs/";
  static final String MISSING = "/v1/missing";
  static final String DELETE = "/v1/delete";
  static final String LIST = "/v1/list";
  static final String SIZE_HEADER = "X-Blob-Size";
  static final String STAMP_HEADER = "X-Blob-Stamp";
  static final String ERROR_HEADER = "X-Blob-Error";
  static final String MORE_HEADER = "X-More";
  static final int RECORD_BYTES = BlobId.BYTES + 16;

  private BlobProtocol() {}

  static byte[] encodeIds(Collection<BlobId> ids) {
    byte[] b = new byte[ids.size() * BlobId.BYTES];
    int at = 0;
    for (BlobId id : ids) {
      id.writeTo(b, at);
      at += BlobId.BYTES;
    }
    return b;
  }

  static List<BlobId> decodeIds(byte[] b) {
    if (b.length % BlobId.BYTES != 0) {
      throw new IllegalArgumentException("id list of " + b.length + " bytes is not a multiple of " + BlobId.BYTES);
    }
    List<BlobId> out = new ArrayList<>(b.length / BlobId.BYTES);
    for (int at = 0; at < b.length; at += BlobId.BYTES) {
      out.add(new BlobId(Arrays.copyOfRange(b, at, at + BlobId.BYTES)));
    }
    return out;
  }

  static byte[] encodeInfos(List<BlobInfo> infos) {
    byte[] b = new byte[infos.size() * RECORD_BYTES];
    int at = 0;
    for (BlobInfo i : infos) {
      i.id().writeTo(b, at);
      putLong(b, at + BlobId.BYTES, i.size());
      putLong(b, at + BlobId.BYTES + 8, i.stamp().toEpochMilli());
      at += RECORD_BYTES;
    }
    return b;
  }

  static List<BlobInfo> decodeInfos(byte[] b) {
    if (b.length % RECORD_BYTES != 0) {
      throw new BlobException("blob list of " + b.length + " bytes is not a multiple of " + RECORD_BYTES);
    }
    List<BlobInfo> out = new ArrayList<>(b.length / RECORD_BYTES);
    for (int at = 0; at < b.length; at += RECORD_BYTES) {
      BlobId id = new BlobId(Arrays.copyOfRange(b, at, at + BlobId.BYTES));
      out.add(new BlobInfo(id, getLong(b, at + BlobId.BYTES), Instant.ofEpochMilli(getLong(b, at + BlobId.BYTES + 8))));
    }
    return out;
  }

  private static void putLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (b[at + i] & 0xFF);
    }
    return v;
  }
}
