package io.quorumfs.fs;

import java.util.List;

/**
 * A POSIX file system over a {@code KvStore} (metadata) and a {@code BlobStore} (file data),
 * addressed by inode numbers, independent of FUSE. Obtain one with {@link FileSystems#open}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every metadata operation is atomic: one transaction on the metadata store, retried
 *       (bounded, jittered) when another client changed what it read. A failure leaves nothing
 *       half-done.</li>
 *   <li>Failures are {@link FsException} carrying the errno Linux would give. A backend that
 *       cannot be reached in time gives {@link Errno#EIO} (or {@link Errno#ETIMEDOUT}); an
 *       interrupted wait gives {@link Errno#EINTR}.</li>
 *   <li>Names are Java strings encoded as UTF-8: empty, {@code "."}, {@code ".."} or containing
 *       {@code '/'} or NUL are {@link Errno#EINVAL} (for lookup of "." / ".." see
 *       {@link #lookup}); more than {@link #NAME_MAX} bytes is {@link Errno#ENAMETOOLONG}.</li>
 *   <li>Permissions are not checked by the operations (a FUSE mount uses
 *       {@code default_permissions}); {@link #access} answers explicit checks.</li>
 *   <li>Consistency between clients: metadata changes of another client become visible within the
 *       change-feed latency; {@link #open} is a read barrier, so a file closed (or fsynced) on
 *       another client before this open started is seen whole (close-to-open). {@link #barrier}
 *       gives the same guarantee to lookups and getattrs made after it (a path-based front end
 *       takes it before resolving a path).</li>
 *   <li>File data written through a handle is buffered and becomes visible to other clients at
 *       {@link #flush}, {@link #fsync} or {@link #release}; {@code fsync} returns once data and
 *       metadata are durable in the stores. Reads through any handle of this client see its own
 *       writes.</li>
 *   <li>Thread safety: every method may be called concurrently from any number of threads; one
 *       handle may be used by several threads (operations on one handle are serialised).</li>
 * </ul>
 */
public interface FileSystem extends AutoCloseable {

  /** The inode number of the root directory. */
  long ROOT = 1;
  /** Longest name in bytes (UTF-8). */
  int NAME_MAX = 255;
  /** Longest symlink target in bytes (UTF-8). */
  int PATH_MAX = 4096;
  /** Longest xattr name in bytes; a longer one is {@link Errno#ERANGE}. */
  int XATTR_NAME_MAX = 255;
  /** Largest xattr value in bytes; a larger one is {@link Errno#E2BIG}. */
  int XATTR_SIZE_MAX = 65536;
  /** Largest file size; writing or truncating beyond it is {@link Errno#EFBIG}. */
  long MAX_FILE_SIZE = 1L << 50;

  /** {@link #rename} flags (Linux values). */
  int RENAME_NOREPLACE = 1;
  int RENAME_EXCHANGE = 2;

  /** {@link #setxattr} flags (Linux values). */
  int XATTR_CREATE = 1;
  int XATTR_REPLACE = 2;

  /** {@link #open} flags (Linux values); other bits are ignored. */
  int O_RDONLY = 0;
  int O_WRONLY = 1;
  int O_RDWR = 2;
  int O_ACCMODE = 3;
  int O_CREAT = 0100;
  int O_EXCL = 0200;
  int O_TRUNC = 01000;
  int O_APPEND = 02000;
  int O_DIRECTORY = 0200000;

  /** {@link #access} mask bits. */
  int F_OK = 0;
  int X_OK = 1;
  int W_OK = 2;
  int R_OK = 4;

  /** {@link #flock} operations (Linux values; LOCK_NB may be or-ed in). */
  int LOCK_SH = 1;
  int LOCK_EX = 2;
  int LOCK_NB = 4;
  int LOCK_UN = 8;

  /** {@link FileLock} types (Linux values). */
  int F_RDLCK = 0;
  int F_WRLCK = 1;
  int F_UNLCK = 2;

