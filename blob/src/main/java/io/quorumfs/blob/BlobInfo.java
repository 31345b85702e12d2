package io.quorumfs.blob;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows about one blob without reading it.
 *
 * @param size content length in bytes
 * @param stamp when the blob was last written or refreshed (see {@link BlobStore#put}); garbage
 *     collection keeps blobs whose stamp is inside its grace period
 */
public record BlobInfo(BlobId id, long size, Instant stamp) {
  public BlobInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(stamp, "stamp");
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, got " + size + " for blob " + id);
    }
  }
}
