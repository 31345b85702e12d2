package io.quorumfs.blob;

/** The store has no blob with this id. */
public class BlobNotFoundException extends BlobException {
  private static final long serialVersionUID = 1L;

  private final transient BlobId id;

  public BlobNotFoundException(BlobId id, String where) {
    super("blob " + id + " not found in " + where);
    this.id = id;
  }

  public BlobId id() {
    return id;
  }
}