  /** {@link #fallocate} mode bits (Linux values). Only 0 and KEEP_SIZE are supported. */
  int FALLOC_FL_KEEP_SIZE = 1;

  // ---- names and attributes ----

  /**
   * The entry {@code name} of directory {@code parent}. {@code "."} is the directory itself and
   * {@code ".."} its parent (the root's parent is the root).
   *
   * @throws FsException ENOENT (no such entry or parent), ENOTDIR (parent is not a directory),
   *     ENAMETOOLONG, EINVAL (bad name)
   */
  Attr lookup(long parent, String name);

  /**
   * A read barrier: returns once this client's cache reflects every change committed (by any
   * client) before this call began, so {@link #lookup}, {@link #getattr} and {@link #readdir}
   * after it answer at least that fresh. Costs one store revision read, shared by concurrent
   * barriers (each still waits for a read that started after it began), plus the wait for the
   * change feed to reach it. {@link #open} takes one itself.
   *
   * @throws FsException ETIMEDOUT (the change feed did not reach the store's revision within the
   *     configured barrier timeout), EINTR
   */
  void barrier();

  /**
   * The version of {@code ino}'s attributes as this client knows them (no store read when
   * cached): it changes with every committed change to the inode's attributes, including the
   * size and mtime a data write commits. A front end uses it to decide whether file data it
   * cached is still current; after {@link #barrier} or {@link #open} it is close-to-open fresh.
   *
   * @throws FsException ENOENT if {@code ino} does not exist
   */
  long attrVersion(long ino);

  /**
   * The attributes of {@code ino}; size and mtime include writes still buffered in this client's
   * handles.
   *
   * @throws FsException ENOENT if {@code ino} does not exist
   */
  Attr getattr(long ino);

  /**
   * Changes mode (permission bits only), owner, size (truncate or extend with zeros; EISDIR on a
   * directory, EINVAL on other non-regular files), atime and mtime; sets ctime to now. Buffered
   * writes of this client to the file are flushed first. Returns the new attributes.
   *
   * @throws FsException ENOENT, EISDIR, EINVAL (negative size), EFBIG (size over the maximum)
   */
  Attr setattr(long ino, SetAttr changes);

  /**
   * Checks that a caller with {@code uid} / {@code gids} may access {@code ino} with {@code mask}
   * ({@link #R_OK} | {@link #W_OK} | {@link #X_OK}, or {@link #F_OK}); uid 0 passes every check
   * but X_OK needs some x bit on a non-directory.
   *
   * @throws FsException EACCES if not allowed, ENOENT
   */
  void access(long ino, int mask, int uid, int[] gids);

  // ---- creating and removing names ----

  /**
   * Creates a node of any type but directory and symlink: regular file, fifo, socket, character
   * or block device ({@code rdev}). {@code mode} carries the type bits (no type bits = regular
   * file).
   *
   * @throws FsException EEXIST, ENOENT (parent gone), ENOTDIR, ENAMETOOLONG, EINVAL (bad name or
   *     a directory/symlink type), ENOSPC (no inodes left)
   */
  Attr mknod(long parent, String name, int mode, int uid, int gid, long rdev);

  /**
   * Creates a regular file ({@code mode}'s type bits are ignored) and opens it with {@code flags}
   * in one call (FUSE's create). If the entry already exists: with {@link #O_EXCL} it is EEXIST;
   * without, an existing regular file is opened with {@code flags} (O_TRUNC honoured) and a
   * directory is EISDIR. Errors otherwise as {@link #mknod}.
   */
  Opened create(long parent, String name, int mode, int uid, int gid, int flags);

  /** Creates a directory; bumps the parent's link count. Errors as {@link #mknod}. */
  Attr mkdir(long parent, String name, int mode, int uid, int gid);

  /**
   * Creates a symbolic link to {@code target} (stored verbatim, not resolved).
   *
   * @throws FsException ENAMETOOLONG if the target exceeds {@link #PATH_MAX}, EINVAL if empty,
   *     plus the errors of {@link #mknod}
   */
  Attr symlink(long parent, String name, String target, int uid, int gid);

