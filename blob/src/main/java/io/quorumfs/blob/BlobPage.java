package io.quorumfs.blob;

import java.util.List;

/**
 * One page of {@link BlobStore#list}: blobs in ascending id order. {@code more} is true when blobs
 * may follow the last one; pass {@link #next()} as {@code after} to continue.
 */
public record BlobPage(List<BlobInfo> blobs, boolean more) {
  public BlobPage {
    blobs = List.copyOf(blobs);
  }

  /** The resume point: the last id of this page, or null if the page is empty. */
  public BlobId next() {
    return blobs.isEmpty() ? null : blobs.get(blobs.size() - 1).id();
  }
}
