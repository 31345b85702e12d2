package io.quorumfs.blob;

/**
 * The bytes a store holds under an id do not hash to that id (or the stored record is damaged).
 * The data is never returned; {@link #id()} names the blob.
 */
public class BlobCorruptException extends BlobException {
  private static final long serialVersionUID = 1L;

  private final transient BlobId id;

  public BlobCorruptException(BlobId id, String detail) {
    super("blob " + id + " is corrupt: " + detail);
    this.id = id;
  }

  public BlobId id() {
    return id;
  }
}
