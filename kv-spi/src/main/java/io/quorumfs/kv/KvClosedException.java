package io.quorumfs.kv;

/** The store (or watch) was closed. */
public class KvClosedException extends KvException {
  private static final long serialVersionUID = 1L;

  public KvClosedException(String message) {
    super(message);
  }
}
