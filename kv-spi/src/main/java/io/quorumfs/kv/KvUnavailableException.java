package io.quorumfs.kv;

/**
 * The backing server could not be reached, or did not answer in time. Transient: the same call may
 * succeed later. For a commit, the outcome is unknown unless the store declares
 * {@link Capability#IDEMPOTENT_COMMIT}.
 */
public class KvUnavailableException extends KvException {
  private static final long serialVersionUID = 1L;

  public KvUnavailableException(String message) {
    super(message);
  }

  public KvUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
