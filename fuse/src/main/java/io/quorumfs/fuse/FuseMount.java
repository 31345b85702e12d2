package io.quorumfs.fuse;

import io.quorumfs.fs.FileSystem;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts quorumfs file systems with FUSE (libfuse 2 through jnr-fuse). The entry point for the
 * CLI:
 *
 * <pre>{@code
 * try (MountHandle m = FuseMount.mount(fs, Path.of("/mnt/q"), MountOptions.defaults())) {
 *   m.awaitUnmount();   // until fusermount -u, SIGTERM/SIGINT, or m.close() from elsewhere
 * }
 * }</pre>
 *
 * <p>The caller opens and owns the {@link FileSystem}s: close them after the mount has ended.
 * Several mounts may run in one JVM. Thread-safe.
 */
public final class FuseMount {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);

  private FuseMount() {}

  /** Mounts the whole of {@code fs} on {@code mountPoint}. */
  public static MountHandle mount(FileSystem fs, Path mountPoint, MountOptions options) {
    return mount(MountTable.of(fs), mountPoint, options);
  }

  /**
   * Mounts what {@code table} describes on {@code mountPoint}, returning once the kernel serves it.
   *
   * @throws FuseMountException FUSE missing on this host (the message gives the apt line), the
   *     mount point missing, not empty (unless {@link MountOptions#allowNonEmpty()}) or already a
   *     mount point, or libfuse refusing the mount
   * @throws IllegalArgumentException a table entry's subdirectory is not a directory
   */
  public static MountHandle mount(MountTable table, Path mountPoint, MountOptions options) {
    return mount(table, mountPoint, options, null);
  }

  /**
   * As {@link #mount(MountTable, Path, MountOptions)}, recording each FUSE operation's latency and
   * failures in {@code metrics} (timers {@code fuse.op.<op>}, counters {@code fuse.op.<op>.nanos} and
   * {@code fuse.op.<op>.errors}).
   */
  public static MountHandle mount(MountTable table, Path mountPoint, MountOptions options,
      com.codahale.metrics.MetricRegistry metrics) {
    if (!Charset.defaultCharset().equals(StandardCharsets.UTF_8)) {
      log.warn("The JVM's default charset is {}, not UTF-8: jnr-fuse decodes path names with it, so non-ASCII"
          + " names will be mangled. Run with -Dfile.encoding=UTF-8 (or a UTF-8 locale).", Charset.defaultCharset());
    }
    FuseEnvironment.check();
    Namespace ns = new Namespace(table, System.currentTimeMillis() * 1_000_000L);
    Guard guard = new Guard(options.opTimeout(), System::nanoTime, metrics);
    QuorumFuse fuse;
    try {
      fuse = new QuorumFuse(ns, guard, options.coherent());
    } catch (LinkageError | RuntimeException e) {
      guard.close();
      if (e instanceof FuseMountException) {
        throw (FuseMountException) e;
      }
      throw new FuseMountException("Cannot load libfuse.so.2 through jnr-fuse: " + e + ". Install with: "
          + FuseEnvironment.APT_LINE, e);
    }
    return FuseSession.start(fuse, mountPoint, options);
  }
}
