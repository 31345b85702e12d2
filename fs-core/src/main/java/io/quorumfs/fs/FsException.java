package io.quorumfs.fs;

/**
 * The one exception type fs-core raises for a failed file-system operation. {@link #errno()} is the
 * value Linux would return; the message names the inode, name or limit involved. Other runtime
 * exceptions escaping fs-core are bugs or backend failures and map to {@link Errno#EIO}.
 */
public class FsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Errno errno;

  public FsException(Errno errno, String message) {
    super(errno + ": " + message);
    this.errno = errno;
  }

  public FsException(Errno errno, String message, Throwable cause) {
    super(errno + ": " + message, cause);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }
}
