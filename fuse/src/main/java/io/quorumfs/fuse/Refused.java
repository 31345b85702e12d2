package io.quorumfs.fuse;

/**
 * A refusal decided by the FUSE layer itself (mostly the mount table: EXDEV, EBUSY, EROFS), with
 * the errno to answer. Expected, so not logged.
 */
final class Refused extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int errno;

  Refused(int errno, String message) {
    super(message, null, false, false);
    this.errno = errno;
  }

  int errno() {
    return errno;
  }
}
