package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;

/** Opens {@link FileSystem} clients over a metadata store. */
public final class FileSystems {

  private FileSystems() {}

  /**
   * Opens a client of the file system kept in {@code meta} under {@link FsConfig#keyPrefix()},
   * formatting an empty store when {@link FsConfig#formatIfEmpty()} is set. File data are stored
   * as content-addressed blobs in {@code meta} itself (under the key prefix plus {@code "blob/"});
   * an overload taking a separate {@code BlobStore} joins when the blob module lands.
   *
   * <p>The caller owns {@code meta}: close the file system first, then the store. Several clients
   * (in one process or many) may open the same store at once.
   *
   * @throws FsException EIO if the store holds something that is not a quorumfs file system, or
   *     is unformatted and {@code formatIfEmpty} is off
   */
  public static FileSystem open(KvStore meta, FsConfig config) {
    return KvFileSystem.open(meta, config);
  }

  /** {@link #open(KvStore, FsConfig)} with {@link FsConfig#defaults()}. */
  public static FileSystem open(KvStore meta) {
    return open(meta, FsConfig.defaults());
  }
}
