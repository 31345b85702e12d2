package io.quorumfs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a quorumfs file system is mounted. Immutable; start from {@link #defaults()} and change what
 * you need with {@link #toBuilder()}.
 *
 * @param name shown as the mount source {@code quorumfs:<name>} in /proc/mounts and df
 * @param allowOther let users other than the mounting one use the mount (FUSE {@code allow_other})
 * @param defaultPermissions let the kernel check mode bits, owner and group on every access
 *     (FUSE {@code default_permissions}); without it any user who can reach the mount may do anything
 * @param attrTimeout how long the kernel may cache attributes; 0 by default because libfuse 2's
 *     high-level API cannot invalidate the kernel cache when another client changes a file
 * @param entryTimeout how long the kernel may cache name lookups (positive and negative); 0 by
 *     default for the same reason
 * @param coherent close-to-open coherence between mounts (default on): every path lookup, open,
 *     opendir and create first takes fs-core's read barrier, and the kernel keeps a file's pages
 *     across opens only while its attribute version is unchanged. Off: lookups answer from the
 *     client cache as the change feed left it, and libfuse's {@code auto_cache} decides about
 *     pages (mtime and size only); faster, but another mount's close may not be seen yet. The
 *     behaviour before coherence was the default is {@code coherent(false)} with {@code
 *     attrTimeout(}{@link #RELAXED_ATTR_TIMEOUT}{@code )}
 * @param allowNonEmpty mount over a directory that has files in it (they are hidden until unmount)
 * @param readOnly mount read-only
 * @param hardRemove unlink open files at once and serve them by handle only (FUSE {@code
 *     hard_remove}); off by default, because libfuse 2 then answers fstat() of an unlinked open file
 *     with ENOENT. When off, libfuse renames such files to {@code .fuse_hidden*} until the last close
 * @param singleThreaded serve one request at a time (FUSE {@code -s}); for debugging
 * @param debug log every FUSE request to stderr (FUSE {@code -d})
 * @param opTimeout the longest a file-system call may take before it is interrupted and fails with
 *     ETIMEDOUT, so a slow or lost backend never hangs the processes using the mount
 * @param extraOptions more {@code -o} options passed to libfuse as they are
 */
public record MountOptions(
    String name,
    boolean allowOther,
    boolean defaultPermissions,
    Duration attrTimeout,
    Duration entryTimeout,
    boolean coherent,
    boolean allowNonEmpty,
    boolean readOnly,
    boolean hardRemove,
    boolean singleThreaded,
    boolean debug,
    Duration opTimeout,
    List<String> extraOptions) {

  /** libfuse 2 caps max_write at 128 KiB; the kernel sends writes this large only with big_writes. */
  static final int MAX_WRITE = 131072;

  public MountOptions {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.contains(",") || name.contains(" ")) {
      throw new IllegalArgumentException("Mount name must be non-empty without ',' or ' ': '" + name + "'");
    }
    requireNonNegative(attrTimeout, "attrTimeout");
    requireNonNegative(entryTimeout, "entryTimeout");
    requireNonNegative(opTimeout, "opTimeout");
    if (opTimeout.isZero()) {
      throw new IllegalArgumentException("opTimeout must be positive");
    }
    extraOptions = List.copyOf(extraOptions);
  }

  /**
   * The attribute timeout of the old, less coherent setup (with {@code coherent(false)}): with
   * {@code default_permissions} and a timeout of 0 the kernel sends a GETATTR for every directory
   * of a path on top of its LOOKUP, so a stat at depth 3 costs 7-8 requests instead of 3; 20 ms
   * saves them but lets the kernel answer with attributes up to 20 ms old.
   */
  public static final Duration RELAXED_ATTR_TIMEOUT = Duration.ofMillis(20);

  /**
   * Coherent defaults: kernel attribute, entry and negative timeouts 0, read barriers before path
   * lookups (close-to-open between mounts), other users allowed, kernel permission checks on.
   */
  public static MountOptions defaults() {
    return new MountOptions("quorumfs", true, true, Duration.ZERO, Duration.ZERO, true, false, false, false, false,
        false, Duration.ofSeconds(60), List.of());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The argv given to libfuse's fuse_main: foreground (the JVM thread is the daemon), and the
   * {@code -o} options below, each for a reason.
   */
  List<String> toFuseArgs(Path mountPoint) {
    List<String> args = new ArrayList<>(List.of("quorumfs", "-f"));
    if (singleThreaded) {
      args.add("-s"); // otherwise libfuse's multi-threaded loop serves requests in parallel
    }
    if (debug) {
      args.add("-d");
    }
    args.add(mountPoint.toAbsolutePath().normalize().toString());
    List<String> o = new ArrayList<>();
    o.add("fsname=quorumfs:" + name); // the source column of /proc/mounts and df
    o.add("subtype=quorumfs"); // file system type fuse.quorumfs
    o.add("use_ino"); // st_ino is the quorumfs inode number: stable, equal on every mount and for hard links
    o.add("attr_timeout=" + seconds(attrTimeout)); // no kernel invalidation in libfuse 2: 0 = ask us every time
    o.add("entry_timeout=" + seconds(entryTimeout)); // same for name -> inode lookups
    o.add("negative_timeout=" + seconds(entryTimeout)); // and for "no such name", or files created elsewhere stay invisible
    if (!coherent) {
      o.add("auto_cache"); // keep a file's kernel pages across opens until its mtime or size changes
    } // coherent: open() sets keep_cache itself, only while the attribute version is unchanged
    o.add("big_writes"); // 128 KiB WRITE requests instead of 4 KiB ones (~3.5x write throughput)
    o.add("max_write=" + MAX_WRITE); // libfuse 2's ceiling
    o.add("max_read=" + MAX_WRITE); // reads arrive as 128 KiB readahead requests anyway; say so explicitly
    if (allowOther) {
      o.add("allow_other"); // other uids may use the mount (root, or user_allow_other in /etc/fuse.conf)
    }
    if (defaultPermissions) {
      o.add("default_permissions"); // the kernel enforces mode/uid/gid from our getattr, as on a local fs
    }
    if (allowNonEmpty) {
      o.add("nonempty");
    }
    if (readOnly) {
      o.add("ro");
    }
    if (hardRemove) {
      o.add("hard_remove");
    }
    o.addAll(extraOptions);
    args.add("-o");
    args.add(String.join(",", o));
    return args;
  }

  private static String seconds(Duration d) {
    if (d.isZero()) {
      return "0";
    }
    return Double.toString(d.toNanos() / 1e9);
  }

  private static void requireNonNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + d);
    }
  }

  /** Mutable builder for {@link MountOptions}. */
  public static final class Builder {
    private String name;
    private boolean allowOther;
    private boolean defaultPermissions;
    private Duration attrTimeout;
    private Duration entryTimeout;
    private boolean coherent;
    private boolean allowNonEmpty;
    private boolean readOnly;
    private boolean hardRemove;
    private boolean singleThreaded;
    private boolean debug;
    private Duration opTimeout;
    private List<String> extraOptions;

    private Builder(MountOptions o) {
      name = o.name;
      allowOther = o.allowOther;
      defaultPermissions = o.defaultPermissions;
      attrTimeout = o.attrTimeout;
      entryTimeout = o.entryTimeout;
      coherent = o.coherent;
      allowNonEmpty = o.allowNonEmpty;
      readOnly = o.readOnly;
      hardRemove = o.hardRemove;
      singleThreaded = o.singleThreaded;
      debug = o.debug;
      opTimeout = o.opTimeout;
      extraOptions = new ArrayList<>(o.extraOptions);
    }

    public Builder name(String v) {
      name = v;
      return this;
    }

    public Builder allowOther(boolean v) {
      allowOther = v;
      return this;
    }

    public Builder defaultPermissions(boolean v) {
      defaultPermissions = v;
      return this;
    }

    public Builder attrTimeout(Duration v) {
      attrTimeout = v;
      return this;
    }

    public Builder entryTimeout(Duration v) {
      entryTimeout = v;
      return this;
    }

    public Builder coherent(boolean v) {
      coherent = v;
      return this;
    }

    public Builder allowNonEmpty(boolean v) {
      allowNonEmpty = v;
      return this;
    }

    public Builder readOnly(boolean v) {
      readOnly = v;
      return this;
    }

    public Builder hardRemove(boolean v) {
      hardRemove = v;
      return this;
    }

    public Builder singleThreaded(boolean v) {
      singleThreaded = v;
      return this;
    }

    public Builder debug(boolean v) {
      debug = v;
      return this;
    }

    public Builder opTimeout(Duration v) {
      opTimeout = v;
      return this;
    }

    /** Adds one raw libfuse {@code -o} option, e.g. {@code "max_readahead=1048576"}. */
    public Builder extraOption(String v) {
      extraOptions.add(v);
      return this;
    }

    public MountOptions build() {
      return new MountOptions(name, allowOther, defaultPermissions, attrTimeout, entryTimeout, coherent, allowNonEmpty,
          readOnly, hardRemove, singleThreaded, debug, opTimeout, extraOptions);
    }
  }
}