  /** @throws FsException EINVAL if {@code ino} is not a symlink, ENOENT */
  String readlink(long ino);

  /**
   * Adds the hard link {@code newName} in {@code newParent} to {@code ino}; nlink grows by one.
   *
   * @throws FsException EPERM if {@code ino} is a directory, EEXIST, ENOENT, ENOTDIR
   */
  Attr link(long ino, long newParent, String newName);

  /**
   * Removes a non-directory entry. When its last link goes, the inode is released at once unless
   * some client still has it open: then it stays readable through those handles until the last
   * one is released (or its client's session expires).
   *
   * @throws FsException ENOENT, EISDIR (the entry is a directory), ENOTDIR, EINVAL
   */
  void unlink(long parent, String name);

  /** @throws FsException ENOENT, ENOTDIR (entry is not a directory), ENOTEMPTY, EINVAL ("."; the root) */
  void rmdir(long parent, String name);

  /**
   * Atomically renames {@code oldParent/oldName} to {@code newParent/newName}, replacing an
   * existing target of a compatible type. flags: 0, {@link #RENAME_NOREPLACE} (an existing target
   * is EEXIST) or {@link #RENAME_EXCHANGE} (both must exist; they swap atomically).
   *
   * @throws FsException ENOENT, EEXIST (NOREPLACE), ENOTEMPTY (target is a non-empty directory),
   *     EISDIR (file over directory), ENOTDIR (directory over file), EINVAL (a directory into its
   *     own subtree, bad flags, or renaming "." / ".."), ENAMETOOLONG
   */
  void rename(long oldParent, String oldName, long newParent, String newName, int flags);

  /**
   * Lists up to {@code limit} entries of directory {@code ino} whose names sort after
   * {@code after} (null = from the start). Entries created or removed concurrently may or may not
   * appear, but an entry present throughout the listing appears exactly once.
   *
   * @throws FsException ENOTDIR, ENOENT, EINVAL (limit &lt;= 0)
   */
  DirPage readdir(long ino, String after, int limit);

  // ---- extended attributes ----

  /** @throws FsException ENODATA if absent, ERANGE (name too long), ENOENT */
  byte[] getxattr(long ino, String name);

  /**
   * Sets an xattr. flags: 0, {@link #XATTR_CREATE} (existing → EEXIST) or {@link #XATTR_REPLACE}
   * (absent → ENODATA).
   *
   * @throws FsException E2BIG (value over {@link #XATTR_SIZE_MAX}), ERANGE (name empty or over
   *     {@link #XATTR_NAME_MAX}), EEXIST, ENODATA, EINVAL (bad flags), ENOENT
   */
  void setxattr(long ino, String name, byte[] value, int flags);

  /** Every xattr name of {@code ino}, in byte order. */
  List<String> listxattr(long ino);

  /** @throws FsException ENODATA if absent, ENOENT */
  void removexattr(long ino, String name);

  /** Capacity and usage of the whole file system. */
  StatFs statfs();

  // ---- file data ----

  /**
   * Opens {@code ino} and returns a handle. Takes a read barrier first (close-to-open). Flags:
   * the access mode, {@link #O_TRUNC} (truncates if writable), {@link #O_APPEND}. Directories may
   * be opened read-only (the handle is then only good for {@link #release} and locks).
   *
   * @throws FsException ENOENT, EISDIR (directory opened for writing), EINVAL (bad access mode)
   */
  long open(long ino, int flags);

  /**
   * Reads up to {@code len} bytes at {@code offset} into {@code dst[off..]}; returns the number
   * read, fewer only at end of file (0 at or past EOF). Holes read as zeros.
   *
   * @throws FsException EBADF (unknown or write-only handle), EINVAL (negative offset), EIO
   */
  int read(long fh, long offset, byte[] dst, int off, int len);

  /**
   * Writes {@code len} bytes from {@code src[off..]} at {@code offset} (at end of file for an
   * {@link #O_APPEND} handle); buffered until flush/fsync/release. Returns {@code len}.
   *
   * @throws FsException EBADF (unknown or read-only handle), EFBIG, EINVAL (negative offset)
   */
  int write(long fh, long offset, byte[] src, int off, int len);

