package io.quorumfs.kv;

/** Base of every error a {@link KvStore} raises for reasons other than bad arguments. */
public class KvException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KvException(String message) {
    super(message);
  }

  public KvException(String message, Throwable cause) {
    super(message, cause);
  }
}
