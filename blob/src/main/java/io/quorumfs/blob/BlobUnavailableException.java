package io.quorumfs.blob;

/**
 * The store (a remote server, a backing KvStore) could not be reached in time. Transient: the same
 * call may succeed later. Every {@link BlobStore} operation is idempotent, so a retry is safe.
 */
public class BlobUnavailableException extends BlobException {
  private static final long serialVersionUID = 1L;

  public BlobUnavailableException(String message) {
    super(message);
  }

  public BlobUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