  /** Makes this handle's buffered writes visible to every client (FUSE calls it on close(2)). */
  void flush(long fh);

  /**
   * Like {@link #flush}, and returns only when data and metadata are durable in the stores
   * (with directory delegations: every namespace operation of this client that returned before).
   */
  void fsync(long fh, boolean dataOnly);

  /**
   * Returns when every namespace operation of this client that returned before is durable in the
   * metadata store (fsyncdir, syncfs). Without directory delegations each already is.
   */
  default void syncfs() {}

  /**
   * Flushes and closes the handle, dropping this handle's flock and, if it was the last handle on
   * the inode in this client, releasing an unlinked inode. Unknown handles are ignored.
   */
  void release(long fh);

  /**
   * Preallocates {@code [offset, offset+length)}: with mode 0 extends the size if needed; with
   * {@link #FALLOC_FL_KEEP_SIZE} does nothing visible. Space is not reserved (blobs are
   * content-addressed).
   *
   * @throws FsException EOPNOTSUPP for other modes, EBADF, EINVAL, EFBIG
   */
  void fallocate(long fh, int mode, long offset, long length);

  // ---- locks (shared by every client of the file system) ----

  /**
   * BSD flock on the open file of {@code fh}: op is {@link #LOCK_SH}, {@link #LOCK_EX} or
   * {@link #LOCK_UN}, optionally or-ed with {@link #LOCK_NB}. {@code owner} identifies the open
   * file description (FUSE's lock_owner). Without LOCK_NB it waits, interruptibly.
   *
   * @throws FsException EAGAIN (LOCK_NB and held elsewhere), EINTR, EBADF, EINVAL
   */
  void flock(long fh, long owner, int op);

  /**
   * F_GETLK: the first lock that would conflict with {@code lock} taken by {@code owner}, or a
   * lock of type {@link #F_UNLCK} if none would.
   */
  FileLock getlk(long fh, long owner, FileLock lock);

  /**
   * F_SETLK ({@code wait} false) / F_SETLKW ({@code wait} true): sets, converts, splits or
   * removes ({@link #F_UNLCK}) {@code owner}'s record locks over the range.
   *
   * @throws FsException EAGAIN (conflict and not waiting), EINTR, EDEADLK (never reported: no
   *     cross-client deadlock detection), EBADF
   */
  void setlk(long fh, long owner, FileLock lock, boolean wait);

  // ---- paths (helpers over lookup) ----

  /**
   * Resolves an absolute path ({@code "/"}, {@code "/a/b"}; repeated or trailing slashes are
   * fine) to its attributes without following a final symlink (lstat). Symlinks in the middle are
   * followed (at most 40, then ELOOP).
   *
   * @throws FsException ENOENT, ENOTDIR (a component is not a directory), ELOOP, EINVAL (relative
   *     path), ENAMETOOLONG
   */
  Attr resolve(String path);

  /** Like {@link #resolve} but follows a final symlink too (stat). */
  Attr resolveFollow(String path);

  /**
   * Resolves the parent directory of {@code path} and returns it with the last component, e.g.
   * for {@code mkdir(path)}. The parent must exist and be a directory; the last component need
   * not exist.
   *
   * @throws FsException EINVAL for {@code "/"} (no parent), plus the errors of {@link #resolve}
   */
  ParentAndName resolveParent(String path);

  /** A resolved parent directory and the name to create or remove in it. */
  record ParentAndName(long parent, String name) {}

  // ---- lifecycle ----

  /** The id of this client's session (unique in the file system, stable while open). */
  long sessionId();

  /**
   * Flushes every open handle, ends the session (releasing its locks and unlinked-open inodes) and
   * stops background work. Does not close the stores, which the caller owns. Idempotent.
   *
   * @throws FsException EIO, after all of the above, if the pending writes of some handle could
   *     not be committed (they are lost; the message names the inodes)
   */
  @Override
  void close();
}
