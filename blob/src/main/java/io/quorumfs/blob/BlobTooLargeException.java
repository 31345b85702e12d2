package io.quorumfs.blob;

/** A blob or a request exceeds a size limit of the store; the message names the size and the limit. */
public class BlobTooLargeException extends BlobException {
  private static final long serialVersionUID = 1L;

  public BlobTooLargeException(String message) {
    super(message);
  }
}
