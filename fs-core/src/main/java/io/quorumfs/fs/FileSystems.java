package io.quorumfs.fs;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.KvBlobStore;
import io.quorumfs.kv.KvStore;
import java.nio.charset.StandardCharsets;

/** Opens {@link FileSystem} clients over a metadata store and a blob store. */
public final class FileSystems {

  private FileSystems() {}

  /**
   * Opens a client of the file system kept in {@code meta} under {@link FsConfig#keyPrefix()},
   * with file data in {@code blobs}, formatting an empty store when
   * {@link FsConfig#formatIfEmpty()} is set.
   *
   * <p>The caller owns both stores: close the file system first, then the stores. Several clients
   * (in one process or many) may open the same stores at once.
   *
   * @throws FsException EIO if the store holds something that is not a quorumfs file system, or
   *     is unformatted and {@code formatIfEmpty} is off; EINVAL if the chunk size differs from the
   *     one the file system was formatted with
   */
  public static FileSystem open(KvStore meta, BlobStore blobs, FsConfig config) {
    return KvFileSystem.open(meta, blobs, config);
  }

  /**
   * {@link #open(KvStore, BlobStore, FsConfig)} with file data stored as blobs in {@code meta}
   * itself (under the key prefix plus {@code "B"}): one store for everything, as for tests and
   * {@code quorumfs up --ephemeral}.
   */
  public static FileSystem open(KvStore meta, FsConfig config) {
    return open(meta, blobsIn(meta, config), config);
  }

  /** {@link #open(KvStore, FsConfig)} with {@link FsConfig#defaults()}. */
  public static FileSystem open(KvStore meta) {
    return open(meta, FsConfig.defaults());
  }

  /** The blob store {@link #open(KvStore, FsConfig)} uses inside a metadata store. */
  public static BlobStore blobsIn(KvStore meta, FsConfig config) {
    return KvBlobStore.builder(meta)
        .prefix((config.keyPrefix() + "B").getBytes(StandardCharsets.UTF_8)).build();
  }
}
