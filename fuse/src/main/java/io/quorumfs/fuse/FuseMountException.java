package io.quorumfs.fuse;

/**
 * A mount could not be made or undone: FUSE is missing on this host, the mount point is unusable,
 * or libfuse/fusermount failed. The message says what to do about it.
 */
public final class FuseMountException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FuseMountException(String message) {
    super(message);
  }

  public FuseMountException(String message, Throwable cause) {
    super(message, cause);
  }
}
