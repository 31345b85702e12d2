package io.quorumfs.kv;

/** A request exceeds a limit of the backend (value size, operations per txn); it names the limit. */
public class KvLimitException extends KvException {
  private static final long serialVersionUID = 1L;

  public KvLimitException(String message) {
    super(message);
  }
}
