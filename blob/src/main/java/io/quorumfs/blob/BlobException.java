package io.quorumfs.blob;

/** Base of every error a {@link BlobStore} raises for reasons other than bad arguments. */
public class BlobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BlobException(String message) {
    super(message);
  }

  public BlobException(String message, Throwable cause) {
    super(message, cause);
  }
}
