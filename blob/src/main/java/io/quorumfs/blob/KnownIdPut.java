package io.quorumfs.blob;

/**
 * A store that can take a blob whose id the caller has already computed (and verified), saving the
 * second SHA-256 pass of {@link BlobStore#put}. The blob server uses it after hashing an upload.
 */
interface KnownIdPut {

  /**
   * Stores {@code content}, which the caller guarantees hashes to {@code id}.
   *
   * @return true if the blob was newly stored, false if it was present already
   */
  boolean putKnown(BlobId id, byte[] content);
}
