package io.quorumfs.fs;

/** The Linux errno values fs-core raises, with their numbers (asm-generic/errno-base.h). */
public enum Errno {
  EPERM(1),
  ENOENT(2),
  EINTR(4),
  EIO(5),
  E2BIG(7),
  EBADF(9),
  EAGAIN(11),
  EACCES(13),
  EEXIST(17),
  EXDEV(18),
  ENOTDIR(20),
  EISDIR(21),
  EINVAL(22),
  EFBIG(27),
  ENOSPC(28),
  EROFS(30),
  ERANGE(34),
  EDEADLK(35),
  ENAMETOOLONG(36),
  ENOLCK(37),
  ENOSYS(38),
  ENOTEMPTY(39),
  ELOOP(40),
  ENODATA(61),
  EOPNOTSUPP(95),
  ETIMEDOUT(110);

  private final int code;

  Errno(int code) {
    this.code = code;
  }

  /** The positive Linux errno number (a FUSE callback returns its negation). */
  public int code() {
    return code;
  }
}
