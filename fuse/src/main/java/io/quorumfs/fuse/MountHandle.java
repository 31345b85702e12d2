package io.quorumfs.fuse;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A live FUSE mount. {@link #close()} flushes every open file and unmounts; it is idempotent and
 * also runs from a JVM shutdown hook (SIGTERM, SIGINT), so the mount never outlives the process
 * silently. Thread-safe.
 */
public interface MountHandle extends AutoCloseable {
  /** The directory the file system is mounted on. */
  Path mountPoint();

  /** True until the file system is unmounted (by {@link #close()}, fusermount -u or umount). */
  boolean isMounted();

  /** Blocks until the mount ends, however it ends (close, external unmount, shutdown). */
  void awaitUnmount() throws InterruptedException;

  /** Like {@link #awaitUnmount()} with a bound; true if the mount ended within {@code timeout}. */
  boolean awaitUnmount(Duration timeout) throws InterruptedException;

  /**
   * Flushes open files, unmounts ({@code fusermount -u}; lazily with {@code -z} if the mount stays
   * busy) and waits for the FUSE loop to end. Does not close the file systems behind the mount.
   *
   * @throws FuseMountException if the mount could not be removed
   */
  @Override
  void close();
}
