package io.quorumfs.fuse;

import io.quorumfs.fs.FsException;
import io.quorumfs.kv.KvUnavailableException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single table from Java exceptions to Linux errno values at the FUSE boundary (DESIGN.md §7,
 * STYLE.md 6). fs-core's {@link FsException} carries its errno; everything else is classified
 * here, and anything not understood becomes EIO with its stack logged.
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  static final int EIO = Errno.EIO.intValue();
  static final int ENOENT = Errno.ENOENT.intValue();
  static final int EINTR = Errno.EINTR.intValue();
  static final int ETIMEDOUT = Errno.ETIMEDOUT.intValue();
  static final int ENOSPC = Errno.ENOSPC.intValue();
  static final int EDQUOT = Errno.EDQUOT.intValue();
  static final int ENOMEM = Errno.ENOMEM.intValue();
  static final int EINVAL = Errno.EINVAL.intValue();
  static final int EOPNOTSUPP = Errno.EOPNOTSUPP.intValue();
  static final int EROFS = Errno.EROFS.intValue();
  static final int EXDEV = Errno.EXDEV.intValue();
  static final int EBADF = Errno.EBADF.intValue();
  static final int ERANGE = Errno.ERANGE.intValue();
  static final int ENAMETOOLONG = Errno.ENAMETOOLONG.intValue();
  static final int ENOTDIR = Errno.ENOTDIR.intValue();
  static final int EISDIR = Errno.EISDIR.intValue();
  static final int EPERM = Errno.EPERM.intValue();
  static final int EACCES = Errno.EACCES.intValue();
  static final int EEXIST = Errno.EEXIST.intValue();
  static final int ENOTEMPTY = Errno.ENOTEMPTY.intValue();
  static final int EAGAIN = Errno.EAGAIN.intValue();
  static final int ENODATA = Errno.ENODATA.intValue();
  static final int EBUSY = Errno.EBUSY.intValue();

  /**
   * How a full disk or quota reads in the JDK's IOExceptions, which carry no errno: strerror's
   * text in this process's locale (what the JDK puts in the message), and the English one.
   */
  private static final List<String> NO_SPACE = texts(ENOSPC, "No space left on device");
  private static final List<String> NO_QUOTA = texts(EDQUOT, "Disk quota exceeded");

  /** The C library's strerror. */
  public interface LibC {
    String strerror(int errnum);
  }

  private Errors() {}

  /** {@code english} and, if it differs, what strerror says for {@code errno} in this process's locale. */
  static List<String> texts(int errno, String english) {
    String local = strerror(errno);
    return local == null || local.isBlank() || local.equals(english)
        ? List.of(english) : List.of(english, local);
  }

  /** strerror({@code errno}) in this process's locale, or null if the C library cannot be called. */
  static String strerror(int errno) {
    try {
      return LibraryLoader.create(LibC.class).load("c").strerror(errno);
    } catch (RuntimeException | LinkageError e) {
      log.debug("strerror({}) unavailable; matching the English text only", errno, e);
      return null;
    }
  }

  /** Whether {@code message} contains one of {@code texts}. */
  static boolean says(String message, List<String> texts) {
    for (String t : texts) {
      if (message.contains(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The positive errno for {@code failure} thrown by FUSE operation {@code op} on {@code path}.
   * {@code timedOut}: the guard's watchdog interrupted the call.
   */
  static int errno(String op, String path, Throwable failure, boolean timedOut) {
    Throwable t = unwrap(failure);
    if (t instanceof Refused) {
      log.debug("FUSE {} {}: {}", op, path, t.getMessage());
      return ((Refused) t).errno();
    }
    String diskMessage = String.valueOf(t.getMessage());
    if (says(diskMessage, NO_SPACE)) {
      log.warn("FUSE {} {}: local disk full: {}", op, path, diskMessage);
      return ENOSPC;
    }
    if (says(diskMessage, NO_QUOTA)) {
      return EDQUOT;
    }
    if (t instanceof FsException) {
      int errno = ((FsException) t).errno().code();
      if (errno == EIO) {
        log.warn("FUSE {} {}: {}", op, path, t.toString(), t);
      } else if (log.isDebugEnabled()) {
        log.debug("FUSE {} {}: {}", op, path, t.getMessage());
      }
      return errno;
    }
    if (timedOut || t instanceof TimeoutException) {
      log.warn("FUSE {} {} timed out: {}", op, path, t.toString());
      return ETIMEDOUT;
    }
    if (t instanceof InterruptedException || t instanceof ClosedByInterruptException
        || t instanceof InterruptedIOException || t instanceof CancellationException) {
      return EINTR;
    }
    if (t instanceof KvUnavailableException) {
      log.warn("FUSE {} {}: metadata store unavailable: {}", op, path, t.getMessage());
      return EIO;
    }
    String message = String.valueOf(t.getMessage());
    if (t instanceof OutOfMemoryError) {
      log.error("FUSE {} {}: out of memory", op, path, t);
      return ENOMEM;
    }
    if (t instanceof UnsupportedOperationException) {
      log.debug("FUSE {} {} not supported: {}", op, path, message);
      return EOPNOTSUPP;
    }
    log.error("FUSE {} {} failed with an unexpected exception; answering EIO", op, path, t);
    return EIO;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
      cur = cur.getCause();
    }
    // A full local disk is ENOSPC to the user even when a layer wrapped it as EIO: look for it
    // down the whole chain first, then for the innermost-but-first FsException.
    int depth = 0;
    for (Throwable c = cur; c != null && depth < 20; c = c.getCause(), depth++) {
      String m = String.valueOf(c.getMessage());
      if (says(m, NO_SPACE) || says(m, NO_QUOTA)) {
        return c;
      }
    }
    depth = 0;
    for (Throwable c = cur; c != null && depth < 20; c = c.getCause(), depth++) {
      if (c instanceof FsException) {
        return c;
      }
    }
    return cur;
  }
}
